"""The register a clerk keeps in Excel, imported again a month later: the same application, now
answered, is that application answered, not a second one (表三 would count it twice and keep a
phantom open forever); an appeal decided since, likewise in 表四."""

from __future__ import annotations

import pytest

from .builders import cli as run, report_json

HEADER = "收到申请日期,申请渠道,申请人类型,申请人,申请内容,办理结果,答复日期,收到补正日期,延长答复期限（工作日）,备注\n"
DECEMBER = HEADER + ("2022-03-01,网站,自然人,张三,低保名单,予以公开,2022-03-10,,,\n"
                     "2022-12-20,信函,商业企业,某公司,征收补偿标准,,,,,\n")
JANUARY = HEADER + ("2022-03-01,网站,自然人,张三,低保名单,予以公开,2022-03-10,,,\n"
                    "2022-12-20,信函,商业企业,某公司,征收补偿标准,部分公开,2023-01-10,,,已寄出\n"
                    "2023-01-05,当面,自然人,李四,某路段规划,,,,,\n")


@pytest.fixture
def office(unsynced_office, monkeypatch):
    monkeypatch.setenv("XXGK_USER", "王会计")
    monkeypatch.setenv("XXGK_TODAY", "2022-12-30")
    path = unsynced_office.folder / "申请登记.csv"
    path.write_text(DECEMBER, encoding="utf-8")
    assert "导入申请 2 件" in run(unsynced_office.config, "application", "import", str(path))
    monkeypatch.setenv("XXGK_TODAY", "2023-01-20")
    return unsynced_office


def test_the_same_application_answered_since_is_updated_not_added_again(office):
    config, folder = office
    path = folder / "申请登记.csv"
    path.write_text(JANUARY, encoding="utf-8")
    out = run(config, "application", "import", str(path))
    assert "导入申请 1 件" in out and "更新 1 件" in out and "未重复导入" in out
    listed = run(config, "application", "list")
    assert listed.count("征收补偿标准") == 1 and "已逾期" not in listed
    t22, t23 = report_json(config, 2022)["table2"], report_json(config, 2023)["table2"]
    assert t22["new"]["总计"] == 2 and t22["carried_forward"]["总计"] == 1
    assert t23["carried_over"]["总计"] == 1 and t23["partly_granted"]["商业企业"] == 1
    assert t23["new"]["总计"] == 1 and t23["carried_forward"]["总计"] == 1
    history = run(config, "application", "history", "2022-002")
    assert "导入" in history and "（二）部分公开" in history
    # the same file once more adds and changes nothing
    out = run(config, "application", "import", str(path))
    assert "导入申请 0 件" in out and "更新" not in out
    assert report_json(config, 2023)["table2"] == t23


def test_a_register_that_says_otherwise_than_the_store_is_refused_by_row(office):
    config, folder = office
    run(config, "application", "close", "2022-002", "--outcome", "予以公开", "--replied", "2023-01-08")
    path = folder / "申请登记.csv"
    path.write_text(JANUARY, encoding="utf-8")
    out = run(config, "application", "import", str(path), code=2)
    assert "没有导入任何一行" in out
    assert "第3行" in out and "2022-002" in out and "办理结果" in out and "xxgk application edit" in out
    assert "Traceback" not in out
    assert "李四" not in run(config, "application", "list")  # nothing of the file was stored
    # a file that lags behind the store (still open there) changes nothing
    path.write_text(DECEMBER, encoding="utf-8")
    assert "导入申请 0 件" in run(config, "application", "import", str(path))
    assert report_json(config, 2023)["table2"]["granted"]["商业企业"] == 1


def test_an_appeal_decided_since_is_updated_not_counted_twice(office):
    config, folder = office
    path = folder / "复议诉讼登记.csv"
    header = "复议诉讼类型,提起日期,结果,审结日期,关联申请编号,备注\n"
    path.write_text(header + "行政复议,2022-11-01,,,2022-001,\n", encoding="utf-8")
    assert "导入复议诉讼 1 件" in run(config, "appeal", "import", str(path))
    path.write_text(header + "行政复议,2022-11-01,结果维持,2023-01-15,2022-001,\n", encoding="utf-8")
    out = run(config, "appeal", "import", str(path))
    assert "导入复议诉讼 0 件" in out and "更新 1 件" in out
    t3 = report_json(config, 2022)["table3"]["行政复议"]
    assert t3["总计"] == 1 and t3["尚未审结"] == 1  # 31 December 2022: not yet decided
    assert "结果维持" in run(config, "appeal", "list")
