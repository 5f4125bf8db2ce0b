"""The review queue respects the clerk's time (issue 14): the most uncertain and newest first,
select a page / accept all that match, titles of one kind decided together, merge by finding the
other item's title — in Chromium."""

from __future__ import annotations

import re

from pipeline.store import Store

from .builders import browser_log_in, log_in


def shown_rows(page):
    page.wait_for_selector(".queue .row")  # the queue after the login's redirect, not the page before it
    confidences = [float(c.get_attribute("data-confidence")) for c in page.locator(".confidence").all()]
    dates = page.locator(".queue .row .meta > span:first-child").all_inner_texts()
    return list(zip(confidences, dates))


def test_the_most_uncertain_and_the_newest_come_first(review_site, page):  # the demo server starts before the browser
    browser_log_in(page, review_site)
    rows = shown_rows(page)
    assert len(rows) > 5
    bands = [int(c * 10) for c, _ in rows]
    assert bands == sorted(bands)  # less sure first …
    for (c1, d1), (c2, d2) in zip(rows, rows[1:]):
        if int(c1 * 10) == int(c2 * 10):
            assert d1 >= d2  # … and among equally unsure ones, the newest first


def test_select_a_page_with_one_tick_and_accept_it(review_site, page, review_office):
    browser_log_in(page, review_site)
    ids = [page.locator(".queue .row").nth(i).get_attribute("id").removeprefix("row-")
           for i in range(page.locator(".queue .row").count())]
    page.check("#select-page")
    assert all(page.locator(".queue .row input[type=checkbox]").nth(i).is_checked() for i in range(len(ids)))
    page.locator("button[name=accept]").first.click()
    assert "已接受" in page.locator(".message").inner_text()
    with Store(review_office.database) as store:
        statuses = {r[0] for r in store.db.execute(
            f"SELECT status FROM items WHERE id IN ({','.join('?' * len(ids))})", ids)}
    assert statuses == {"confirmed"}


def test_accept_everything_a_filter_matches_across_pages(review_site, page, review_office):
    with Store(review_office.database) as store:
        store.db.execute("UPDATE items SET status = 'review' WHERE category = 'gzdt'")  # more than a page
        wanted = {r[0] for r in store.db.execute("SELECT id FROM items WHERE category = 'gzdt'")}
        others = store.db.execute("SELECT COUNT(*) FROM items WHERE status = 'review' AND category != 'gzdt'"
                                  ).fetchone()[0]
    assert len(wanted) > 50 and others > 0
    browser_log_in(page, review_site)
    page.goto(review_site + "/?status=review&category=gzdt")
    button = page.locator("button[name=accept_all]").first
    assert str(len(wanted)) in button.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())  # it asks before accepting them all
    button.click()
    assert "已接受" in page.locator(".message").inner_text()
    with Store(review_office.database) as store:
        assert {r[0] for r in store.db.execute("SELECT id FROM items WHERE status = 'confirmed'")} == wanted
        assert store.db.execute("SELECT COUNT(*) FROM items WHERE status = 'review'").fetchone()[0] == others


def test_accept_the_page_without_javascript(review_site, browser, review_office):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        browser_log_in(page, review_site)
        assert not page.locator("#select-page").is_visible()  # the tick-all box needs scripts; the button not
        ids = [page.locator(".queue .row").nth(i).get_attribute("id").removeprefix("row-")
               for i in range(page.locator(".queue .row").count())]
        page.locator("button[name=accept_page]").first.click()
        assert "已接受" in page.locator(".message").inner_text()
    finally:
        context.close()
    with Store(review_office.database) as store:
        assert {r[0] for r in store.db.execute(
            f"SELECT status FROM items WHERE id IN ({','.join('?' * len(ids))})", ids)} == {"confirmed"}


def test_merge_by_finding_the_other_items_title(review_site, page, review_office):
    with Store(review_office.database) as store:
        keep, other_title, other = store.db.execute(
            """SELECT a.id, b.title, b.id FROM items a JOIN items b ON b.id > a.id
               WHERE a.published_at IS NOT NULL AND b.published_at IS NOT NULL AND length(b.title) > 12
               ORDER BY a.id, b.id LIMIT 1""").fetchone()
    browser_log_in(page, review_site)
    page.goto(f"{review_site}/item/{keep}")
    assert page.locator("input[name=other]").count() == 0  # no typing of internal ids
    page.fill("input[name=find]", other_title[4:12])  # a piece of its title
    page.click("text=查找")
    hit = page.locator("ul.found li", has_text=other_title)
    assert hit.count() == 1
    hit.locator("text=合并到本条目").click()
    assert "已合并" in page.locator(".message").inner_text()
    with Store(review_office.database) as store:
        assert store.db.execute("SELECT COUNT(*) FROM item_posts WHERE item_id = ?", [other]).fetchone()[0] == 0
        assert store.db.execute("SELECT kind FROM decisions WHERE who = 'wang' ORDER BY id DESC LIMIT 1"
                                ).fetchone()[0].startswith("merge")


def test_titles_of_one_kind_are_shown_together_and_filed_at_once(review_site, page, review_office):
    """A monthly 例会 or 公示 waits once a month: the queue links a row to the others of its kind
    (its title with other numbers), where one tick and one choice file them all."""
    from pipeline.classify.recurring import shape_of

    browser_log_in(page, review_site)
    chip = page.locator(".queue .row a.chip.alike").first
    alike = int(chip.inner_text().removeprefix("同类标题").removesuffix("条").strip())
    shape = shape_of(chip.locator("xpath=ancestor::li").locator("a.title").inner_text())
    assert alike > 1
    chip.click()
    page.wait_for_selector(".banner.alike")
    assert shape.replace("#", "…") in page.locator(".banner.alike").inner_text()
    titles = page.locator(".queue .row a.title").all_inner_texts()
    assert len(titles) == alike and {shape_of(t) for t in titles} == {shape}
    assert page.locator(".queue .row a.chip.alike").count() == 0  # already among its own kind
    ids = [r.get_attribute("id").removeprefix("row-") for r in page.locator(".queue .row").all()]
    page.check("#select-page")
    page.locator("select[name=category-ticked]").select_option("qtwj")
    page.click("button[name=change_ticked]")
    assert "已修改分类" in page.locator(".message").inner_text()
    with Store(review_office.database) as store:
        filed = set(store.db.execute(
            f"SELECT category, status FROM items WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall())
        decided = store.db.execute(f"SELECT COUNT(*) FROM decisions WHERE kind = 'category' AND item_id IN "
                                   f"({','.join('?' * len(ids))})", ids).fetchone()[0]
    assert filed == {("qtwj", "confirmed")} and decided == len(ids)


def test_filing_the_ticked_needs_a_tick_and_a_category(review_client, review_office):
    assert log_in(review_client).status_code == 302
    queue = review_client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', queue).group(1)
    one = re.search(r'name="item" value="([^"]+)"', queue).group(1)
    nothing = review_client.post("/decide", data={"csrf": token, "change_ticked": "1", "category-ticked": "qtwj"})
    assert nothing.status_code == 302 and "msg=none" in nothing.headers["Location"]
    blank = review_client.post("/decide", data={"csrf": token, "change_ticked": "1", "item": one, "category-ticked": ""})
    assert blank.status_code == 400 and "没有选择分类" in blank.get_data(as_text=True)
    with Store(review_office.database) as store:
        assert store.db.execute("SELECT status FROM items WHERE id = ?", [one]).fetchone()[0] == "review"
