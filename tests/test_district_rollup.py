"""The district's roll-up of annual reports: an office run by xxgk (its registers and store),
offices typed in from their published tables, one missing, one inconsistent, one late."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from click.testing import CliRunner

from pipeline import config as config_mod
from pipeline.commands import main
from pipeline.district.config import load_district
from pipeline.district.published import load_published, published_template
from pipeline.district.rollup import DRAFT, INCONSISTENT, LATE, MISSING, UNFILLED, district_rollup
from pipeline.registers import ledger
from pipeline.registers.errors import FiguresInvalid
from pipeline.registers.formats import T2_COLUMNS, T3_COLUMNS
from pipeline.registers.records import Appeal, Application
from pipeline.store import Store

from .builders import invoke, item_row, write_config

YEAR = 2021
AFTER_DEADLINE = date(2022, 3, 1)

# 东局子街道 printed these tables (consistent; published late, after 1月31日).
DJZ = """published_on = 2022-02-10
[proactive]
"主动公开政府信息数量" = 120
"政务微博、微信公开" = 40
[table1]
"行政许可" = 2
"行政处罚" = 1
"行政强制" = 0
"行政事业性收费" = 0.5
[table1."规章"]
"本年制发件数" = 0
"本年废止件数" = 0
"现行有效件数" = 0
[table1."行政规范性文件"]
"本年制发件数" = 1
"本年废止件数" = 0
"现行有效件数" = 3
[table2]
"一、本年新收政府信息公开申请数量" = [2, 1, 0, 0, 0, 0, 3]
"二、上年结转政府信息公开申请数量" = [1, 0, 0, 0, 0, 0, 1]
"予以公开" = [2, 0, 0, 0, 0, 0, 2]
"3.危及\\"三安全一稳定\\"" = [0, 1, 0, 0, 0, 0, 1]
"（七）总计" = [2, 1, 0, 0, 0, 0, 3]
"四、结转下年度继续办理" = [1, 0, 0, 0, 0, 0, 1]
[table3]
"行政复议" = [1, 0, 0, 0, 1]
"""

# 两家子满族乡: its 表三 does not add up (一+二 = 4, 三（七）+四 = 2).
LJZ = """published_on = 2022-01-20
[table1]
"行政许可" = 0
"行政处罚" = 0
"行政强制" = 0
"行政事业性收费" = 0
[table2]
"一、本年新收政府信息公开申请数量" = [4, 0, 0, 0, 0, 0, 4]
"（一）予以公开" = [2, 0, 0, 0, 0, 0, 2]
"（七）总计" = [2, 0, 0, 0, 0, 0, 2]
"""

XHJ_FIGURES = """[table1]
"行政许可" = 5
"行政处罚" = 0
"行政强制" = 1
"行政事业性收费" = 0.25
"""


def _item(store: Store, n: int, title: str, published: str) -> None:
    item_row(store, n, published, title=title)


@pytest.fixture
def district(tmp_path):
    """A district of four offices: 兴华 (run by xxgk), 东局子 and 两家子 (typed in), 大屯 (nothing)."""
    xhj = tmp_path / "xhj"
    xhj.mkdir()
    config = config_mod.load(write_config(xhj))
    (xhj / "figures").mkdir()
    (xhj / "figures" / f"{YEAR}.toml").write_text(XHJ_FIGURES, encoding="utf-8")
    with Store(config.database) as store:
        _item(store, 1, "兴华街道开展消防演练", "2021-05-10")
        _item(store, 2, "兴华街道2021年政府信息公开工作年度报告", "2022-01-18")
        kinds = ["自然人", "自然人", "商业企业", "自然人"]
        for n, kind in enumerate(kinds):
            ledger.add_application(store, Application(date(2021, 3, 1 + n), "网站", kind))
        for app in ledger.list_applications(store)[:3]:
            ledger.close_application(store, app.id, "granted", date(2021, 3, 20))
        ledger.add_appeal(store, Appeal("行政复议", date(2021, 6, 1), "结果维持", date(2021, 8, 1)))
    for key, text in (("djz", DJZ), ("ljz", LJZ)):
        (tmp_path / key).mkdir()
        (tmp_path / key / f"{YEAR}.toml").write_text(text, encoding="utf-8")
    (tmp_path / "dt").mkdir()
    path = tmp_path / "district.toml"
    path.write_text("""[district]
