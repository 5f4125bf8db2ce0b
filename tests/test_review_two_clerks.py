"""Two clerks on one queue, and a clerk whose page the nightly job changed under her: what she
decides about an item is done only if the item is still what her page showed; anything changed
since (confirmed by the other clerk, reclassified, merged away) is left as it is and named, with
who did what — never silently overwritten, never silently confirmed unseen. A merge or split
sent twice is done once and says so. In Chromium (two browser contexts, two sessions) and with
the test client, against the real store."""

from __future__ import annotations

import re
import sqlite3

import pytest

from pipeline.review import auth
from pipeline.store import Store

from .builders import PASSWORD, browser_log_in, log_in


@pytest.fixture
def clerks(browser, review_site, review_office):
    """Two logged-in browser pages on the queue: wang's and li's."""
    with Store(review_office.database) as store:
        auth.add_user(store, "li", PASSWORD)
    contexts = [browser.new_context(locale="zh-CN") for _ in range(2)]
    wang, li = (context.new_page() for context in contexts)
    browser_log_in(wang, review_site)
    li.goto(review_site + "/login")
    li.fill("input[name=name]", "li")
    li.fill("input[name=password]", PASSWORD)
    li.click("button[type=submit]")
    for page in (wang, li):
        page.wait_for_selector(".queue .row")
    yield wang, li
    for context in contexts:
        context.close()


def state(review_office, item_id: str) -> tuple[str, str]:
    with sqlite3.connect(review_office.database) as conn:
        return conn.execute("SELECT category, status FROM items WHERE id = ?", [item_id]).fetchone()


