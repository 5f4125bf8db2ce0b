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
