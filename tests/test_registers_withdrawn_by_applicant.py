"""An applicant who withdraws an application (or an appellant who withdraws a case) is not a
registration error: the case was received and 表三 / 表四 count it, so `withdraw` (which takes an
entry out of the counts) refuses such a reason and says how to record it."""

from __future__ import annotations

import pytest

from .builders import add_application, cli, report_json


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("XXGK_TODAY", "2022-12-30")


@pytest.mark.parametrize("reason", ["申请人撤回申请", "申请人于3月5日主动撤回", "撤回政府信息公开申请"])
def test_an_application_the_applicant_withdrew_stays_counted(unsynced_office, reason):
    config = unsynced_office.config
    app_id = add_application(config, "2022-03-01").split()[0]
    out = cli(config, "application", "withdraw", app_id, "--reason", reason, code=2)
    assert "--outcome 其他" in out and "（六）其他处理" in out
    cli(config, "application", "close", app_id, "--outcome", "其他", "--replied", "2022-03-05")
    t = report_json(config, 2022)["table2"]
    assert t["new"]["总计"] == 1 and t["other.other"]["总计"] == 1


def test_a_registration_error_is_still_withdrawn(unsynced_office):
    config = unsynced_office.config
    first = add_application(config, "2022-03-01").split()[0]
    second = add_application(config, "2022-03-01").split()[0]
    cli(config, "application", "withdraw", second, "--reason", f"与 {first} 重复登记")
    assert report_json(config, 2022)["table2"]["new"]["总计"] == 1


@pytest.mark.parametrize("reason", ["申请人撤回复议申请", "原告撤诉"])
def test_a_case_withdrawn_by_the_appellant_stays_counted(unsynced_office, reason):
    config = unsynced_office.config
    appeal_id = cli(config, "appeal", "add", "--kind", "行政复议", "--filed", "2022-04-01").split()[0]
    out = cli(config, "appeal", "withdraw", appeal_id, "--reason", reason, code=2)
    assert "--outcome 其他结果" in out
    cli(config, "appeal", "decide", appeal_id, "--outcome", "其他结果", "--decided", "2022-04-20")
    assert report_json(config, 2022)["table3"]["行政复议"]["其他结果"] == 1


@pytest.mark.parametrize("reason", ["申请人来电不再需要", "已电话沟通，不用再办", "x"])
def test_a_reason_that_names_no_mistake_is_refused_and_the_case_stays_counted(unsynced_office, reason):
    """"申请人来电不再需要" is an applicant withdrawing in words no pattern of withdrawal knows: withdraw
    took it out of 表三 as a registration error. A reason must say what was entered by mistake."""
    config = unsynced_office.config
    app_id = add_application(config, "2022-03-01").split()[0]
    out = cli(config, "application", "withdraw", app_id, "--reason", reason, code=2)
    assert "只用于登记错误" in out and f"xxgk application close {app_id} --outcome 其他" in out
    assert report_json(config, 2022)["table2"]["new"]["总计"] == 1
    appeal_id = cli(config, "appeal", "add", "--kind", "行政复议", "--filed", "2022-04-01").split()[0]
    out = cli(config, "appeal", "withdraw", appeal_id, "--reason", reason, code=2)
    assert f"xxgk appeal decide {appeal_id} --outcome 其他结果" in out


@pytest.mark.parametrize("reason", ["信访件，并非政府信息公开申请", "录入错误", "测试数据"])
def test_a_reason_that_names_the_mistake_withdraws(unsynced_office, reason):
    config = unsynced_office.config
    app_id = add_application(config, "2022-03-01").split()[0]
    cli(config, "application", "withdraw", app_id, "--reason", reason)
    assert report_json(config, 2022)["table2"]["new"]["总计"] == 0
