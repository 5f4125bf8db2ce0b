"""An office that brings its whole history: items from 2012, registers kept in xxgk from some
year on, reports of every year in the format of its year (DOMAIN.md §1.6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.store import Store

from .builders import add_application, cli, item_row, report_json


@pytest.fixture
def history(unsynced_office, monkeypatch):
    """The demo office with ten items a year from 2012 to 2026 in its store, no register yet."""
    monkeypatch.setenv("XXGK_TODAY", "2026-12-04")
    monkeypatch.delenv("XXGK_FIGURES", raising=False)
    with Store(unsynced_office.database) as store:
        for year in range(2012, 2027):
            for i in range(10):
                item_row(store, (year - 2012) * 10 + i + 1, f"{year}-{i + 1:02d}-15")
    return unsynced_office.config


def test_a_year_before_the_register_was_kept_prints_no_counted_zeros(history):
    """Registers kept from 2022 on: 2020's 表三/表四 were never counted, so the report says so and
    leaves the cells 待填报 instead of claiming 本机关未收到政府信息公开申请."""
    add_application(history, "2022-03-01")
    text = cli(history, "report", "--year", "2020")
    assert "本机关自2022年起在本系统逐件登记" in text and "2020年的未登记" in text
    assert "新收申请 0 件" not in text and "行政复议 0 件" not in text
    md = cli(history, "report", "--year", "2020", "--format", "markdown")
    assert "本机关未收到政府信息公开申请" not in md and "未发生因政府信息公开工作被申请行政复议" not in md
    assert "| 一、本年新收政府信息公开申请数量 | 待填报 |" in md
    assert "【待填写：本机关自2022年起" in md
    assert "register_note" in report_json(history, 2021)
    # the year the register starts, and after it, are counted as before
    later = report_json(history, 2022)
    assert "register_note" not in later and later["applications"]["received"] == 1
    assert "新收申请 1 件" in cli(history, "report", "--year", "2022")
    cli(history, "build")  # the site's page of a year not yet published shows its counts: not a 0 nobody counted
    site = Path(history).parent / "output" / "site" / "report"
    page20, page22 = ((site / f"{y}.html").read_text(encoding="utf-8") for y in (2020, 2022))
    assert "未登记" in page20 and "本年新收政府信息公开申请（件）" not in page20
    assert "未登记" not in page22 and "本年新收政府信息公开申请（件）" in page22


def test_an_opening_balance_marks_where_the_register_starts(history):
    cli(history, "application", "opening", "--year", "2021", "--count", "自然人=0", "--reason", "2020年报告无结转")
    assert "register_note" in report_json(history, 2020)
    assert "register_note" not in report_json(history, 2021)
    assert "本机关未收到政府信息公开申请" in cli(history, "report", "--year", "2021", "--format", "markdown")


def test_an_empty_register_is_counted_as_zero_but_the_clerk_is_told(history):
    text = cli(history, "report", "--year", "2021")
    assert "新收申请 0 件" in text
    assert "登记簿中还没有任何申请、复议诉讼登记或期初结转" in text


def test_each_year_uses_its_own_format(history):
    """2015: before the 2019 试行 format, counts only; 2019–2020: 试行 (规范性文件, （六）其他处理 one row);
    2021 on: 国办公开办函〔2021〕30号."""
    assert "format" not in report_json(history, 2015)
    assert "早于2019年" in cli(history, "report", "--year", "2015")
    refused = cli(history, "report", "--year", "2015", "--figures-template", code=2)  # staff read Chinese
    assert "2015年的报告没有表格" in refused and "the tables" not in refused
    for year, name in ((2019, "2019"), (2020, "2019"), (2021, "2021"), (2026, "2021")):
        assert report_json(history, year)["format"] == name, year
    md20 = cli(history, "report", "--year", "2020", "--format", "markdown")
    assert "| 规范性文件 |" in md20 and "行政规范性文件" not in md20 and "政府集中采购" in md20
    assert "1.申请人无正当理由逾期不补正" not in md20
    md21 = cli(history, "report", "--year", "2021", "--format", "markdown")
    assert "| 行政规范性文件 |" in md21 and "政府集中采购" not in md21
    assert "1.申请人无正当理由逾期不补正" in md21


def test_an_application_of_2016_still_open_in_2018_is_carried_until_answered(history):
    """上年结转 across the years before the tables: received 2016, answered 2019 — 2019's 二 is 1,
    its 四 0, and every later year carries nothing."""
    app_id = add_application(history, "2016-03-01").split()[0]
    cli(history, "application", "close", app_id, "--outcome", "予以公开", "--replied", "2019-02-01")
    y19 = report_json(history, 2019)["applications"]
    assert (y19["received"], y19["carried_over"], y19["closed"], y19["carried_forward"]) == (0, 1, 1, 0)
    for year in range(2020, 2027):
        data = report_json(history, year)
        assert data["applications"]["carried_over"] == 0 and not data["violations"], year
        assert "register_note" not in data, year


def test_a_year_before_the_tables_counts_its_register_too(history):
    """2015–2018 have no tables, but their JSON, the site's page and the summary gave 0 applications
    even for a year whose application is in the register."""
    add_application(history, "2016-03-01")
    y16, y17 = report_json(history, 2016)["applications"], report_json(history, 2017)["applications"]
    assert (y16["received"], y16["carried_forward"]) == (1, 1)
    assert (y17["received"], y17["carried_over"], y17["carried_forward"]) == (0, 1, 1)
    assert "新收申请 1 件" in cli(history, "report", "--year", "2016")
    assert "2015年的未登记" in cli(history, "report", "--year", "2015")
    cli(history, "build")
    page = (Path(history).parent / "output" / "site" / "report" / "2016.html").read_text(encoding="utf-8")
    assert "<th scope=\"row\">本年新收政府信息公开申请（件）</th><td>1</td>" in page
