"""A 复议 or 诉讼 about an application registered in another year, as a clerk enters it in January:
the year typed for the new case is last year's by habit, and the case would be counted in the wrong
year's 表四, before the application it is about was even received. And an application a case is
about cannot be withdrawn as 登记错误 behind the case's back: the case proves it was received."""

from __future__ import annotations

import pytest

from .builders import add_application, cli, report_json


@pytest.fixture
def office(unsynced_office, monkeypatch):
    """January 2023: an application of December 2022, refused on 6 January."""
    monkeypatch.setenv("XXGK_USER", "王会计")
    monkeypatch.setenv("XXGK_TODAY", "2023-01-20")
    config = unsynced_office.config
    assert add_application(config, "2022-12-15").startswith("2022-001")
    cli(config, "application", "close", "2022-001", "--outcome", "属于国家秘密", "--replied", "2023-01-06")
    return unsynced_office


def review_cases(config) -> dict:
    return {year: report_json(config, year)["table3"]["行政复议"]["总计"] for year in (2022, 2023)}


def test_a_case_filed_before_its_application_was_received_is_refused(office):
    config = office.config
    out = cli(config, "appeal", "add", "--kind", "行政复议", "--filed", "2022-01-16", "--application", "2022-001",
              code=2)
    assert "提起日期（2022-01-16）不能早于所涉申请 2022-001 的收到申请日期（2022-12-15）" in out
    assert "Traceback" not in out and review_cases(config) == {2022: 0, 2023: 0}
    assert cli(config, "appeal", "add", "--kind", "行政复议", "--filed", "2023-01-16",
               "--application", "2022-001").startswith("F2023-001")
    assert review_cases(config) == {2022: 0, 2023: 1}
    # nor may a correction move it there, or move the application after it
    out = cli(config, "appeal", "edit", "F2023-001", "--filed", "2022-01-16", "--reason", "日期", code=2)
    assert "不能早于所涉申请 2022-001 的收到申请日期" in out
    out = cli(config, "application", "edit", "2022-001", "--received", "2023-01-18", "--replied", "2023-01-19",
              "--reason", "收到日期登记错误", code=2)
    assert "收到申请日期（2023-01-18）不能晚于复议诉讼 F2023-001 的提起日期（2023-01-16）" in out
    assert review_cases(config) == {2022: 0, 2023: 1}


def test_the_import_names_the_row_of_such_a_case(office):
    path = office.folder / "复议诉讼登记.csv"
    path.write_text("复议诉讼类型,提起日期,结果,审结日期,关联申请编号,备注\n"
                    "行政复议,2023-01-16,,,2022-001,\n"
                    "行政复议,2022-01-17,,,2022-001,\n", encoding="utf-8")
    out = cli(office.config, "appeal", "import", str(path), code=2)
    assert "第3行“提起日期”：提起日期（2022-01-17）不能早于所涉申请 2022-001 的收到申请日期（2022-12-15）" in out
    assert "第2行" not in out and review_cases(office.config) == {2022: 0, 2023: 0}


def test_an_application_a_case_is_about_is_not_withdrawn_as_entered_by_mistake(office):
    config = office.config
    cli(config, "appeal", "add", "--kind", "行政复议", "--filed", "2023-01-16", "--application", "2022-001")
    out = cli(config, "application", "withdraw", "2022-001", "--reason", "重复登记", code=2)
    assert "复议诉讼 F2023-001" in out and "xxgk appeal edit F2023-001 --application" in out
    assert "Traceback" not in out
    assert report_json(config, 2022)["table2"]["new"]["总计"] == 1
    # a duplicate: the case is moved to the entry kept, then the copy goes
    assert add_application(config, "2022-12-15").startswith("2022-002")
    cli(config, "appeal", "edit", "F2023-001", "--application", "2022-002", "--reason", "关联重复登记的一件")
    cli(config, "application", "withdraw", "2022-001", "--reason", "与 2022-002 重复登记")
    assert "申请 2022-002" in cli(config, "appeal", "list")
