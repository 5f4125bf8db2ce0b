"""Two rows of a clerk's register that say the same in every column: the same person asking the same
thing twice on one day, both answered alike. They are two applications (表三 counts both); the k-th
such row of a sheet is the k-th such entry, so importing the sheet again adds nothing and a sheet
with one more copy adds one."""

from __future__ import annotations

import pytest

from .builders import cli as run, report_json

HEADER = "收到申请日期,申请渠道,申请人类型,申请人,申请内容,办理结果,答复日期,收到补正日期,延长答复期限（工作日）,备注\n"
TWICE_OPEN = "2022-05-06,当面,自然人,张三,本村低保名单,,,,,\n"
TWICE_ANSWERED = "2022-05-06,当面,自然人,张三,本村低保名单,予以公开,2022-05-10,,,\n"
OTHER = "2022-03-01,网站,商业企业,某公司,征收补偿标准,予以公开,2022-03-10,,,\n"


@pytest.fixture
def office(unsynced_office, monkeypatch):
    monkeypatch.setenv("XXGK_USER", "王会计")
    monkeypatch.setenv("XXGK_TODAY", "2022-06-30")
    return unsynced_office


def imported(office, text: str, register: str = "application", code: int = 0) -> str:
    path = office.folder / f"{register}.csv"
    path.write_text(text, encoding="utf-8")
    return run(office.config, register, "import", str(path), code=code)


def t2(office, year: int = 2022) -> dict:
    return report_json(office.config, year)["table2"]


def test_two_identical_rows_are_two_applications_and_a_reimport_adds_nothing(office):
    out = imported(office, HEADER + TWICE_ANSWERED + OTHER + TWICE_ANSWERED)
    assert "导入申请 3 件" in out
    assert "第4行与第2行内容完全相同" in out  # told, in case one was typed twice by mistake
    assert t2(office)["new"]["自然人"] == 2 and t2(office)["granted"]["自然人"] == 2
    out = imported(office, HEADER + TWICE_ANSWERED + OTHER + TWICE_ANSWERED)
    assert "导入申请 0 件" in out and "已导入过的 3 件" in out and "完全相同" not in out
    assert t2(office)["new"]["总计"] == 3
    # one more copy in the sheet is one more application
    out = imported(office, HEADER + TWICE_ANSWERED + OTHER + TWICE_ANSWERED + TWICE_ANSWERED)
    assert "导入申请 1 件" in out and "第5行与第2行内容完全相同" in out
    assert t2(office)["new"]["自然人"] == 3
    # a sheet that lost a copy (a shorter, older file) takes nothing away and adds nothing
    out = imported(office, HEADER + TWICE_ANSWERED + OTHER)
    assert "导入申请 0 件" in out and t2(office)["new"]["自然人"] == 3


def test_one_of_two_identical_open_applications_answered_since(office):
    imported(office, HEADER + TWICE_OPEN + TWICE_OPEN)
    assert t2(office)["carried_forward"]["自然人"] == 2
    out = imported(office, HEADER + TWICE_OPEN + TWICE_ANSWERED)  # the second one answered
    assert "导入申请 0 件" in out and "更新 1 件" in out
    table = t2(office)
    assert table["new"]["自然人"] == 2 and table["granted"]["自然人"] == 1 and table["carried_forward"]["自然人"] == 1
    # the same sheet again, or with its rows in the other order, changes nothing
    for text in (HEADER + TWICE_OPEN + TWICE_ANSWERED, HEADER + TWICE_ANSWERED + TWICE_OPEN):
        out = imported(office, text)
        assert "导入申请 0 件" in out and "更新" not in out
        assert t2(office) == table
    # both answered now: the one still open is completed
    out = imported(office, HEADER + TWICE_ANSWERED + TWICE_ANSWERED)
    assert "导入申请 0 件" in out and "更新 1 件" in out
    assert t2(office)["granted"]["自然人"] == 2 and t2(office)["carried_forward"]["自然人"] == 0


def test_an_entry_answered_on_the_command_line_is_the_answered_row(office):
    """The clerk closed one of the two in xxgk; the sheet lists the open copy first: nothing changes."""
    imported(office, HEADER + TWICE_OPEN + TWICE_OPEN)
    run(office.config, "application", "close", "2022-001", "--outcome", "予以公开", "--replied", "2022-05-10")
    out = imported(office, HEADER + TWICE_OPEN + TWICE_ANSWERED)
    assert "导入申请 0 件" in out and "更新" not in out
    assert t2(office)["granted"]["自然人"] == 1 and t2(office)["carried_forward"]["自然人"] == 1


def test_a_row_saying_otherwise_than_the_entries_it_names_is_still_refused(office):
    imported(office, HEADER + TWICE_ANSWERED + TWICE_ANSWERED)
    other = TWICE_ANSWERED.replace("予以公开", "部分公开")
    out = imported(office, HEADER + TWICE_ANSWERED + other, code=2)
    assert "没有导入任何一行" in out and "第3行" in out and "2022-00" in out and "Traceback" not in out
    assert t2(office)["granted"]["自然人"] == 2 and t2(office)["partly_granted"]["总计"] == 0


def test_two_identical_appeals_are_two_cases(office):
    imported(office, HEADER + OTHER)
    header = "复议诉讼类型,提起日期,结果,审结日期,关联申请编号,备注\n"
    row = "行政复议,2022-04-01,结果维持,2022-06-01,2022-001,\n"
    assert "导入复议诉讼 2 件" in imported(office, header + row + row, "appeal")
    assert "导入复议诉讼 0 件" in imported(office, header + row + row, "appeal")
    t3 = report_json(office.config, 2022)["table3"]["行政复议"]
    assert t3["总计"] == 2 and t3["结果维持"] == 2


def test_a_copy_withdrawn_as_typed_twice_stays_out_when_the_sheet_still_has_it(office):
    """The clerk was told of the repeated row, withdrew the copy in xxgk, and kept the sheet as it was;
    a later copy of the sheet, both rows answered, still names one application and the withdrawn one."""
    out = imported(office, HEADER + TWICE_OPEN + TWICE_OPEN)
    assert "xxgk application withdraw 2022-002" in out
    run(office.config, "application", "withdraw", "2022-002", "--reason", "与 2022-001 重复登记")
    assert "导入申请 0 件" in imported(office, HEADER + TWICE_OPEN + TWICE_OPEN)
    out = imported(office, HEADER + TWICE_ANSWERED + TWICE_ANSWERED)
    assert "导入申请 0 件" in out and "更新 1 件" in out
    assert t2(office)["new"]["总计"] == 1 and t2(office)["granted"]["自然人"] == 1


def test_an_entry_corrected_since_is_not_imported_again_from_the_old_row(office):
    imported(office, HEADER + TWICE_OPEN + TWICE_OPEN)
    run(office.config, "application", "edit", "2022-002", "--applicant-type", "其他", "--reason", "申请人为村委会")
    assert "导入申请 0 件" in imported(office, HEADER + TWICE_OPEN + TWICE_OPEN)
    assert t2(office)["new"]["自然人"] == 1 and t2(office)["new"]["其他"] == 1
