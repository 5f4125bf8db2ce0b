"""The review page and the registers as a tired clerk meets them: absurd dates refused, nothing
typed lost on a refusal, every field kept, histories in words, every error page in Chinese with
the right reason, limits refused rather than cut."""

from __future__ import annotations

import re
import sqlite3
from datetime import date

import chinese_calendar
import pytest

from pipeline.registers import ledger
from pipeline.review.actions import VALIDITIES
from pipeline.registers.records import Application, parse_day
from pipeline.errors import InputError
from pipeline.store import Store
from pipeline.workdays import workdays_between

from .builders import cli, log_in


LIMITS = {"request": 2000, "applicant": 200, "note": 500}  # what registering has always refused above


@pytest.fixture
def client(review_client):
    assert log_in(review_client).status_code == 302
    return review_client


def token(client, path: str = "/applications") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def stored(config, **fields) -> Application:
    base = {"received_on": date(2021, 3, 1), "channel": "信函", "applicant_type": "自然人",
            "request": "2020年低保名单", "applicant": "张三", "note": "电话已确认"} | fields
    with Store(config.database) as store:
        return ledger.add_application(store, Application(**base), "wang")


def form_of(page: str, css_class: str) -> str:
    """The HTML of the page's form with this class."""
    start = page.index(f'class="{css_class}"')
    return page[start:page.index("</form>", start)]


# --- 1. absurd years ----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0020-03-01", "0001-01-01", "2007-12-31"])
def test_a_year_before_the_regulation_is_refused_by_the_one_date_parser(typed):
    with pytest.raises(InputError, match="早于 2008 年"):
        parse_day(typed)
    assert parse_day("2008-05-01") == date(2008, 5, 1)


def test_an_absurd_year_is_refused_on_every_form_and_on_the_command_line(client, review_office):
    data = {"csrf": token(client), "received_on": "0020-03-01", "channel": "网站", "applicant_type": "自然人",
            "request": "某村财务公开", "applicant": "", "note": ""}
    response = client.post("/applications", data=data)
    assert response.status_code == 400 and "收到申请日期“0020-03-01”的年份早于 2008 年" in response.get_data(as_text=True)
    app = stored(review_office)
    response = client.post(f"/applications/{app.id}/edit", data={
        "csrf": token(client), "received_on": "0001-01-01", "reason": "日期登记错误"})
    assert response.status_code == 400 and "早于 2008 年" in response.get_data(as_text=True)
    response = client.post("/appeals", data={"csrf": token(client), "kind": "行政复议", "filed_on": "0020-03-01",
                                             "application_id": "", "note": ""})
    assert response.status_code == 400 and "提起日期“0020-03-01”的年份早于 2008 年" in response.get_data(as_text=True)
    out = cli(review_office.path, "application", "add", "--received", "0020-03-01", "--channel", "网站",
              "--applicant-type", "自然人", "--request", "x", code=2)
    assert "早于 2008 年" in out
    with Store(review_office.database) as store:
        assert [a.id for a in ledger.list_applications(store)] == [app.id]
        assert ledger.list_appeals(store) == []


def test_a_stored_absurd_date_does_not_make_the_queue_count_centuries(client, review_office, monkeypatch):
    """A row written before the check (or by hand) must not stall every queue page: the days
    between are counted without asking the holiday data about each of them."""
    stored(review_office)
    with sqlite3.connect(review_office.database) as conn:
        conn.execute("UPDATE applications SET received_on = '0020-03-01'")
    asked = []
    real = chinese_calendar.is_workday
    monkeypatch.setattr(chinese_calendar, "is_workday", lambda day: asked.append(day) or real(day))
    page = client.get("/").get_data(as_text=True)
    assert "有 1 件政府信息公开申请已逾期未答复" in page
    assert len(asked) < 20_000  # day by day it was ~730,000
    # and the count is still the Monday–Friday count where the holiday data has nothing
    assert workdays_between(date(1900, 1, 1), date(1900, 1, 15)) == 10


# --- 2. a refused reopen / withdraw keeps the entry's fields ------------------------------