def decisions(review_office, item_id: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(review_office.database) as conn:
        return conn.execute("SELECT who, kind, after FROM decisions WHERE item_id = ? ORDER BY id", [item_id]).fetchall()


def row_ids(page) -> list[str]:
    rows = page.locator(".queue .row")
    return [rows.nth(i).get_attribute("id").removeprefix("row-") for i in range(rows.count())]


def file_row(page, item_id: str, category: str) -> None:
    row = page.locator(f"#row-{item_id}")
    row.locator(f"select[name=category-{item_id}]").select_option(category)
    row.locator("button[name=change]").click()


def other_leaf(review_office, *not_these: str) -> str:
    from pipeline.classify import office_tree

    return next(leaf for leaf in sorted(office_tree(review_office).leaves()) if leaf not in not_these)


def single_copy_items(review_office, count: int) -> list[str]:
    with sqlite3.connect(review_office.database) as conn:
        return [r[0] for r in conn.execute(
            """SELECT i.id FROM items i WHERE i.published_at IS NOT NULL AND i.merged_into IS NULL
               AND (SELECT COUNT(*) FROM item_posts ip WHERE ip.item_id = i.id) = 1
               AND NOT EXISTS (SELECT 1 FROM item_posts ip JOIN posts p ON p.id = ip.post_id
                               WHERE ip.item_id = i.id AND p.channel = 'catalog') ORDER BY i.id LIMIT ?""", [count])]


def test_a_stale_page_does_not_overwrite_the_other_clerks_filing(clerks, review_site, review_office):
    """wang files X under B; li, whose page was opened before, files X under C: li's click replaced
    wang's decision without a word. Now li is told who filed it how, and wang's filing stands."""
    wang, li = clerks
    item_id = row_ids(wang)[0]
    suggested, _ = state(review_office, item_id)
    wangs, lis = other_leaf(review_office, suggested), other_leaf(review_office, suggested, other_leaf(review_office, suggested))
    file_row(wang, item_id, wangs)
    assert "已修改分类" in wang.locator(".message").inner_text()
    file_row(li, item_id, lis)
    assert "未能修改分类" in li.locator("h1").inner_text()
    refused = li.locator(".refused").inner_text()
    assert "wang 已于" in refused and "确认为" in refused
    assert state(review_office, item_id) == (wangs, "confirmed")
    assert [(who, kind) for who, kind, _ in decisions(review_office, item_id)] == [("wang", "category")]
    li.goto(review_site + f"/item/{item_id}")  # the item as it is now: she may change wang's filing knowingly
    assert "已确认" in li.locator(".facts").inner_text()
    li.select_option("select[name=category]", lis)
    li.click("form[action$='/category'] button")
    assert "已修改分类" in li.locator(".message").inner_text()
    assert state(review_office, item_id) == (lis, "confirmed")


def test_accepting_a_page_leaves_what_changed_since_and_names_it(clerks, review_site, review_office):
    """A page of 50, ticked at once: two rows the other clerk filed elsewhere meanwhile, one the
    nightly job reclassified, one merged away. Accepting the page refused all 50 (for the merged one)
    or confirmed a suggestion nobody saw; now the 46 unchanged are accepted and the 4 are listed."""
    wang, li = clerks
    ids = row_ids(li)
    assert len(ids) == 50
    for item_id in ids[:2]:  # wang files two of li's rows under another leaf
        wang.goto(review_site + f"/item/{item_id}")
        suggested, _ = state(review_office, item_id)
        wang.select_option("select[name=category]", other_leaf(review_office, suggested))
        wang.click("form[action$='/category'] button")
        assert "已修改分类" in wang.locator(".message").inner_text()
    reclassified = ids[2]
    night = other_leaf(review_office, state(review_office, reclassified)[0])
    with sqlite3.connect(review_office.database) as conn:  # the nightly job files it anew, still to review
        conn.execute("UPDATE items SET category = ? WHERE id = ?", [night, reclassified])
    merged = next(i for i in ids[3:] if i in single_copy_items(review_office, 10_000))
    keep = next(i for i in single_copy_items(review_office, 10_000) if i not in ids)
    with Store(review_office.database) as store:  # the nightly job (or a clerk) merged one away
        from pipeline.merge import staff

        staff.merge_items(review_office, store, keep, merged, "xxgk")
    changed = {*ids[:3], merged}
    li.check("#select-page")
    li.locator("button[name=accept]").first.click()
    assert "已接受" in li.locator(".message").inner_text()
    listed = li.locator(".left li")
    assert listed.count() == 4
    reasons = dict(zip([a.get_attribute("href").rsplit("/", 1)[1] for a in li.locator(".left li a").all()],
                       listed.all_inner_texts()))
    assert set(reasons) == changed
    assert all("wang 已于" in reasons[i] for i in ids[:2]) and "建议分类已变为" in reasons[reclassified]
    assert "已并入" in reasons[merged]
    assert state(review_office, reclassified) == (night, "review")
    unchanged = [i for i in ids if i not in changed]
    assert all(state(review_office, i)[1] == "confirmed" for i in unchanged)
    assert [who for who, _, _ in decisions(review_office, ids[0])] == ["wang"]
    assert all(who == "li" for i in unchanged for who, _, _ in decisions(review_office, i))


# --- the same, with the test client (one request each) ------------------------------------------


@pytest.fixture
def client(review_client):
    assert log_in(review_client).status_code == 302
    return review_client


def token(client, path: str = "/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_accepting_a_suggestion_that_changed_overnight_is_refused(client, review_office):
    page = client.get("/").get_data(as_text=True)
    item_id = re.search(r'name="shown" value="([^"]+)"', page).group(1)
    seen = re.search(rf'name="seen-{item_id}" value="([^"]+)"', page).group(1)
    suggested, _ = state(review_office, item_id)
    night = other_leaf(review_office, suggested)
    with sqlite3.connect(review_office.database) as conn:
        conn.execute("UPDATE items SET category = ? WHERE id = ?", [night, item_id])
    for url, data in (("/decide", {"one": item_id, "back": "/"}), (f"/item/{item_id}/accept", {})):
        response = client.post(url, data={"csrf": token(client), f"seen-{item_id}": seen} | data)
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and "未能接受分类" in text and "建议分类已变为" in text
    assert state(review_office, item_id) == (night, "review") and decisions(review_office, item_id) == []


def test_accept_all_refuses_when_the_count_it_asked_about_changed(client, review_office):
    page = client.get("/").get_data(as_text=True)
    total = int(re.search(r'name="total" value="(\d+)"', page).group(1))
    with sqlite3.connect(review_office.database) as conn:  # the nightly job brings one more to review
        conn.execute("UPDATE items SET status = 'review' WHERE id = (SELECT id FROM items WHERE status = 'auto' "
                     "AND published_at IS NOT NULL AND category IS NOT NULL LIMIT 1)")
    response = client.post("/decide", data={"csrf": token(client), "accept_all": "1", "total": str(total), "back": "/"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and f"已从 {total} 条变为 {total + 1} 条" in text
    with sqlite3.connect(review_office.database) as conn:
        assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone() == (0,)


def test_a_merge_or_split_sent_twice_is_done_once_and_says_done(client, review_office):
    """The second request (a click repeated while the first waited, the back button and 重新提交)
    answered 未能合并（没有渠道副本） / 未能拆分, after the first had done it."""
    keep, other, elsewhere = single_copy_items(review_office, 3)
    for _ in range(2):
        response = client.post("/merge", data={"csrf": token(client), "keep": keep, "other": other})
        assert response.status_code == 302 and response.headers["Location"].endswith("msg=merged")
    response = client.post("/merge", data={"csrf": token(client), "keep": elsewhere, "other": other})
    assert response.status_code == 400 and "已并入" in response.get_data(as_text=True)  # li's stale merge
    with sqlite3.connect(review_office.database) as conn:
        post = conn.execute("SELECT post_id FROM item_posts WHERE item_id = ? ORDER BY post_id DESC LIMIT 1",
                            [keep]).fetchone()[0]
    for _ in range(2):
        response = client.post("/split", data={"csrf": token(client), "item": keep, "post": post})
        assert response.status_code == 302 and response.headers["Location"].endswith("msg=split")
    assert [kind for _, kind, _ in decisions(review_office, keep)] == ["merge", "split"]
    assert [kind for _, kind, _ in decisions(review_office, elsewhere)] == []


def test_a_decision_while_the_nightly_job_holds_the_store_says_nothing_was_saved(client, review_office):
    """The nightly job writing for longer than the store waits: the clerk's decision answered 系统出错
    (500, a traceback in the log). Now: 数据库正忙，没有保存 (503), with her note to copy."""
    with sqlite3.connect(review_office.database) as conn:
        (item_id,) = conn.execute("SELECT id FROM items WHERE status = 'review' AND published_at IS NOT NULL "
                                  "AND category IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    form = {"csrf": token(client), "category": other_leaf(review_office, state(review_office, item_id)[0]),
            "note": "依据区政府通知"}
    writer = sqlite3.connect(review_office.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # as a long write of the nightly job holds it
    try:
        response = client.post(f"/item/{item_id}/category", data=form)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "数据库正忙，没有保存" in page and ">依据区政府通知</textarea>" in page
    assert decisions(review_office, item_id) == [] and state(review_office, item_id)[1] == "review"


# --- after a mistake -------------------------------------------------------------------------------


def test_a_confirmation_made_by_mistake_can_be_undone(clerks, review_site, review_office):
    """A wrong 接受 (or a wrong 改为此分类) could only be replaced by another filing: nothing put
    the item back in the queue with its suggestion. Now the page after it offers 撤销, the item page
    offers 撤销确认, and neither undoes what the other clerk decided since."""
    wang, li = clerks
    first, second = row_ids(wang)[:2]
    suggested = state(review_office, first)
    wang.locator(f"#row-{first} button.accept").click()
    assert state(review_office, first) == (suggested[0], "confirmed")
    wang.locator(".message button", has_text="撤销").click()
    assert "已撤销确认" in wang.locator(".message").inner_text()
    assert state(review_office, first) == suggested and wang.locator(f"#row-{first}").count() == 1
    # a wrong filing on the item page, undone there: the suggestion comes back, not the wrong leaf
    wrong = other_leaf(review_office, state(review_office, second)[0])
    suggested = state(review_office, second)
    wang.goto(review_site + f"/item/{second}")
    wang.select_option("select[name=category]", wrong)
    wang.click("form[action$='/category'] button")
    li.goto(review_site + f"/item/{second}")  # li sees wang's filing …
    wang.click("button:text('撤销确认，退回待审核')")
    assert state(review_office, second) == suggested
    assert "撤销确认" in wang.locator(".decisions").inner_text()
    right = other_leaf(review_office, suggested[0], wrong)  # … wang files it rightly, then li's stale 撤销
    wang.select_option("select[name=category]", right)
    wang.click("form[action$='/category'] button")
    li.click("button:text('撤销确认，退回待审核')")
    assert "未能撤销确认" in li.locator("h1").inner_text() and state(review_office, second) == (right, "confirmed")
    kinds = [(who, kind) for who, kind, _ in decisions(review_office, second)]
    assert kinds == [("wang", "category"), ("wang", "reopen"), ("wang", "category")]


def test_more_than_a_page_of_items_left_still_names_a_page_of_them(client, review_office):
    with sqlite3.connect(review_office.database) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM items WHERE published_at IS NOT NULL AND category IS NOT NULL "
                                          "AND merged_into IS NULL AND status != 'confirmed' ORDER BY id LIMIT 52")]
    stale = {f"seen-{i}": "a-leaf-since-refiled:review" for i in ids[1:]}  # 51 refiled since the page was shown
    response = client.post("/decide", data={"csrf": token(client), "accept": "1", "item": ids, "back": "/"} | stale)
    assert response.status_code == 302
    listed = re.search(r"left=([^&]+)", response.headers["Location"]).group(1).split("%2C")
    assert len(listed) == 50 and set(listed) <= set(ids[1:])
    assert state(review_office, ids[0])[1] == "confirmed" and state(review_office, ids[1])[1] != "confirmed"
