"""依申请公开 in the review page: register an application, see it with its deadline, close it
with a 表三 outcome; CSRF, Chinese validation messages, the overdue banner, the decisions log."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime

import pytest

from pipeline.registers import ledger
from pipeline.registers.records import Application
from pipeline.review import create_app
from pipeline.store import Store

from .builders import PASSWORD, log_in


@pytest.fixture
def client(review_client):
    """The review page's client, logged in as wang."""
    assert log_in(review_client).status_code == 302
    return review_client


def csrf(client) -> str:
    page = client.get("/applications").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def today(config) -> date:
    return datetime.now(config.office.timezone).date()


def add(client, **fields) -> object:
    data = {"csrf": csrf(client), "received_on": "", "channel": "网站", "applicant_type": "自然人",
            "request": "2020年低保名单", "applicant": "张三", "note": ""} | fields
    return client.post("/applications", data=data)


def test_the_page_needs_a_session(review_office):
    anonymous = create_app(review_office).test_client()
    assert anonymous.get("/applications").status_code == 302
    assert anonymous.post("/applications", data={"channel": "网站"}).status_code == 403


def test_add_list_and_close(client, review_office):
    on = today(review_office)
    response = add(client, received_on=on.isoformat())
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with Store(review_office.database) as store:
        (due,) = ledger.due_applications(store, on)
    app_id = due.application.id
    assert f"已登记申请 {app_id}" in page and "2020年低保名单" in page
    assert str(due.deadline.final_due) in page and "办理中" in page
    # the close form offers the current format's 表三 rows, verbatim
    for row in ("（一）予以公开", "4.保护第三方合法权益", "2.重复申请"):
        assert f">{row}</option>" in page
    assert '<optgroup label="（三）不予公开">' in page

    closed = client.post(f"/applications/{app_id}/close", data={
        "csrf": csrf(client), "outcome": "withheld.third_party", "replied_on": on.isoformat()})
    assert closed.status_code == 302
    with Store(review_office.database) as store:
        app = ledger.get_application(store, app_id)
        assert app.outcome == "withheld.third_party" and app.replied_on == on
        assert ledger.due_applications(store, on) == []
    assert "没有办理中的申请" in client.get("/applications").get_data(as_text=True)
    with sqlite3.connect(review_office.database) as conn:
        rows = conn.execute("SELECT who, kind, after, at FROM decisions WHERE item_id = ? ORDER BY id",
                            [app_id]).fetchall()
    assert [(who, kind) for who, kind, _, _ in rows] == [("wang", "application"), ("wang", "application close")]
    assert rows[1][2] == "4.保护第三方合法权益" and all(at for *_, at in rows)
    history = client.get("/history").get_data(as_text=True)
    assert "答复" in history and f'<a href="/applications/{app_id}">申请 {app_id}</a>' in history


def test_errors_are_shown_in_chinese_and_nothing_is_lost(client, review_office):
    response = add(client, received_on="2021-02-30", channel="飞鸽", request="某村2020年财务公开资料")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "收到申请日期“2021-02-30”这一天不存在（2021年2月没有30日）" in page and "请选择申请渠道" in page
    # what was typed: the bad day in its message (a date input holds real days only), the rest in the form
    assert 'name="received_on" required value=""' in page
    assert "某村2020年财务公开资料" in page and 'value="张三"' in page
    assert '<option value="自然人" selected>' in page
    with Store(review_office.database) as store:
        assert ledger.list_applications(store) == []


