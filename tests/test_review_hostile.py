"""The review page with the titles the web really hands it (500 letters without a space, a
right-to-left override, markup, emoji), driven by the keyboard and by an impatient mouse — in
Chromium, against the real server and store."""

from __future__ import annotations

import sqlite3

import pytest

from .builders import browser_log_in

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: reverses whatever follows it on the line, unless isolated
HOSTILE = RLO + "<script>alert(1)</script>🙂👨‍👩‍👧 关于" + "长" * 200 + "x" * 300  # 500+ letters


def queue_ids(review_office, count: int = 2) -> list[str]:
    """Ids of items waiting in the queue, and another published item, by id."""
    with sqlite3.connect(review_office.database) as conn:
        return [r[0] for r in conn.execute(
            "SELECT id FROM items WHERE status = 'review' AND published_at IS NOT NULL AND category IS NOT NULL "
            "AND merged_into IS NULL ORDER BY id LIMIT ?", [count])]


def retitle(review_office, item_id: str, title: str) -> None:
    with sqlite3.connect(review_office.database) as conn:
        conn.execute("UPDATE items SET title = ? WHERE id = ?", [title, item_id])


@pytest.fixture
def watched(page):
    """The page, with every script error and dialog noted (a title's <script> must run nowhere)."""
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(str(error)))
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    page.seen = seen
    return page


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_500_letter_title_wraps_and_leaves_the_buttons_in_sight(review_site, watched, review_office):
    hostile, other = queue_ids(review_office)
    retitle(review_office, hostile, HOSTILE)
    page = watched
    browser_log_in(page, review_site)
    page.goto(review_site + "/?q=" + "长" * 20)
    row = page.locator(f"#row-{hostile}")
    assert HOSTILE.removeprefix(RLO)[:30] in row.locator(".title").inner_text()  # shown as text, markup and all
    assert fits(page)
    box = row.locator("button.accept").bounding_box()
    assert box and box["x"] + box["width"] <= page.evaluate("window.innerWidth")
    page.goto(review_site + f"/item/{other}?find=" + "长" * 20)  # the merge search lists it
    assert page.locator("ul.found li").count() == 1 and fits(page)
    page.goto(review_site + f"/item/{hostile}")
    assert "<script>" in page.locator("h1").inner_text() and fits(page)
    assert page.seen == []


def test_the_keyboard_acts_on_the_row_the_focus_is_in(review_site, watched, review_office):
    """Tabbing to the third row's 接受 and pressing a accepted the first row (the one highlighted
    when the page opened); after a click on a tick box, j and k did nothing."""
    page = watched
    browser_log_in(page, review_site)
    rows = page.locator(".queue .row")
    ids = [rows.nth(i).get_attribute("id").removeprefix("row-") for i in range(4)]
    rows.nth(1).locator("input[type=checkbox]").click()  # ticked with the mouse: the focus is in row 2
    page.keyboard.press("j")
    assert rows.nth(2).get_attribute("class").split() == ["row", "current"]
    page.keyboard.press("x")
    assert rows.nth(2).locator("input[type=checkbox]").is_checked()
    rows.nth(3).locator("button.accept").focus()  # as Tab would leave it
    with page.expect_navigation():
        page.keyboard.press("a")
    with sqlite3.connect(review_office.database) as conn:
        statuses = dict(conn.execute(f"SELECT id, status FROM items WHERE id IN ({','.join('?' * 4)})", ids))
    assert [statuses[i] for i in ids] == ["review", "review", "review", "confirmed"]
    assert page.seen == []


READS_LEFT_TO_RIGHT = """([selector, words]) => {
  // whether `words`, inside the element, is laid out left to right (its first letter left of its last)
  const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.textContent.indexOf(words);
    if (at < 0) continue;
    const x = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                       return r.getBoundingClientRect().x; };
    return x(at) < x(at + words.length - 1);
  }
  return null;
}"""


