"""The review queue respects the clerk's time (issue 14): the most uncertain and newest first,
select a page / accept all that match, merge by finding the other item's title — in Chromium."""

from __future__ import annotations

from pipeline.store import Store

from .builders import browser_log_in


def shown_rows(page):
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