def test_close_refuses_an_unknown_outcome_and_a_reply_before_receipt(client, review_office):
    with Store(review_office.database) as store:
        app = ledger.add_application(store, Application(received_on=date(2021, 3, 1), channel="信函",
                                                        applicant_type="商业企业", request="……"))
    response = client.post(f"/applications/{app.id}/close", data={
        "csrf": csrf(client), "outcome": "本机关很忙", "replied_on": "2021-02-01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请选择办理结果" in page and "答复日期不能早于收到申请日期" in page and 'value="2021-02-01"' in page
    with Store(review_office.database) as store:
        assert ledger.get_application(store, app.id).outcome is None


def test_posts_without_the_csrf_token_are_refused(client, review_office):
    assert client.post("/applications", data={"received_on": "2021-03-01", "channel": "网站",
                                              "applicant_type": "自然人", "request": "x"}).status_code == 400
    with Store(review_office.database) as store:
        assert ledger.list_applications(store) == []
        app = ledger.add_application(store, Application(received_on=date(2021, 3, 1), channel="网站",
                                                        applicant_type="自然人"))
    response = client.post(f"/applications/{app.id}/close", data={"csrf": "forged", "outcome": "granted",
                                                                  "replied_on": "2021-03-05"})
    assert response.status_code == 400
    with Store(review_office.database) as store:
        assert ledger.get_application(store, app.id).outcome is None


def test_overdue_application_is_highlighted_and_bannered(client, review_office):
    assert "已逾期未答复" not in client.get("/").get_data(as_text=True)
    add(client, received_on="2021-03-01", request="很久以前的申请")
    queue = client.get("/").get_data(as_text=True)
    assert "有 1 件政府信息公开申请已逾期未答复" in queue
    page = client.get("/applications").get_data(as_text=True)
    row = page[page.index('class="app-overdue"'):]
    assert "很久以前的申请" in row[:row.index("</tr>")] and "已逾期" in row[:row.index("</tr>")]


def test_most_urgent_first(client, review_office):
    on = today(review_office)
    add(client, received_on=on.isoformat(), request="新申请")
    add(client, received_on="2021-03-01", request="旧申请")
    page = client.get("/applications").get_data(as_text=True)
    assert page.index("旧申请") < page.index("新申请")


def test_correct_reopen_and_withdraw_on_the_page(client, review_office):
    with Store(review_office.database) as store:
        wrong = ledger.add_application(store, Application(date(2021, 3, 1), "网站", "商业企业", "名单"), "wang")
        ledger.close_application(store, wrong.id, "予以公开", date(2021, 3, 10), "wang")
        twice = ledger.add_application(store, Application(date(2021, 3, 1), "网站", "商业企业", "名单"), "wang")
    page = client.get("/applications").get_data(as_text=True)
    assert f'href="/applications/{wrong.id}"' in page and "（一）予以公开" in page
    token = csrf(client)
    # a correction without a reason is refused in Chinese; with one it is saved and kept in the history
    form = {"csrf": token, "received_on": "２０２１－０３－０２", "channel": "网站", "applicant_type": "自然人",
            "applicant": "", "request": "名单", "outcome": "granted", "replied_on": "2021-03-10", "note": ""}
    response = client.post(f"/applications/{wrong.id}/edit", data=form)
    assert response.status_code == 400 and "请填写理由" in response.get_data(as_text=True)
    response = client.post(f"/applications/{wrong.id}/edit", data=form | {"reason": "申请人为个人"})
    assert response.status_code == 302
    entry = client.get(f"/applications/{wrong.id}").get_data(as_text=True)
    assert "申请人类型 商业企业 → 自然人" in entry and "收到申请日期 2021-03-01 → 2021-03-02" in entry
    assert "wang" in entry and "申请人为个人" in entry
    assert f'action="/applications/{wrong.id}/withdraw" class="withdraw-app"' in entry  # the page offers it
    bad = client.post(f"/applications/{wrong.id}/edit", data=form | {"replied_on": "2021-02-01", "reason": "x"})
    assert bad.status_code == 400 and "答复日期（2021-02-01）不能早于收到申请日期（2021-03-02）" in bad.get_data(as_text=True)
    assert client.post(f"/applications/{wrong.id}/reopen", data={"csrf": token, "reason": "误登记"}).status_code == 302
    response = client.post(f"/applications/{twice.id}/withdraw", data={"csrf": token, "reason": ""})
    assert response.status_code == 400 and "请填写理由" in response.get_data(as_text=True)
    assert client.post(f"/applications/{twice.id}/withdraw", data={"csrf": token, "reason": "重复"}).status_code == 302
    with Store(review_office.database) as store:
        app = ledger.get_application(store, wrong.id)
        assert (app.applicant_type, app.received_on, app.outcome) == ("自然人", date(2021, 3, 2), None)
        assert [h["action"] for h in ledger.history(store, "application", wrong.id)] == ["登记", "答复", "更正", "重新办理"]
        assert ledger.get_application_or_none(store, twice.id) is None
        assert ledger.history(store, "application", twice.id)[-1]["who"] == "wang"
    assert client.get(f"/applications/{twice.id}").status_code == 404
    assert client.post(f"/applications/{twice.id}/reopen", data={"csrf": token, "reason": "x"}).status_code == 404


def test_appeals_on_the_page_decide_amend_edit_withdraw(client, review_office):
    token = csrf(client)
    response = client.post("/appeals", data={"csrf": token, "kind": "行政复议", "filed_on": "2099-01-01"})
    assert response.status_code == 400 and "提起日期不能晚于今天" in response.get_data(as_text=True)
    assert client.post("/appeals", data={"csrf": token, "kind": "行政复议", "filed_on": "2021-04-01"}).status_code == 302
    assert client.post("/appeals", data={"csrf": token, "kind": "行政复议", "filed_on": "2021-04-02"}).status_code == 302
    listed = client.get("/appeals").get_data(as_text=True)
    assert 'href="/appeals/F2021-001"' in listed and "尚未审结" in listed
    decide = {"csrf": token, "outcome": "结果维持", "decided_on": "2021-06-01"}
    assert client.post("/appeals/F2021-001/decide", data=decide).status_code == 302
    # decided: not overwritten without 更改 and a reason
    response = client.post("/appeals/F2021-001/decide", data=decide | {"outcome": "结果纠正"})
    assert response.status_code == 400 and "更改审结结果" in response.get_data(as_text=True)
    assert "--amend" not in response.get_data(as_text=True)
    response = client.post("/appeals/F2021-001/decide", data=decide | {"outcome": "结果纠正", "amend": "1"})
    assert response.status_code == 400 and "请填写理由" in response.get_data(as_text=True)
    assert client.post("/appeals/F2021-001/decide",
                       data=decide | {"outcome": "结果纠正", "amend": "1", "reason": "决定书登记错误"}).status_code == 302
    edit = {"csrf": token, "kind": "行政诉讼-复议后起诉", "filed_on": "2021-04-01", "application_id": "", "note": ""}
    assert client.post("/appeals/F2021-001/edit", data=edit).status_code == 400  # no reason
    assert client.post("/appeals/F2021-001/edit", data=edit | {"reason": "类型登记错误"}).status_code == 302
    page = client.get("/appeals/F2021-001").get_data(as_text=True)
    assert "结果 结果维持 → 结果纠正" in page and "决定书登记错误" in page
    assert 'action="/appeals/F2021-001/withdraw" class="withdraw-appeal"' in page
    assert "复议诉讼类型 行政复议 → 行政诉讼-复议后起诉" in page
    assert client.post("/appeals/F2021-002/withdraw", data={"csrf": token, "reason": "重复"}).status_code == 302
    assert client.get("/appeals/F2021-002").status_code == 404
    with Store(review_office.database) as store:
        assert [a.id for a in ledger.list_appeals(store)] == ["F2021-001"]
        assert ledger.get_appeal(store, "F2021-001").outcome == "结果纠正"


def test_a_clerk_corrects_an_application_in_the_browser(review_office, browser):  # the demo server first
    from pipeline.review import running

    with Store(review_office.database) as store:
        wrong = ledger.add_application(store, Application(date(2021, 3, 1), "网站", "商业企业", "低保名单"), "wang")
        ledger.close_application(store, wrong.id, "予以公开", date(2021, 3, 10), "wang")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        with running(review_office) as site:
            page.goto(site + "/login")
            page.fill("input[name=name]", "wang")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(site + "/applications")
            page.click(f"#answered + p + table a:text('{wrong.id}')")
            assert page.locator("h1").inner_text() == f"申请 {wrong.id}"
            form = page.locator("form.edit-app")
            form.locator("select[name=applicant_type]").select_option("自然人")
            form.locator("input[name=reason]").fill("申请人为个人，登记时选错")
            form.locator("button[type=submit]").click()
            assert "已更正" in page.locator(".message").inner_text()
            history = page.locator("table.history").inner_text()
            assert "申请人类型 商业企业 → 自然人" in history and "申请人为个人" in history and "wang" in history
            page.locator("form.reopen-app input[name=reason]").fill("答复书未寄出")
            page.locator("form.reopen-app button").click()
            assert "已改为办理中" in page.locator(".message").inner_text()
            assert "办理中" in page.locator("dl.application").inner_text()
    finally:
        context.close()


def test_an_entrys_change_history_is_shown_on_the_offices_clock(client, review_office):
    """A change recorded at 17:30 UTC on 31 December is 1 January 01:30 in Beijing: the page says the
    office's time, as the CLI does (models.staff_time)."""
    response = add(client, received_on=today(review_office).isoformat())
    app_id = re.search(r"[?&]id=([^&]+)", response.headers["Location"]).group(1)
    with sqlite3.connect(review_office.database) as conn:
        conn.execute("UPDATE register_changes SET at = '2021-12-31T17:30:00+00:00' WHERE entry_id = ?", [app_id])
    expected = datetime.fromisoformat("2021-12-31T17:30:00+00:00").astimezone(review_office.office.timezone)
    cells = re.findall(r"<tr><td>([^<]*)</td><td>wang</td>", client.get(f"/applications/{app_id}").get_data(as_text=True))
    assert cells == [expected.strftime("%Y-%m-%d %H:%M")], cells


def test_a_date_input_holds_a_typed_day_as_a_real_day_or_nothing():
    from pipeline.review.applications import date_value

    assert date_value("2021年3月1日") == date_value(" 2021-03-01 ") == date_value(date(2021, 3, 1)) == "2021-03-01"
    assert date_value("昨天") == date_value("2021-02-30") == date_value(None) == ""


def test_an_application_sent_again_with_the_back_button_is_registered_once(review_office, review_site, page):
    """登记, then 后退: the browser shows the form still filled, and 登记 again registered the same
    application a second time (2026-001 and 2026-002), counted twice in the annual report. Now the
    repeat is answered with the first one's number; a second application told apart by its 备注 is
    registered."""
    from .builders import browser_log_in

    browser_log_in(page, review_site)
    page.goto(review_site + "/applications")
    form = page.locator("form.add-app")

    def fill_in(note: str = "") -> None:
        form.locator("select[name=channel]").select_option("信函")
        form.locator("select[name=applicant_type]").select_option("自然人")
        form.locator("textarea[name=request]").fill("2020年低保名单")
        form.locator("input[name=applicant]").fill("张三")
        form.locator("input[name=note]").fill(note)

    fill_in()
    form.locator("button[type=submit]").click()
    page.wait_for_url("**msg=app_added**")
    first = re.search(r"id=([^&]+)", page.url).group(1)
    page.go_back()
    assert page.locator("form.add-app textarea[name=request]").input_value() == "2020年低保名单"
    page.locator("form.add-app button[type=submit]").click()
    page.wait_for_url("**msg=app_again**")
    assert f"刚才已登记为 {first}" in page.locator(".message").inner_text()
    fill_in("另一封信函，同日收到")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**msg=app_added**")
    with Store(review_office.database) as store:
        registered = ledger.list_applications(store)
    assert [(a.request, a.note) for a in registered] == [("2020年低保名单", ""), ("2020年低保名单", "另一封信函，同日收到")]


def test_an_appeal_sent_twice_is_registered_once(client, review_office):
    on = today(review_office).isoformat()
    form = {"kind": "行政复议", "filed_on": on, "application_id": "", "note": "复议决定书 7 号"}
    first, second = (client.post("/appeals", data={"csrf": csrf(client)} | form) for _ in range(2))
    assert "msg=added" in first.headers["Location"] and "msg=again" in second.headers["Location"]
    with Store(review_office.database) as store:
        assert len(ledger.list_appeals(store)) == 1


def test_the_registers_own_refusals_are_said_on_the_form_not_as_a_500(client, review_office):
    """The register refuses an appeal filed before the application it is about was received; the page's
    add form showed 系统出错 (500) for it. (The application form catches the register's refusals alike.)"""
    added = add(client, received_on="2021-03-10")
    assert added.status_code == 302
    app_id = re.search(r"id=([^&]+)", added.headers["Location"]).group(1)
    token = csrf(client)
    response = client.post("/appeals", data={"csrf": token, "kind": "行政复议", "filed_on": "2021-01-05",
                                             "application_id": app_id, "note": ""})
    assert response.status_code == 400, response.status_code
    page = response.get_data(as_text=True)
    assert "系统出错" not in page and app_id in page and 'role="alert"' in page