@pytest.mark.parametrize("action", ["reopen", "withdraw"])
def test_a_refused_reopen_or_withdraw_shows_the_stored_entry_in_the_edit_form(client, review_office, action):
    app = stored(review_office, outcome="granted", replied_on=date(2021, 3, 10))
    response = client.post(f"/applications/{app.id}/{action}", data={"csrf": token(client), "reason": "\u3000"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "请填写理由" in page and "--reason" not in page
    edit = form_of(page, "edit-app")
    assert 'value="张三"' in edit and 'value="电话已确认"' in edit and ">2020年低保名单</textarea>" in edit
    with Store(review_office.database) as store:
        kept = ledger.get_application(store, app.id)
    assert (kept.applicant, kept.note, kept.outcome) == ("张三", "电话已确认", "granted")


def test_an_edit_leaves_fields_it_does_not_carry_and_the_history_names_the_applicant(client, review_office):
    app = stored(review_office)
    response = client.post(f"/applications/{app.id}/edit", data={
        "csrf": token(client), "applicant": "李四", "reason": "申请人登记错误"})  # nothing else in the form
    assert response.status_code == 302
    with Store(review_office.database) as store:
        kept = ledger.get_application(store, app.id)
    assert (kept.applicant, kept.note, kept.request, kept.channel) == ("李四", "电话已确认", "2020年低保名单", "信函")
    page = client.get(f"/applications/{app.id}").get_data(as_text=True)
    assert "申请人 张三 → 李四" in page


# --- 3. appeal forms keep what was typed ----------------------------------------------------


def test_a_refused_appeal_form_keeps_what_was_typed(client, review_office):
    with Store(review_office.database) as store:
        from pipeline.registers.records import Appeal
        appeal = ledger.add_appeal(store, Appeal(kind="行政复议", filed_on=date(2021, 4, 1), note="原备注"), "wang")
    response = client.post(f"/appeals/{appeal.id}/decide", data={
        "csrf": token(client), "outcome": "结果纠正", "decided_on": "2021-02-30"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "这一天不存在" in page
    assert '<option value="结果纠正" selected>' in form_of(page, "decide-appeal")
    response = client.post(f"/appeals/{appeal.id}/edit", data={
        "csrf": token(client), "kind": "行政诉讼-复议后起诉", "filed_on": "2021-04-02", "application_id": "",
        "note": "决定书编号 2021-7", "reason": ""})
    page = response.get_data(as_text=True)
    edit = form_of(page, "edit-appeal")
    assert response.status_code == 400 and "请填写理由" in page
    assert 'value="决定书编号 2021-7"' in edit and 'value="2021-04-02"' in edit
    assert '<option value="行政诉讼-复议后起诉" selected>' in edit
    response = client.post(f"/appeals/{appeal.id}/withdraw", data={"csrf": token(client), "reason": "x" * 501})
    assert response.status_code == 400 and 'value="' + "x" * 501 + '"' in response.get_data(as_text=True)


# --- 4. 处理记录 lists every register action -------------------------------------------------------


def test_the_history_lists_every_register_action_with_who_and_a_link(client, review_office):
    kept = stored(review_office, outcome="granted", replied_on=date(2021, 3, 10))
    gone = stored(review_office, request="重复登记的申请")
    assert client.post(f"/applications/{kept.id}/reopen", data={"csrf": token(client), "reason": "答复书未寄出"}).status_code == 302
    assert client.post(f"/applications/{gone.id}/withdraw", data={"csrf": token(client), "reason": "重复登记"}).status_code == 302
    cli(review_office.path, "appeal", "add", "--kind", "复议", "--filed", "2021-04-01", "--by", "li")
    history = client.get("/history").get_data(as_text=True)
    reopened, withdrawn, appeal = (row_with(history, text) for text in ("答复书未寄出", "重复登记", "F2021-001"))
    assert "<td>wang</td>" in reopened and "<td>重新办理</td>" in reopened
    assert f'<a href="/applications/{kept.id}">申请 {kept.id}</a>' in reopened
    assert "办理结果 （一）予以公开 → （空）" in reopened
    assert "<td>撤销</td>" in withdrawn and f"申请 {gone.id}" in withdrawn and "已撤销" in withdrawn
    assert f'href="/applications/{gone.id}"' not in history  # its page is gone: no dead link
    assert "<td>li</td>" in appeal and '<a href="/appeals/F2021-001">复议诉讼 F2021-001</a>' in appeal


def row_with(page: str, text: str) -> str:
    """The one table row of the page holding ``text``."""
    (row,) = [row for row in page.split("<tr>") if text in row]
    return row


# --- 5. histories in words --------------------------------------------------------------------


def test_a_history_shows_nothing_as_empty_and_consultations_as_days():
    lines = ledger.change_lines({"outcome": None, "consultations": []},
                                {"outcome": "（一）予以公开", "consultations": [["2021-06-03", None]]})
    assert lines == ["办理结果 （空） → （一）予以公开", "征求意见 （空） → 2021-06-03 发出，未答复"]
    assert ledger.change_lines({"consultations": [["2021-06-03", None]]},
                               {"consultations": [["2021-06-03", "2021-06-10"]]}) == [
        "征求意见 2021-06-03 发出，未答复 → 2021-06-03 发出，2021-06-10 答复"]


def test_the_command_line_and_the_page_print_the_same_readable_history(client, review_office):
    app = stored(review_office, received_on=date(2021, 6, 1))
    cli(review_office.path, "application", "update", app.id, "--consulted", "2021-06-03")
    cli(review_office.path, "application", "close", app.id, "--outcome", "予以公开", "--replied", "2021-06-20")
    out = cli(review_office.path, "application", "history", app.id)
    page = client.get(f"/applications/{app.id}").get_data(as_text=True)
    for text in ("征求意见 （空） → 2021-06-03 发出，未答复", "办理结果 （空） → （一）予以公开"):
        assert text in out and text in page
    assert "None" not in out and "[]" not in out and "None" not in page


# --- 6. a consultation answered before it was sent ---------------------------------------------


def test_an_answer_before_the_consultation_is_refused_in_chinese(review_office):
    app = stored(review_office, received_on=date(2021, 6, 1))
    cli(review_office.path, "application", "update", app.id, "--consulted", "2021-06-10")
    out = cli(review_office.path, "application", "update", app.id, "--consultation-answered", "2021-06-05", code=2)
    assert "征求意见答复日期（2021-06-05）不能早于征求意见日期（2021-06-10）" in out and "answered_on" not in out


# --- 7. error pages ------------------------------------------------------------------------------


def test_a_stale_form_says_it_expired_in_chinese_and_how_to_keep_the_text(client):
    response = client.post("/applications", data={"csrf": "from-before-logging-in-again", "request": "长长的申请内容"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "表单已过期" in page and "后退" in page
    assert "CSRF" not in page and "token" not in page


def test_a_refused_decision_says_what_was_refused_and_the_way_back(client):
    queue = client.get("/?status=review").get_data(as_text=True)
    item_id = re.search(r'href="/item/([^"?]+)"', queue).group(1)
    response = client.post(f"/item/{item_id}/category", data={"csrf": token(client, "/"), "category": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "未能修改分类" in page and "没有选择分类" in page
    assert "表单已过期" not in page and "请求无效" not in page
    assert f'<a href="/item/{item_id}">返回上一页</a>' in page


@pytest.mark.parametrize("path", ["/decide", "/publish", "/applications/2021-001/close"])
def test_opening_a_form_address_says_so_in_chinese(client, path):
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 405 and "该地址不能直接打开" in page and "Method Not Allowed" not in page
    publish = page[page.index('action="/publish"'):]
    assert f'name="back" value="{path}"' not in publish[:publish.index("</form>")]  # never back to the error


def test_an_oversized_form_says_so_in_chinese(client):
    response = client.post("/applications", data={"csrf": token(client), "request": "字" * 400_000})
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "超过了 1 MB" in page and "Request Entity Too Large" not in page


# --- 8. limits: refused, never cut -----------------------------------------------------------------


def test_every_text_input_has_the_register_limit_and_over_long_input_is_refused_kept(client, review_office):
    page = client.get("/applications").get_data(as_text=True)
    for name in ("request", "applicant", "note"):
        assert re.search(rf'name="{name}"[^>]*maxlength="{LIMITS[name]}"', page), name
    long_applicant = "某" * 201
    response = client.post("/applications", data={
        "csrf": token(client), "received_on": "2021-03-01", "channel": "网站", "applicant_type": "自然人",
        "request": "名单", "applicant": long_applicant, "note": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "申请人不能超过 200 字（现有 201 字）" in page
    assert f'value="{long_applicant}"' in page
    app = stored(review_office)
    response = client.post(f"/applications/{app.id}/edit", data={
        "csrf": token(client), "request": "长" * 2001, "reason": "补全申请内容"})
    assert response.status_code == 400 and "申请内容不能超过 2000 字" in response.get_data(as_text=True)
    with Store(review_office.database) as store:
        assert ledger.get_application(store, app.id).request == "2020年低保名单"
        assert [a.id for a in ledger.list_applications(store)] == [app.id]


def test_an_over_long_decision_note_is_refused_not_cut(client, review_office):
    queue = client.get("/?status=review").get_data(as_text=True)
    item_id = re.search(r'href="/item/([^"?]+)"', queue).group(1)
    with sqlite3.connect(review_office.database) as conn:
        (before,) = conn.execute("SELECT COUNT(*) FROM decisions").fetchone()
        (category,) = conn.execute("SELECT category FROM items WHERE id = ?", [item_id]).fetchone()
    response = client.post(f"/item/{item_id}/category", data={
        "csrf": token(client, "/"), "category": category, "note": "注" * 501})
    assert response.status_code == 400 and "备注不能超过 500 字" in response.get_data(as_text=True)
    with sqlite3.connect(review_office.database) as conn:
        assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone() == (before,)


# --- 11. 完成审核并发布 comes back to the page it was clicked on ------------------------------------------


@pytest.mark.parametrize("path", ["/applications", "/appeals", "/history?page=1"])
def test_publish_returns_to_the_page_it_was_clicked_on(client, path):
    page = client.get(path).get_data(as_text=True)
    publish = page[page.index('action="/publish"'):]
    assert f'name="back" value="{path}"' in publish[:publish.index("</form>")]


# --- 9. a merged-away item -----------------------------------------------------------------------------


def two_items(review_office) -> tuple[tuple[str, str], tuple[str, str]]:
    with sqlite3.connect(review_office.database) as conn:
        return tuple(conn.execute("SELECT id, title FROM items WHERE published_at IS NOT NULL AND category IS NOT NULL "
                                  "ORDER BY id LIMIT 2").fetchall())


def test_a_merged_away_item_points_to_its_item_and_refuses_decisions(client, review_office):
    (keep, keep_title), (other, _) = two_items(review_office)
    response = client.post("/merge", data={"csrf": token(client, "/"), "keep": keep, "other": other})
    assert response.status_code == 302
    page = client.get(f"/item/{other}").get_data(as_text=True)
    assert f'已并入 <a href="/item/{keep}"><bdi>{keep_title}</bdi></a>' in page
    assert f'action="/item/{other}/category"' not in page and f'action="/item/{other}/accept"' not in page
    with sqlite3.connect(review_office.database) as conn:
        (category,) = conn.execute("SELECT category FROM items WHERE id = ?", [keep]).fetchone()
        (before,) = conn.execute("SELECT COUNT(*) FROM decisions WHERE item_id = ?", [other]).fetchone()
    for action, data in (("category", {"category": category}), ("accept", {}), ("validity", {"validity": VALIDITIES[0]})):
        response = client.post(f"/item/{other}/{action}", data={"csrf": token(client, "/")} | data)
        refused = response.get_data(as_text=True)
        assert response.status_code == 400 and "已并入" in refused and keep in refused, action
    response = client.post("/merge", data={"csrf": token(client, "/"), "keep": other, "other": keep})
    assert response.status_code == 400 and "已并入" in response.get_data(as_text=True)
    with sqlite3.connect(review_office.database) as conn:
        assert conn.execute("SELECT COUNT(*) FROM decisions WHERE item_id = ?", [other]).fetchone() == (before,)
    # 10. the merge's rule in Chinese on the item it joined
    kept = client.get(f"/item/{keep}").get_data(as_text=True)
    assert "合并依据 人工合并" in kept and "staff merge" not in kept and "first copy" not in kept


def test_the_queues_counts_leave_out_merged_away_items(client, review_office):
    """The status filter's 待审核（N） counted an item merged into another, so after a merge it said one
    more than the queue listed and than `xxgk status`."""
    from pipeline.review import queries
    from pipeline.store import Store

    with sqlite3.connect(review_office.database) as conn:
        keep, other = [r[0] for r in conn.execute(
            "SELECT id FROM items WHERE status = 'review' AND published_at IS NOT NULL ORDER BY id LIMIT 2")]
    with Store(review_office.database) as store:
        before = queries.counts(store)["review"]
    response = client.post("/merge", data={"csrf": token(client, "/"), "keep": keep, "other": other})
    assert response.status_code == 302
    with Store(review_office.database) as store:
        after = queries.counts(store)["review"]
        listed = store.db.execute("SELECT COUNT(*) FROM items WHERE status = 'review' AND merged_into IS NULL "
                                  "AND category IS NOT NULL").fetchone()[0]
    assert after == before - 1 == listed
    assert f"待审核（{after}）" in client.get("/").get_data(as_text=True)


# --- 10. Chinese labels on clerk pages ---------------------------------------------------------------------


def test_validity_set_by_staff_reads_in_chinese(client, review_office):
    (item, _), _ = two_items(review_office)
    response = client.post(f"/item/{item}/validity", data={"csrf": token(client, "/"), "validity": VALIDITIES[0], "note": "经核实"})
    assert response.status_code == 302
    page = client.get(f"/item/{item}").get_data(as_text=True)
    events = page[page.index("有效性记录"):]
    assert "人工设定 · 经核实" in events and "staff" not in events


def test_after_an_expired_form_the_browser_back_button_still_holds_the_text(review_site, page):
    """What the expired-form page tells the clerk must be true: going back keeps what was typed."""
    from .builders import browser_log_in

    browser_log_in(page, review_site)
    page.goto(review_site + "/applications")
    form = page.locator("form.add-app")
    form.locator("select[name=channel]").select_option("网站")
    form.locator("select[name=applicant_type]").select_option("自然人")
    form.locator("textarea[name=request]").fill("村里2020年的低保名单和发放记录")
    form.locator("input[name=csrf]").evaluate("input => input.value = 'from-an-earlier-session'")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "表单已过期" in page.locator("h1").inner_text() and "后退" in page.locator(".error").inner_text()
    page.go_back()
    assert page.locator("textarea[name=request]").input_value() == "村里2020年的低保名单和发放记录"
