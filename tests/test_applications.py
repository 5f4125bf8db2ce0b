"""The registers through the CLI and the store: applications (依申请公开) with their
deadlines, appeals, and the 表三 / 表四 the annual report computes from them."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pipeline.registers import ledger
from pipeline.registers.errors import RegisterError
from pipeline.registers.formats import APPLICANT_TYPES, FORMAT_2021
from pipeline.registers.records import Appeal, Application
from pipeline.store import Store

from .builders import add_application, cli, nonzero, report_json


def add(config, received, channel="网站", who="自然人", request="申请公开……") -> str:
    return add_application(config, received, who, channel=channel, request=request).split()[0]


def table2(config, year) -> dict:
    return report_json(config, year)["table2"]


# --- two years of a hand-worked register, through the CLI ------------------------------


def test_register_through_the_cli_gives_table2_with_carry_overs(unsynced_office):
    config = unsynced_office.config
    a = add(config, "2021-03-01")
    b = add(config, "2021-12-20", "信函", "商业企业")
    c = add(config, "2021-12-28", "当面")
    d = add(config, "2022-02-01", "传真", "科研机构")
    assert (a, b, c, d) == ("2021-001", "2021-002", "2021-003", "2022-001")
    cli(config, "application", "close", a, "--outcome", "予以公开", "--replied", "2021-03-20")
    cli(config, "application", "close", b, "--outcome", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
         "--replied", "2022-01-10")
    cli(config, "application", "close", d, "--outcome", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
         "--replied", "2022-02-20")
    t21, t22 = table2(config, 2021), table2(config, 2022)
    assert nonzero(t21) == {
        ("new", "自然人"): 2, ("new", "商业企业"): 1, ("new", "总计"): 3,
        ("granted", "自然人"): 1, ("granted", "总计"): 1,
        ("total", "自然人"): 1, ("total", "总计"): 1,
        ("carried_forward", "自然人"): 1, ("carried_forward", "商业企业"): 1, ("carried_forward", "总计"): 2,
    }
    assert t22["carried_over"] == t21["carried_forward"]
    assert nonzero(t22) == {
        ("new", "科研机构"): 1, ("new", "总计"): 1,
        ("carried_over", "自然人"): 1, ("carried_over", "商业企业"): 1, ("carried_over", "总计"): 2,
        ("partly_granted", "商业企业"): 1, ("partly_granted", "总计"): 1,
        ("other.no_correction", "科研机构"): 1, ("other.no_correction", "总计"): 1,
        ("total", "商业企业"): 1, ("total", "科研机构"): 1, ("total", "总计"): 2,
        ("carried_forward", "自然人"): 1, ("carried_forward", "总计"): 1,
    }
    summary = json.loads(cli(config, "report", "--year", "2022", "--format", "json"))["applications"]
    assert summary == {"received": 1, "carried_over": 2, "closed": 2, "carried_forward": 1}
    text = cli(config, "report", "--year", "2022")
    assert "新收申请 1 件，上年结转 2 件，本年办结 2 件，结转下年度继续办理 1 件" in text
    # --explain lists the applications behind a row
    explained = cli(config, "report", "--year", "2022", "--explain", "二、上年结转政府信息公开申请数量")
    assert explained.splitlines()[0].endswith("：2") and b in explained and c in explained
    assert d in cli(config, "report", "--year", "2022", "--explain", "其他处理")  # （六） and its rows


def test_every_reason_row_through_the_store(unsynced_office):
    config, db = unsynced_office.config, unsynced_office.database
    keys = FORMAT_2021.outcome_keys
    with Store(db) as store:
        for i, key in enumerate(keys):
            app = ledger.add_application(store, Application(
                received_on=date(2021, 1, 4), channel="网站", applicant_type=APPLICANT_TYPES[i % 6]))
            ledger.close_application(store, app.id, key, date(2021, 2, 1))
    t = table2(config, 2021)
    for i, key in enumerate(keys):
        assert t[key][APPLICANT_TYPES[i % 6]] == 1 and t[key]["总计"] == 1, key
    assert t["total"]["总计"] == t["new"]["总计"] == len(keys) == 21
    # every 不予公开 / 无法提供 / 不予处理 / 其他处理 reason also by its Chinese label
    labelled = [r.label for r in FORMAT_2021.table2_rows if r.key in keys and "." in r.key]
    assert len(labelled) == 19
    with Store(db) as store:
        for label in labelled:
            app = ledger.add_application(store, Application(
                received_on=date(2021, 5, 6), channel="当面", applicant_type="自然人"))
            ledger.close_application(store, app.id, label, date(2021, 5, 20))
    t = table2(config, 2021)
    assert all(t[r.key]["自然人"] >= 1 for r in FORMAT_2021.table2_rows if r.label in labelled)
    assert t["total"]["总计"] == 21 + 19


def test_2020_uses_the_trial_format_other_row(unsynced_office):
    config, db = unsynced_office.config, unsynced_office.database
    with Store(db) as store:
        app = ledger.add_application(store, Application(date(2020, 5, 6), "其他", "其他"))
        ledger.close_application(store, app.id, "other.fee_unpaid", date(2020, 6, 1))
    t = table2(config, 2020)
    assert "other.fee_unpaid" not in t and t["other"]["其他"] == 1


def test_bad_entries_get_a_clear_message(unsynced_office):
    config = unsynced_office.config
    app_id = add(config, "2021-03-01")
    out = cli(config, "application", "close", app_id, "--outcome", "不予公开", "--replied", "2021-03-02", code=2)
    assert "未知的办理结果" in out and "保护第三方合法权益" in out
    out = cli(config, "application", "close", app_id, "--outcome", "予以公开", "--replied", "2021-02-01", code=2)
    assert "答复日期（2021-02-01）不能早于收到申请日期（2021-03-01）" in out
    cli(config, "application", "close", app_id, "--outcome", "予以公开", "--replied", "2021-03-05")
    assert "已于 2021-03-05 答复" in cli(config, "application", "close", app_id, "--outcome", "予以公开",
                                         "--replied", "2021-03-06", code=2)
    assert "没有编号为 2099-001" in cli(config, "application", "show", "2099-001", code=2)
    assert "No such option" not in cli(config, "application", "add", "--received", "2021-13-01",
                                        "--channel", "网站", "--applicant-type", "自然人", code=2)


# --- deadlines --------------------------------------------------------------------------


def test_deadlines_overdue_and_due_soon(unsynced_office):
    config, db = unsynced_office.config, unsynced_office.database
    late = add(config, "2020-01-17")  # 春节 2020 (extended): due 2020-02-21
    soon = add(config, "2020-09-25")  # 国庆 + make-up Saturday 10-10: due 2020-10-29
    show = cli(config, "application", "show", late)
    assert "答复期限 2020-02-21" in show and "补正告知期限 2020-02-04" in show  # 01-19 (调休), 01-20…23, 02-03, 02-04
    listed = cli(config, "application", "list", "--open", "--today", "2020-10-26")
    lines = {line.split()[0]: line for line in listed.splitlines()}
    assert "已逾期" in lines[late] and "期限 2020-02-21" in lines[late]
    assert "即将到期" in lines[soon] and "期限 2020-10-29（剩 3 个工作日）" in lines[soon]
    with Store(db) as store:
        overdue = ledger.overdue_applications(store, date(2020, 10, 26))
        assert [d.application.id for d in overdue] == [late]
        assert ledger.overdue_applications(store, date(2020, 2, 21)) == []
        assert [d.application.id for d in ledger.overdue_applications(store, date(2020, 2, 22))] == [late]
    # a 20-day extension moves the deadline; the register refuses more than 20
    assert "答复期限 2020-11-26" in cli(config, "application", "update", soon, "--extend", "20")
    cli(config, "application", "update", soon, "--extend", "21", code=2)
    rows = json.loads(cli(config, "application", "list", "--today", "2020-10-26", "--json"))
    assert {r["id"]: r["state"] for r in rows}[soon] == "办理中"


def test_correction_restarts_and_consultation_pauses_the_clock(unsynced_office):
    config = unsynced_office.config
    app_id = add(config, "2025-09-26")
    assert "答复期限 2025-10-30" in cli(config, "application", "show", app_id)
    # 补正 received 2025-10-09: the 20 days count again from there (第三十条)
    assert "答复期限 2025-11-05" in cli(config, "application", "update", app_id, "--corrected", "2025-10-09")
    # a consultation sent 2025-10-20 and answered 2025-10-24 pauses 4 working days (10-21 … 10-24)
    out = cli(config, "application", "update", app_id, "--consulted", "2025-10-20")
    assert "暂估" in out  # unanswered: assumed to take the full 15 working days
    out = cli(config, "application", "update", app_id, "--consultation-answered", "2025-10-24")
    assert "答复期限 2025-11-11" in out
    show = cli(config, "application", "show", app_id)
    assert "暂停 4 个工作日" in show and "征求意见 2025-10-20 → 答复 2025-10-24" in show


def test_a_deadline_beyond_the_holiday_data_warns(unsynced_office, monkeypatch):
    config = unsynced_office.config
    monkeypatch.setenv("XXGK_TODAY", "2026-12-31")  # the register refuses days after today
    app_id = add(config, "2026-12-20")
    show = cli(config, "application", "show", app_id)
    assert "答复期限 2027-01-15" in show and "没有 2027 年" in show and "周一至周五" in show


# --- appeals ----------------------------------------------------------------------------


def test_appeals_give_table3(unsynced_office):
    config, db = unsynced_office.config, unsynced_office.database
    first = cli(config, "appeal", "add", "--kind", "行政复议", "--filed", "2021-04-01").split()[0]
    cli(config, "appeal", "decide", first, "--outcome", "结果维持", "--decided", "2021-06-01")
    second = cli(config, "appeal", "add", "--kind", "复议", "--filed", "2021-11-01").split()[0]
    cli(config, "appeal", "add", "--kind", "直接起诉", "--filed", "2021-07-01")
    cli(config, "appeal", "add", "--kind", "行政诉讼-复议后起诉", "--filed", "2022-03-01")
    cli(config, "appeal", "decide", second, "--outcome", "结果纠正", "--decided", "2022-02-01")
    assert (first, second) == ("F2021-001", "F2021-002")
    cli(config, "appeal", "add", "--kind", "上访", "--filed", "2021-01-01", code=2)
    t21 = json.loads(cli(config, "report", "--year", "2021", "--format", "json"))
    assert t21["table3"]["行政复议"] == {"结果维持": 1, "结果纠正": 0, "其他结果": 0, "尚未审结": 1, "总计": 2}
    assert t21["table3"]["未经复议直接起诉"]["尚未审结"] == 1
    assert t21["appeals"] == {"administrative_review": 2, "litigation": 1, "pending": 2}
    r22 = json.loads(cli(config, "report", "--year", "2022", "--format", "json"))
    t22 = r22["table3"]  # F2021-002 counts in 2021 only (the year it was filed)
    assert t22["行政复议"]["总计"] == 0 and t22["复议后起诉"]["尚未审结"] == 1
    assert [a["id"] for a in r22["appeals_decided_later"]] == [second]
    assert "F2021-002" in cli(config, "report", "--year", "2021", "--explain", "行政复议")
    with Store(db) as store:
        assert [a.id for a in ledger.list_appeals(store)][:2] == [first, "F2021-003"]
        with pytest.raises(RegisterError):
            ledger.add_appeal(store, Appeal("行政复议", date(2021, 1, 1), "结果维持"))  # no decision date


def test_every_register_command_has_help_with_an_example(unsynced_office):
    config = unsynced_office.config
    for args in (["report"], ["application"], ["application", "add"], ["application", "list"],
                 ["application", "show"], ["application", "close"], ["application", "update"],
                 ["application", "edit"], ["application", "reopen"], ["application", "withdraw"],
                 ["application", "history"], ["application", "opening"], ["application", "close-opening"],
                 ["application", "template"], ["application", "import"], ["report", "publish"],
                 ["appeal"], ["appeal", "add"], ["appeal", "decide"], ["appeal", "list"], ["appeal", "edit"],
                 ["appeal", "withdraw"], ["appeal", "history"], ["appeal", "template"], ["appeal", "import"]):
        assert "Example:" in cli(config, *args, "--help"), args


def test_numbers_keep_counting_past_999(unsynced_office):
    db = unsynced_office.database
    with Store(db) as store:
        store.db["applications"].insert({"id": "2021-999", "received_on": "2021-01-04", "channel": "网站",
                                         "applicant_type": "自然人"})
        assert ledger.add_application(store, Application(date(2021, 2, 1), "网站", "自然人")).id == "2021-1000"
        assert ledger.add_application(store, Application(date(2021, 2, 1), "网站", "自然人")).id == "2021-1001"
        assert ledger.add_application(store, Application(date(2022, 2, 1), "网站", "自然人")).id == "2022-001"