def test_a_right_to_left_mark_in_a_title_does_not_reverse_our_words(review_site, watched, review_office):
    """A title opening with U+202E (right-to-left override) reversed the sentence after it: the merged
    item's banner read 出作上目条该在请… backwards, the refusal too, and a version's 字 count."""
    with sqlite3.connect(review_office.database) as conn:
        keep, other = [r[0] for r in conn.execute(
            """SELECT i.id FROM items i WHERE i.published_at IS NOT NULL AND i.merged_into IS NULL
               AND (SELECT COUNT(*) FROM item_posts ip WHERE ip.item_id = i.id) = 1
               AND NOT EXISTS (SELECT 1 FROM item_posts ip JOIN posts p ON p.id = ip.post_id
                               WHERE ip.item_id = i.id AND p.channel = 'catalog') ORDER BY i.id LIMIT 2""")]
    from pipeline.merge import staff
    from pipeline.store import Store

    with Store(review_office.database) as store:
        staff.merge_items(review_office, store, keep, other, "wang")
    retitle(review_office, keep, RLO + "关于开展安全检查的通知")
    with sqlite3.connect(review_office.database) as conn:
        conn.execute("UPDATE post_versions SET title = ? WHERE post_id IN (SELECT post_id FROM item_posts "
                     "WHERE item_id = ?)", [RLO + "关于开展安全检查的通知", keep])
    page = watched
    browser_log_in(page, review_site)
    page.goto(review_site + f"/item/{other}")
    assert page.evaluate(READS_LEFT_TO_RIGHT, [".merged", "本条目只保留为记录"])
    page.goto(review_site + f"/item/{keep}")
    page.locator(".posts details").first.evaluate("details => details.open = true")
    assert page.evaluate(READS_LEFT_TO_RIGHT, [".versions li", " 字"])
    page.goto(review_site + f"/item/{other}")
    page.evaluate("""(csrf) => { const f = document.createElement('form'); f.method = 'post';
        f.action = location.pathname + '/accept'; f.innerHTML = '<input name="csrf" value="' + csrf + '">';
        document.body.append(f); f.submit(); }""", page.locator("input[name=csrf]").first.get_attribute("value"))
    page.wait_for_selector(".refused")
    assert page.evaluate(READS_LEFT_TO_RIGHT, [".refused", "不再单独发布"])
    assert page.seen == []


def test_long_titles_of_one_kind_are_shown_together(review_site, watched, review_office):
    """同类标题 2 条 on two 400-letter titles led to a page with none of them: the kind in the link was
    cut to 300 letters, and no title is of a cut kind."""
    first, second = queue_ids(review_office)
    for item_id, issue in ((first, 1), (second, 2)):
        retitle(review_office, item_id, "关于" + "长" * 400 + f"的公示（第{issue}期）")
    page = watched
    browser_log_in(page, review_site)
    page.goto(review_site + "/?q=" + "长" * 20)
    page.locator(f"#row-{first} a.chip.alike").click()
    page.wait_for_selector(".banner.alike")
    assert sorted(row_id.removeprefix("row-") for row_id in page.locator(".queue .row").evaluate_all(
        "rows => rows.map(row => row.id)")) == sorted([first, second])


def test_a_second_click_while_the_answer_is_on_its_way_sends_nothing_more(review_site, watched, review_office):
    """设定有效性 clicked again half a second later, while the first request waited for the store:
    Chromium sent the form twice and the validity was recorded twice (and the clerk was shown the
    second answer). Every form is sent once now."""
    with sqlite3.connect(review_office.database) as conn:
        (item_id,) = conn.execute("SELECT id FROM items WHERE published_at IS NOT NULL AND merged_into IS NULL "
                                  "ORDER BY id LIMIT 1").fetchone()
        conn.execute("UPDATE items SET normative = 1 WHERE id = ?", [item_id])  # a 规范性文件: it has the form
    page = watched
    browser_log_in(page, review_site)
    page.goto(review_site + f"/item/{item_id}")
    posted: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posted.append(request.url))
    writer = sqlite3.connect(review_office.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the first request waits for the store, as behind a long nightly write
    try:
        with page.expect_request(lambda request: request.method == "POST"):
            page.evaluate("""() => { const button = document.querySelector("form[action$='/validity'] button");
                                     button.click(); setTimeout(() => button.click(), 500); }""")
        page.wait_for_timeout(1500)  # lets the second click happen (not a timing assertion)
    finally:
        writer.execute("COMMIT")
        writer.close()
    page.wait_for_url("**msg=validity**")
    assert len(posted) == 1
    with sqlite3.connect(review_office.database) as conn:
        assert conn.execute("SELECT COUNT(*) FROM decisions WHERE item_id = ? AND kind = 'validity'",
                            [item_id]).fetchone() == (1,)
    assert page.seen == []
