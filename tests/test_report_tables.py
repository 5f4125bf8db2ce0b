"""The annual report's tables: formats, computation from registers, identities, renders."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from pipeline.errors import XxgkError
from pipeline.registers.checks import check, ensure_consistent
from pipeline.registers.errors import FiguresInvalid, RegisterError, ReportError, ReportInconsistent
from pipeline.registers.formats import (
    APPLICANT_TYPES,
    FORMAT_2019,
    FORMAT_2021,
    HEADINGS,
    T2_COLUMNS,
    T2_NOTE,
    T3_COLUMNS,
    T3_GROUPS,
    format_for_year,
)
from pipeline.report.layout import place, table1_grid, table2_grid, table3_grid
from pipeline.registers.records import (
    Appeal,
    Application,
    DocumentCounts,
    compute_table1,
    compute_table2,
    compute_table3,
    decided_later,
)
from pipeline.report.render import render_csv, render_html, render_json, render_markdown

DOMAIN = Path(__file__).resolve().parents[1].parent / "shared" / "DOMAIN.md"
SEED_SENTENCE = "主动公开政府信息数量156条，其中制发规范性文件总数0条，政务微博、微信公开57条，其他方式公开政府信息99条"


def app(received, applicant="自然人", outcome=None, replied=None, channel="网站", **kw):
    return Application(received_on=received, channel=channel, applicant_type=applicant,
                       request="申请公开……", outcome=outcome, replied_on=replied, **kw)


# --- registers: two years with carry-overs (hand-worked) ------------------------

REGISTER = [
    app(date(2021, 3, 1), "自然人", "granted", date(2021, 3, 20), id="A"),
    app(date(2021, 12, 20), "商业企业", "partly_granted", date(2022, 1, 10), "信函", id="B"),
    app(date(2021, 12, 28), "自然人", channel="当面", id="C"),  # still open
    app(date(2020, 12, 30), "法律服务机构", "unable.not_held", date(2021, 1, 5), "电子邮件", id="D"),
    app(date(2022, 2, 1), "科研机构", "other.no_correction", date(2022, 2, 20), "传真", id="E"),
    app(date(2022, 12, 30), "社会公益组织", channel="其他", id="F"),  # still open
]


def nonzero(table):
    return {(r, c): n for r, cols in table.items() for c, n in cols.items() if n}


def test_table2_2021_hand_worked():
    t = compute_table2(2021, REGISTER)
    assert nonzero(t) == {
        ("new", "自然人"): 2, ("new", "商业企业"): 1, ("new", "总计"): 3,  # A, C, B
        ("carried_over", "法律服务机构"): 1, ("carried_over", "总计"): 1,  # D
        ("granted", "自然人"): 1, ("granted", "总计"): 1,  # A
        ("unable.not_held", "法律服务机构"): 1, ("unable.not_held", "总计"): 1,  # D
        ("total", "自然人"): 1, ("total", "法律服务机构"): 1, ("total", "总计"): 2,
        ("carried_forward", "自然人"): 1, ("carried_forward", "商业企业"): 1,  # C, B
        ("carried_forward", "总计"): 2,
    }
    assert check({"year": 2021, "table2": t}) == []


def test_table2_2022_carries_over_from_2021():
    t21, t22 = compute_table2(2021, REGISTER), compute_table2(2022, REGISTER)
    assert nonzero(t22) == {
        ("new", "科研机构"): 1, ("new", "社会公益组织"): 1, ("new", "总计"): 2,  # E, F
        ("carried_over", "自然人"): 1, ("carried_over", "商业企业"): 1,  # C, B
        ("carried_over", "总计"): 2,
        ("partly_granted", "商业企业"): 1, ("partly_granted", "总计"): 1,  # B
        ("other.no_correction", "科研机构"): 1, ("other.no_correction", "总计"): 1,  # E
        ("total", "商业企业"): 1, ("total", "科研机构"): 1, ("total", "总计"): 2,
        ("carried_forward", "自然人"): 1, ("carried_forward", "社会公益组织"): 1,  # C, F
        ("carried_forward", "总计"): 2,
    }
    assert t22["carried_over"] == t21["carried_forward"]
    assert check({"year": 2022, "table2": t22}, previous={"table2": t21}) == []


def test_every_outcome_row_counts_across_applicant_types():
    keys = FORMAT_2021.outcome_keys
    assert len(keys) == 21
    register = [app(date(2021, 1, 4), APPLICANT_TYPES[i % 6], key, date(2021, 2, 1))
                for i, key in enumerate(keys)]
    t = compute_table2(2021, register)
    for i, key in enumerate(keys):
        assert t[key][APPLICANT_TYPES[i % 6]] == 1 and t[key]["总计"] == 1
    assert t["total"]["总计"] == t["new"]["总计"] == 21
    assert sum(t["total"][c] for c in APPLICANT_TYPES) == 21
    assert t["carried_forward"]["总计"] == 0
    assert check({"year": 2021, "table2": t}) == []


def test_2019_format_folds_other_sub_rows_into_one_row():
    register = [app(date(2020, 5, 6), "其他", "other.fee_unpaid", date(2020, 6, 1)),
                app(date(2020, 5, 6), "其他", "other.other", date(2020, 6, 1))]
    t = compute_table2(2020, register)
    assert "other.fee_unpaid" not in t and t["other"]["其他"] == 2
    assert check({"year": 2020, "table2": t}) == []
    # and a 2019-style outcome "other" lands in 3.其他 of the 2021 format
    t21 = compute_table2(2021, [app(date(2021, 5, 6), "其他", "other", date(2021, 6, 1))])
    assert t21["other.other"]["其他"] == 1


def test_application_validation():
    with pytest.raises(RegisterError):
        app(date(2021, 1, 4), channel="微信")
    with pytest.raises(RegisterError):
        app(date(2021, 1, 4), applicant="个体户")
    with pytest.raises(RegisterError):
        app(date(2021, 1, 4), outcome="granted")  # closed without a reply date
    with pytest.raises(RegisterError):
        app(date(2021, 1, 4), outcome="no.such.row", replied=date(2021, 1, 5))
    d = app(date(2025, 9, 26), corrected_on=date(2025, 10, 9)).deadline()
    assert d.due == date(2025, 11, 5)


# --- Table 3 -----------------------------------------------------------------

APPEALS = [
    Appeal("行政复议", date(2021, 4, 1), "结果维持", date(2021, 6, 1)),
    Appeal("行政复议", date(2021, 11, 1), "结果纠正", date(2022, 2, 1)),  # pending at 2021's end
    Appeal("行政诉讼-未经复议直接起诉", date(2021, 7, 1), "其他结果", date(2021, 9, 1)),
    Appeal("行政诉讼-复议后起诉", date(2022, 3, 1)),  # still pending
    Appeal("行政复议", date(2020, 3, 1), "结果维持", date(2020, 5, 1)),  # an earlier year
]


def test_table3_hand_worked_across_years():
    t21 = compute_table3(2021, APPEALS)
    assert t21["行政复议"] == {"结果维持": 1, "结果纠正": 0, "其他结果": 0, "尚未审结": 1, "总计": 2}
    assert t21["未经复议直接起诉"]["其他结果"] == t21["未经复议直接起诉"]["总计"] == 1
    assert t21["复议后起诉"]["总计"] == 0
    # a case counts once, in the year it was filed: decided in 2022, it is not counted again
    t22 = compute_table3(2022, APPEALS)
    assert t22["行政复议"] == {"结果维持": 0, "结果纠正": 0, "其他结果": 0, "尚未审结": 0, "总计": 0}
    assert t22["复议后起诉"]["尚未审结"] == t22["复议后起诉"]["总计"] == 1
    assert [a.filed_on for a in decided_later(2022, APPEALS)] == [date(2021, 11, 1)]
    assert compute_table3(2023, APPEALS)["复议后起诉"]["总计"] == 0  # never decided: not counted forever
    assert check({"year": 2022, "table3": t22}) == []
    with pytest.raises(RegisterError):
        Appeal("行政复议", date(2021, 1, 1), "结果维持")  # decided without a date


# --- identities, each broken once on purpose -------------------------------------


def good_2022():
    return {"year": 2022, "table2": compute_table2(2022, REGISTER),
            "table3": compute_table3(2022, APPEALS)}


def test_identity_new_plus_carried_equals_results_plus_forward():
    t = good_2022()
    t["table2"]["new"]["自然人"] += 1
    t["table2"]["new"]["总计"] += 1
    vs = check(t)
    assert {v.column for v in vs} == {"自然人", "总计"}
    assert all("一、本年新收政府信息公开申请数量" in v.message and "四" in v.rule for v in vs)
    assert "“自然人”列" in vs[0].message


def test_identity_total_row_equals_its_parts():
    t = good_2022()
    t["table2"]["granted"]["法律服务机构"] += 1
    t["table2"]["granted"]["总计"] += 1
    vs = check(t)
    assert [(v.row, v.column) for v in vs] == [
        ("（七）总计", "法人或其他组织—法律服务机构"), ("（七）总计", "总计")]
    assert "表三“（七）总计”行、“法人或其他组织—法律服务机构”列" in vs[0].message


def test_identity_total_column_equals_the_six_applicant_columns():
    t = good_2022()
    t["table2"]["new"]["总计"] += 1
    t["table2"]["carried_over"]["总计"] -= 1
    vs = check(t)
    assert [(v.row, v.column, v.expected, v.actual) for v in vs] == [
        ("一、本年新收政府信息公开申请数量", "总计", 2, 3),
        ("二、上年结转政府信息公开申请数量", "总计", 2, 1)]


def test_identity_carry_over_from_last_year():
    t21 = compute_table2(2021, REGISTER)
    t21["carried_forward"]["自然人"] = 5
    vs = check(good_2022(), previous={"year": 2021, "table2": t21})
    assert len(vs) == 1
    assert vs[0].row == "二、上年结转政府信息公开申请数量" and vs[0].column == "自然人"
    assert (vs[0].expected, vs[0].actual) == (5, 1)
    assert "上年报告“四、结转下年度继续办理”" in vs[0].message


def test_identity_table3_totals():
    t = good_2022()
    t["table3"]["行政复议"]["总计"] += 1
    vs = check(t)
    assert len(vs) == 1 and vs[0].table == "表四" and vs[0].column == "行政复议—总计"
    with pytest.raises(ReportInconsistent) as err:
        ensure_consistent(t)
    assert isinstance(err.value, XxgkError) and "行政复议—总计" in str(err.value)


# --- formats ---------------------------------------------------------------------


def test_format_switch_by_year():
    assert format_for_year(2019) is format_for_year(2020) is FORMAT_2019
    assert format_for_year(2021) is format_for_year(2030) is FORMAT_2021
    with pytest.raises(ReportError):
        format_for_year(2018)


def test_2019_and_2021_differences():
    assert len(FORMAT_2021.table2_data_rows) == 25
    assert len(FORMAT_2019.table2_data_rows) == 23  # （六） is a data row itself
    only_2021 = {r.key for r in FORMAT_2021.table2_rows} - {r.key for r in FORMAT_2019.table2_rows}
    assert only_2021 == {"other.no_correction", "other.fee_unpaid", "other.other"}
    assert FORMAT_2019.row("other").has_data and not FORMAT_2021.row("other").has_data
    # Table 1: 6 rows / 10 cells in 2021, no 第（九）项; the 试行 format has it.
    rows21 = FORMAT_2021.table1_rows()
    assert len(rows21) == 6 and sum(len(b.columns) for b, _ in rows21) == 10
    assert "第二十条第（九）项" not in [b.title for b in FORMAT_2021.table1]
    assert "第二十条第（九）项" in [b.title for b in FORMAT_2019.table1]
    assert "其他对外管理服务事项" in [r for _, r in FORMAT_2019.table1_rows()]
    assert len(T2_COLUMNS) == 7 and len(T3_GROUPS) * len(T3_COLUMNS) == 15
    assert "3.危及\u201c三安全一稳定\u201d" in [r.label for r in FORMAT_2021.table2_rows]


def _domain() -> str:
    if not DOMAIN.exists():
        pytest.skip(f"{DOMAIN} not found (CI keeps ../shared beside the repo)")
    return DOMAIN.read_text(encoding="utf-8")


def _code_block_after(text: str, marker: str) -> list[str]:
    rest = text[text.index(marker):]
    block = re.search(r"```\n(.*?)```", rest, re.S)
    assert block, marker
    return [line for line in block.group(1).split("\n") if line.strip()]


def test_table2_labels_verbatim_from_domain():
    lines = _code_block_after(_domain(), "Row labels, verbatim, in order")
    expected = [((len(line) - len(line.lstrip(" "))) // 4, line.strip()) for line in lines]
    by_key = {r.key: r for r in FORMAT_2021.table2_rows}

    def depth(r):
        return 0 if r.parent is None else 1 + depth(by_key[r.parent])

    assert [(depth(r), r.label) for r in FORMAT_2021.table2_rows] == expected


def test_headings_note_and_table_labels_verbatim_from_domain():
    text = _domain()
    assert tuple(_code_block_after(text, "### 1.2 The six parts")) == HEADINGS
    assert _code_block_after(text, "Header block (top-left cell")[0] == T2_NOTE
    t3 = " ".join(_code_block_after(text, "One data row, 15 numeric columns"))
    for label in ("行政复议", "行政诉讼", *T3_GROUPS[1:], *T3_COLUMNS):
        assert label in t3
    # Table 1 of the 2021 format: the markdown table of §1.3
    section = text[text.index("### 1.3"):text.index("### 1.4")]
    for block in FORMAT_2021.table1:
        line = next(x for x in section.splitlines() if x.startswith(f"| {block.title} |"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert [c.strip() for c in cells[2].split("/")] == list(block.columns)
        assert [c.strip() for c in cells[3].split(";")] == list(block.rows)
    section = text[text.index("### 1.6"):]
    for block in FORMAT_2019.table1:
        line = next(x for x in section.splitlines() if x.strip().startswith(f"| {block.title} |"))
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert cells[1] == " / ".join(("信息内容", *block.columns))
        assert [c.strip() for c in cells[2].split(";")] == list(block.rows)


@pytest.mark.parametrize("fmt", [FORMAT_2019, FORMAT_2021], ids=["2019", "2021"])
def test_grids_are_rectangular(fmt):
    table2 = compute_table2(2021 if fmt is FORMAT_2021 else 2020, [])
    for grid in (table1_grid(fmt, {}), table2_grid(fmt, table2), table3_grid({})):
        n_rows, n_cols, placed = place(grid)
        covered = [(r + dr, c + dc) for r, c, cell in placed
                   for dr in range(cell.rowspan) for dc in range(cell.colspan)]
        assert sorted(covered) == [(r, c) for r in range(n_rows) for c in range(n_cols)]


# --- Table 1 -----------------------------------------------------------------

DOCS = {"规章": DocumentCounts(0, 0, 0), "行政规范性文件": DocumentCounts(2, 1, 7)}
FIGURES = {"行政许可": 12, "行政处罚": 3, "行政强制": 0, "行政事业性收费": 0.35}


def test_table1_from_documents_and_figures():
    t = compute_table1(2021, DOCS, FIGURES)
    assert t.complete and t.message == ""
    assert t.cells["行政规范性文件"] == {"本年制发件数": 2, "本年废止件数": 1, "现行有效件数": 7}
    assert t.cells["行政事业性收费"] == {"本年收费金额（单位：万元）": 0.35}


def test_table1_without_figures_lists_what_is_missing():
    t = compute_table1(2021, DOCS, None)
    assert t.missing == ("行政许可（本年处理决定数量）", "行政处罚（本年处理决定数量）",
                         "行政强制（本年处理决定数量）", "行政事业性收费（本年收费金额（单位：万元））")
    assert "行政许可（本年处理决定数量）" in t.message and "figures" in t.message
    md = render_markdown(report(table1=t))
    assert "待填报" in md and t.message in md


def test_table1_bad_figures():
    with pytest.raises(FiguresInvalid, match="行政处罚"):
        compute_table1(2021, DOCS, {**FIGURES, "行政处罚": 1.5})
    with pytest.raises(FiguresInvalid, match="负数"):
        compute_table1(2021, DOCS, {**FIGURES, "行政许可": -1})
    with pytest.raises(FiguresInvalid):
        compute_table1(2021, DOCS, {**FIGURES, "行政强制": "三"})
    # 2019 format: 本年增/减 may be negative; 行政规范性文件 counts fill 规范性文件
    cols = {"上一年项目数量": 4, "本年增/减": -1, "处理决定数量": 9}
    t = compute_table1(2020, {"行政规范性文件": {"本年新制作数量": 1, "本年新公开数量": 1,
                                                 "对外公开总数量": 5}},
                       {"行政许可": cols})
    assert t.cells["行政许可"]["本年增/减"] == -1
    assert t.cells["规范性文件"]["对外公开总数量"] == 5
    assert "政府集中采购（采购总金额）" in t.missing


# --- renders -----------------------------------------------------------------


def report(**overrides):
    r = {
        "year": 2022, "office": "兴华街道办事处", "date": "2023年1月12日",
        "proactive": {"total": 156, "wechat_weibo": 57, "other": 99, "normative_documents": 0,
                      "by_category": {"工作动态": 99, "机构职能": 0},
                      "timely": {"within_20_workdays": 155, "late": ["《关于春季防火的通告》"]}},
        "table1": compute_table1(2022, DOCS, FIGURES),
        "table2": compute_table2(2022, REGISTER),
        "table3": compute_table3(2022, APPEALS),
    }
    r.update(overrides)
    return r


def test_markdown_contains_numbers_and_prose():
    md = render_markdown(report())
    assert SEED_SENTENCE in md
    for heading in HEADINGS:
        assert f"## {heading}" in md
    assert "| 行政规范性文件 | 2 | 1 | 7 |" in md
    assert "| 行政事业性收费 | 0.35 |" in md
    assert "| 二、上年结转政府信息公开申请数量 | 1 | 1 | 0 | 0 | 0 | 0 | 2 |" in md
    assert "| 行政诉讼—复议后起诉 | 0 | 0 | 0 | 1 | 1 |" in md
    assert "新收政府信息公开申请2件" in md and "结转下年度继续办理2件" in md
    assert "1条超过20个工作日公开" in md
    assert "“工作动态”类99条" in md and "机构职能" not in md  # zero categories left out
    named = dict(report()["proactive"], by_category_name={"工作动态": 98, "unclassified": 1})
    assert "“工作动态”类98条、“未分类”类1条" in render_markdown(report(proactive=named))
    assert "【待填写" in md  # 一、五、六 are left for staff


def test_html_lays_out_the_official_headers():
    page = render_html(report())
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<link" not in page
    assert f'<th rowspan="3" colspan="3">{T2_NOTE}</th>' in page
    assert '<th colspan="7">申请人情况</th>' in page
    assert '<th colspan="5">法人或其他组织</th>' in page
    assert '<td rowspan="22" class="label">三、本年度办理结果</td>' in page
    assert '<td rowspan="8" class="label">（三）不予公开</td>' in page
    assert '<th rowspan="2" colspan="5">行政复议</th><th colspan="10">行政诉讼</th>' in page
    assert SEED_SENTENCE in page and "0.35" in page
    # 2020: 试行 format, （六）其他处理 is one row spanning two label columns
    page20 = render_html(report(year=2020, table1=None, table2=compute_table2(2020, []),
                                table3=compute_table3(2020, [])))
    assert '<td colspan="2" class="label">（六）其他处理</td>' in page20
    assert '<td rowspan="20" class="label">三、本年度办理结果</td>' in page20
    assert "第二十条第（九）项" in page20 and "待填报" in page20


def test_csv_per_table():
    files = render_csv(report())
    assert set(files) == {"table1.csv", "table2.csv", "table3.csv"}
    rows = {name: list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
            for name, text in files.items()}
    assert ["第二十条第（八）项", "行政事业性收费", "本年收费金额（单位：万元）", "0.35"] in rows["table1.csv"]
    t2 = {r[0]: r[1:] for r in rows["table2.csv"][1:]}
    assert t2["三、本年度办理结果/（六）其他处理/1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"] \
        == ["0", "0", "1", "0", "0", "0", "1"]
    assert len(t2) == 25
    header, values = rows["table3.csv"]
    assert dict(zip(header, values))["行政诉讼—复议后起诉/尚未审结"] == "1"


def test_json_round_trips_the_numbers():
    r = report()
    doc = json.loads(render_json(r))
    assert doc["format"] == "2021" and doc["table2"] == r["table2"]
    assert doc["table1"]["行政许可"] == {"本年处理决定数量": 12}
    assert [s["heading"] for s in doc["sections"]] == list(HEADINGS)
    # the JSON's Table 1 cells can be fed back in as a plain mapping
    again = render_markdown(report(table1=doc["table1"]))
    assert "| 行政规范性文件 | 2 | 1 | 7 |" in again


def test_renders_refuse_inconsistent_tables():
    bad = report()
    bad["table2"] = copy.deepcopy(bad["table2"])
    bad["table2"]["new"]["自然人"] += 1
    with pytest.raises(ReportInconsistent, match="自然人"):
        render_html(bad)
    assert "表三" in json.loads(render_json(bad, check=False))["violations"][0]
    prev = {"table2": compute_table2(2021, REGISTER)}
    prev["table2"]["carried_forward"]["商业企业"] = 0
    with pytest.raises(ReportInconsistent, match="上年结转"):
        render_markdown(report(), previous=prev)


def test_docx_draft_reads_back():
    docx = pytest.importorskip("docx")
    from pipeline.report.draft import render_docx

    document = docx.Document(io.BytesIO(render_docx(report(), generated=date(2022, 1, 10))))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(HEADINGS)
    text = "\n".join(p.text for p in document.paragraphs)
    assert SEED_SENTENCE in text and "【待填写" in text
    assert len(document.tables) == 3
    t2 = document.tables[1]
    assert len(t2.columns) == 10 and len(t2.rows) == 3 + 25
    row = [c.text for c in t2.rows[4].cells]  # 二、上年结转
    assert row[0] == "二、上年结转政府信息公开申请数量" and row[3:] == ["1", "1", "0", "0", "0", "0", "2"]
    assert t2.cell(0, 0).text == T2_NOTE and t2.cell(2, 2).text == T2_NOTE  # merged 3×3
    t1 = document.tables[0]
    assert any([c.text for c in r.cells][:2] == ["行政许可", "12"] for r in t1.rows)


def test_png_bar_chart_is_a_valid_image_with_one_bar_per_label():
    import struct
    import zlib

    from pipeline.report.charts import PNG_BAR, PNG_GAP, PNG_WIDTH, bar_chart_png

    png = bar_chart_png({"1月": 3, "2月": 0, "3月": 6})
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (PNG_WIDTH, PNG_GAP + 3 * (PNG_BAR + PNG_GAP))
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4:idat])[0]
    raw = zlib.decompress(png[idat + 4:idat + 4 + length])
    rows = [raw[y * (1 + width * 3) + 1:(y + 1) * (1 + width * 3)] for y in range(height)]

    def bar_length(i: int) -> int:  # blue pixels on the middle scanline of bar i
        row = rows[PNG_GAP + i * (PNG_BAR + PNG_GAP) + PNG_BAR // 2]
        return sum(1 for x in range(width) if row[3 * x:3 * x + 3] == bytes((0x4A, 0x6F, 0xA5)))

    assert bar_length(1) == 0 and bar_length(2) > 0 and abs(bar_length(2) - 2 * bar_length(0)) <= 1