name = "昌邑区"
[offices.xhj]
config = "xhj/xxgk.toml"
[offices.djz]
name = "东局子街道办事处"
figures = "djz"
[offices.ljz]
name = "两家子满族乡人民政府"
figures = "ljz"
[offices.dt]
name = "大屯街道办事处"
figures = "dt"
""", encoding="utf-8")
    return path


def test_every_cell_of_the_sum_is_the_sum_of_the_offices(district):
    roll = district_rollup(load_district(district), YEAR, AFTER_DEADLINE)
    reporting = roll.reporting
    assert [o.key for o in reporting] == ["xhj", "djz", "ljz"]
    xhj = reporting[0]
    assert xhj.name == "兴华街道办事处" and xhj.table2["new"]["总计"] == 4  # from its register
    assert xhj.table2["granted"]["自然人"] == 2 and xhj.table2["carried_forward"]["自然人"] == 1
    for row, cells in roll.table2.items():
        for column in T2_COLUMNS:
            assert cells[column] == sum(o.table2[row][column] for o in reporting), (row, column)
    for group, cells in roll.table3.items():
        for column in T3_COLUMNS:
            assert cells[column] == sum(o.table3[group][column] for o in reporting), (group, column)
    for row, cells in roll.table1.items():
        for column, value in cells.items():
            parts = [o.table1[row][column] for o in reporting if o.table1[row][column] is not None]
            assert value == pytest.approx(sum(parts)), (row, column)
    assert roll.table2["new"]["总计"] == 4 + 3 + 4
    assert roll.table3["行政复议"]["结果维持"] == 2
    assert roll.table1["行政事业性收费"]["本年收费金额（单位：万元）"] == pytest.approx(0.75)


def test_missing_inconsistent_and_late_offices_are_listed(district):
    roll = district_rollup(load_district(district), YEAR, AFTER_DEADLINE)
    kinds = {(p.key, p.kind) for p in roll.problems}
    assert ("dt", MISSING) in kinds
    assert ("ljz", INCONSISTENT) in kinds
    assert ("djz", LATE) in kinds
    # on its catalog 2022-01-18 and adds up, but never frozen by `xxgk report publish`: its figures are a draft
    assert [p.kind for p in roll.problems if p.key == "xhj"] == [DRAFT], roll.problems
    assert not [p for p in roll.problems if p.key == "djz" and p.kind != LATE]
    assert roll.violations, "ljz's broken 表二 breaks the sum too"
    # before the deadline nobody is late for not having published yet
    early = district_rollup(load_district(district), YEAR, date(2022, 1, 10))
    assert not [p for p in early.problems if p.kind == LATE and p.key != "djz"]


def test_published_tables_file_round_trips_and_bad_values_are_named(tmp_path):
    (tmp_path / "2021.toml").write_text(published_template(2021), encoding="utf-8")
    report = load_published(tmp_path, 2021)
    assert report.exists and not report.table1_missing and report.published_on == date(2022, 1, 31)
    (tmp_path / "2022.toml").write_text('[table2]\n"一、本年新收政府信息公开申请数量" = [1, 2]\n', encoding="utf-8")
    with pytest.raises(FiguresInvalid, match="7 个数"):
        load_published(tmp_path, 2022)
    # a clerk may name the tables as the report prints them: 表三 is the applications table
    (tmp_path / "2024.toml").write_text('["表三"]\n"一、本年新收政府信息公开申请数量" = [1, 0, 0, 0, 0, 0, 1]\n', encoding="utf-8")
    assert load_published(tmp_path, 2024).table2["new"]["总计"] == 1
    assert "表三" in published_template(2021) and "表一" not in published_template(2021)
    (tmp_path / "2023.toml").write_text('[table2]\n"不存在的行" = [0, 0, 0, 0, 0, 0, 0]\n', encoding="utf-8")
    with pytest.raises(FiguresInvalid, match="不存在的行"):
        load_published(tmp_path, 2023)
    # a file that is not TOML, or not UTF-8, is said in Chinese, never the parser's English
    (tmp_path / "2025.toml").write_text('[table2\n', encoding="utf-8")
    with pytest.raises(FiguresInvalid, match=r"2025.toml：不是有效的 TOML：第 1 行第 8 列：") as caught:
        load_published(tmp_path, 2025)
    assert not re.search(r"[A-Za-z]", str(caught.value).split("：", 1)[1].replace("TOML", "")), caught.value
    (tmp_path / "2026.toml").write_bytes(b"[table2]\n" + "备注 = '表三'".encode("gb18030"))
    with pytest.raises(FiguresInvalid, match="不是 UTF-8 编码"):
        load_published(tmp_path, 2026)


def test_a_broken_office_file_makes_it_missing_not_a_traceback(district):
    (district.parent / "djz" / f"{YEAR}.toml").write_text("[table2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["district", "--district", str(district), "report", "--year", str(YEAR),
                                       "--on", "2022-03-01"])
    assert result.exit_code == 0, result.output
    assert "东局子街道办事处（djz）【未报送】" in result.output and "不是有效的 TOML" in result.output


def test_every_format(district, tmp_path):
    args = ["district", "--district", str(district), "report", "--year", str(YEAR), "--on", "2022-03-01"]
    runner = CliRunner()
    data = json.loads(runner.invoke(main, args + ["--format", "json"]).output)
    assert data["sum"]["table2"]["new"]["总计"] == 11
    assert {p["key"] for p in data["problems"]} == {"dt", "ljz", "djz", "xhj"}  # xhj: a draft
    assert data["key_figures"]["total"][data["key_figures"]["header"].index("新收申请")] == 11
    text = runner.invoke(main, args).output
    assert "两家子满族乡人民政府" in text and "汇总表格不一致" in text
    # the tables numbered as an office's report numbers them: 表二 主动公开, 表三 申请, 表四 复议诉讼
    assert "表三汇总（总计列，非零行）：" in text and "表四汇总：行政复议" in text and "表二汇总：" in text
    assert "表一" not in text
    html = runner.invoke(main, args + ["--format", "html"]).output
    assert html.count("<table") == 4 and "大屯街道办事处" in html
    markdown = runner.invoke(main, args + ["--format", "markdown"]).output
    assert "| 兴华街道办事处 |" in markdown
    result = runner.invoke(main, args + ["--format", "csv", "-o", str(tmp_path / "csv")])
    assert result.exit_code == 0, result.output
    table2 = (tmp_path / "csv" / f"{YEAR}-table2.csv").read_text(encoding="utf-8-sig").splitlines()
    assert table2[1].split(",")[-1] == "11"  # 一、本年新收 … 总计
    assert runner.invoke(main, args + ["--format", "csv"]).exit_code == 2


def test_an_office_with_nothing_for_the_year_is_missing(district):
    config = load_district(district).office_config(load_district(district).entry("xhj"))
    with Store(config.database) as store:  # its last open application is answered in 2022
        (still_open,) = ledger.list_applications(store, open_only=True)
        ledger.close_application(store, still_open.id, "granted", date(2022, 2, 1))
    roll = district_rollup(load_district(district), 2023, date(2024, 3, 1))
    xhj = next(o for o in roll.offices if o.key == "xhj")
    assert xhj.table2 == {} and "没有任何数据" in xhj.missing
    assert not roll.reporting  # nobody typed in 2023 either
    before = district_rollup(load_district(district), 2022, date(2023, 3, 1))  # answered that year: a report
    assert next(o for o in before.offices if o.key == "xhj").table2["carried_over"]["总计"] == 1


def test_a_year_without_tables_is_refused_in_words(district):
    for command in (["--district", str(district), "report", "--year", "2018"], ["template", "--year", "2018"]):
        result = CliRunner().invoke(main, ["district", *command])
        assert result.exit_code == 2 and "早于2019年" in result.output, result.output


def test_a_district_file_mistake_names_the_key(tmp_path):
    path = tmp_path / "district.toml"
    path.write_text('[district]\nname = "昌邑区"\n[offices.Bad_Key]\nconfig = "x.toml"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["district", "--district", str(path), "report", "--year", "2021"])
    assert result.exit_code == 2 and "offices.Bad_Key" in result.output
    path.write_text('[district]\nname = "昌邑区"\n[offices.a]\nname = "甲"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["district", "--district", str(path), "report", "--year", "2021"])
    assert result.exit_code == 2 and "以下三者应有且只有一个：config = " in result.output


def test_a_draft_is_summed_but_marked_and_a_frozen_report_counts_as_published(district):
    """An xxgk office's report is published when ``xxgk report publish`` froze it (its site shows it from
    then on), whether or not its catalog carries an item titled 年度报告; until then its figures are the
    nightly draft's: summed (January's roll-up is a preview) but marked 草稿, as they may still change."""
    d = load_district(district)
    config = d.office_config(d.entry("xhj"))
    with Store(config.database) as store:  # its catalog no longer shows the report
        store.db.execute("UPDATE items SET title = '兴华街道召开安全生产会议' WHERE id = 'i0002'")
    draft = district_rollup(d, YEAR, AFTER_DEADLINE)
    xhj = [p for p in draft.problems if p.key == "xhj"]
    assert {p.kind for p in xhj} == {DRAFT, LATE}, xhj
    assert draft.table2["new"]["总计"] == 11  # the draft's 4 summed all the same
    frozen = invoke(str(config.path), "report", "publish", "--year", str(YEAR), "--by", "王静")
    assert frozen.exit_code == 0, frozen.output
    with Store(config.database) as store:  # frozen on 2022-01-20 (the command stamps the time it ran)
        store.db.execute("UPDATE published_reports SET published_at = '2022-01-20T02:00:00Z' WHERE year = ?", [YEAR])
    roll = district_rollup(d, YEAR, AFTER_DEADLINE)
    assert not [p for p in roll.problems if p.key == "xhj"], roll.problems
    office = next(o for o in roll.offices if o.key == "xhj")
    assert office.published_on == date(2022, 1, 20) and not office.draft
    assert roll.table2["new"]["总计"] == 11


def test_tables_nobody_filled_are_summed_as_0_but_listed(district, tmp_path):
    """A figures file leaving 表四 out whole (两家子), and an xxgk office whose register starts the
    year after (青山): their 0s were summed as counts, and nothing said so. They are listed now; an
    empty table written out ([table3]) is a stated 0."""
    qs = tmp_path / "qs"
    qs.mkdir()
    config = config_mod.load(write_config(qs))
    with Store(config.database) as store:
        item_row(store, 1, "2021-05-10", title="青山街道开展消防演练")
        ledger.add_application(store, Application(date(2022, 3, 1), "网站", "自然人"))
    with district.open("a", encoding="utf-8") as f:
        f.write('[offices.qs]\nconfig = "qs/xxgk.toml"\n')
    roll = district_rollup(load_district(district), YEAR, AFTER_DEADLINE)
    unfilled = {p.key: p.detail for p in roll.problems if p.kind == UNFILLED}
    assert set(unfilled) == {"ljz", "qs"}, roll.problems
    assert "表四（行政复议、行政诉讼）" in unfilled["ljz"] and "表三" not in unfilled["ljz"].split("没有")[1]
    assert "2022年起" in unfilled["qs"]
    with (tmp_path / "ljz" / f"{YEAR}.toml").open("a", encoding="utf-8") as f:
        f.write("[table3]\n")
    roll = district_rollup(load_district(district), YEAR, AFTER_DEADLINE)
    assert {p.key for p in roll.problems if p.kind == UNFILLED} == {"qs"}
