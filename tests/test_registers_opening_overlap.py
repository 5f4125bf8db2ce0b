"""An office that started its register in xxgk with an opening balance (期初结转) for 2023, then enters
a case of 2022 after all: one still open on 1 January 2023 is already among the counted cases, and
registering it again counted it twice in 2023's 二、上年结转 (and made 2022 look registered)."""

from __future__ import annotations

import pytest

from .builders import add_application, cli, report_json

HEADER = "收到申请日期,申请渠道,申请人类型,申请人,申请内容,办理结果,答复日期\n"


@pytest.fixture
def office(unsynced_office, monkeypatch):
    monkeypatch.setenv("XXGK_USER", "王会计")
    monkeypatch.setenv("XXGK_TODAY", "2023-03-01")
    cli(unsynced_office.config, "application", "opening", "--year", "2023", "--count", "自然人=2",
        "--reason", "2022年报告结转")
    return unsynced_office


def carried_over(config) -> int:
    return report_json(config, 2023)["table2"]["carried_over"]["总计"]


def test_a_case_received_before_the_opening_year_is_not_registered_again(office):
    config = office.config
    out = add_application(config, "2022-12-10", code=2)
    assert "期初结转" in out and "xxgk application close-opening --year 2023" in out and "Traceback" not in out
    assert carried_over(config) == 2
    assert "未登记" in report_json(config, 2022)["register_note"]  # 2022 still says it was not registered
    # nor is a 2023 entry moved back into 2022
    assert add_application(config, "2023-01-03").startswith("2023-001")
    out = cli(config, "application", "edit", "2023-001", "--received", "2022-12-30", "--reason", "日期", code=2)
    assert "期初结转" in out and carried_over(config) == 2


def test_the_import_leaves_out_the_rows_before_the_opening_year_and_says_so(office):
    config, folder = office
    path = folder / "申请登记.csv"
    path.write_text(HEADER + "2022-11-02,网站,自然人,张三,低保名单,予以公开,2022-11-20\n"
                             "2022-12-10,网站,自然人,李四,征收补偿,,\n"
                             "2023-01-05,当面,商业企业,某公司,规划,,\n", encoding="utf-8")
    out = cli(config, "application", "import", str(path))
    assert "导入申请 1 件" in out
    assert "第2、3行收到于2023年之前，未导入" in out and "close-opening --year 2023" in out
    assert carried_over(config) == 2 and report_json(config, 2023)["table2"]["new"]["总计"] == 1
    assert "未登记" in report_json(config, 2022)["register_note"]
    assert "导入申请 0 件" in cli(config, "application", "import", str(path))
