"""A clerk's session ends while a form is open (12 hours on, or logged out in another tab): what
she typed is not lost, and logging in again brings her back to the page she was on — in Chromium."""

from __future__ import annotations

import sqlite3

from .builders import PASSWORD, browser_log_in

NOTE = "依据：区政府办公室2020年第3号通知，转为财政信息"


def test_a_note_typed_before_the_session_ended_is_shown_to_copy(review_site, page, review_office):
    """The 请先登录 page dropped the note, and 后退 only asked for the login again (the page is
    not cached): the note was gone. Now the page shows it, and 登录 returns to the item."""
    with sqlite3.connect(review_office.database) as conn:
        (item_id,) = conn.execute("SELECT id FROM items WHERE status = 'review' AND published_at IS NOT NULL "
                                  "AND category IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    browser_log_in(page, review_site)
    page.goto(review_site + f"/item/{item_id}")
    page.fill("form[action$='/category'] input[name=note]", NOTE)
    with sqlite3.connect(review_office.database) as conn:  # twelve hours later
        conn.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00'")
    page.click("form[action$='/category'] button")
    assert page.locator("h1").inner_text() == "请先登录"
    assert page.locator(".typed textarea").input_value() == NOTE
    page.click("main a:text-is('登录')")
    page.fill("input[name=name]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/item/{item_id}")
    with sqlite3.connect(review_office.database) as conn:
        assert conn.execute("SELECT COUNT(*) FROM decisions WHERE item_id = ?", [item_id]).fetchone() == (0,)
