"""Render the annual report: Markdown, printable HTML, CSV per table, JSON.

Input is a plain dict::

    {"year": 2021, "office": "兴华街道办事处", "date": "2022年1月12日" (optional),
     "proactive": {"total", "wechat_weibo", "other", "normative_documents",
                   "by_category": {name: n},
                   "timely": {"within_20_workdays": n, "late": [str | {title, formed_on,
                              published_on, workdays}]}},
     "table1": Table1 | {row: {column: value}} | None,
     "table2": {row key: {applicant column: n}}, "table3": {group: {result: n}},
     "prose": {heading: text} (optional: what staff wrote for 一、五、六),
     "charts": {title: {label: n}} (optional: SVG bar charts in the HTML, part 二)}

Every renderer checks the identities first and raises ``ReportInconsistent``
unless ``check=False``; missing Table 1 figures are shown, not raised.
The .docx draft is in ``pipeline.report.draft``.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.report.charts import bar_chart_svg
from pipeline.registers.checks import Violation, check as check_tables
from pipeline.registers.errors import ReportInconsistent
from pipeline.registers.formats import (
    T1_FIRST_COLUMN,
    T2_COLUMNS,
    T2_NOTE,
    T3_COLUMNS,
    T3_GROUPS,
    ReportFormat,
    column_title,
    format_for_year,
    t3_group_title,
)
from pipeline.report.layout import Grid, fmt_number, table1_grid, table2_grid, table3_grid
from pipeline.report.prose import Section, preamble, sections, title
from pipeline.registers.records import Table1, compute_table1

__all__ = ["Prepared", "prepare", "render_body", "render_csv", "render_html", "render_json", "render_markdown"]


@dataclass(frozen=True)
class Prepared:
    """A report dict resolved against its format, checked, ready to print."""

    report: Mapping[str, Any]
    fmt: ReportFormat
    table1: Table1
    violations: tuple[Violation, ...]

    @property
    def sections(self) -> list[Section]:
        return sections(self.report, self.fmt, self.table1.message)

    def grid(self, table: str) -> Grid:
        if table == "table1":
            return table1_grid(self.fmt, self.table1.cells)
        if table == "table2":
            return table2_grid(self.fmt, self.report.get("table2") or {})
        return table3_grid(self.report.get("table3") or {})


def prepare(report: Mapping[str, Any], *, previous: Mapping[str, Any] | None = None, check: bool = True) -> Prepared:
    """Resolve the format and Table 1, and check the identities (raise unless ``check=False``)."""
    year = int(report["year"])
    fmt = format_for_year(year)
    t1 = report.get("table1")
    if not isinstance(t1, Table1):
        # a plain cells mapping (e.g. read back from JSON) or nothing at all
        t1 = compute_table1(year, None, t1 or None)
    violations = tuple(check_tables(report, previous))
    if check and violations:
        raise ReportInconsistent(list(violations))
    return Prepared(report, fmt, t1, violations)


# --- Markdown ----------------------------------------------------------------


def render_markdown(report: Mapping[str, Any], *, previous: Mapping[str, Any] | None = None, check: bool = True) -> str:
    p = prepare(report, previous=previous, check=check)
    out = [f"# {title(report)}", "", preamble(report, p.fmt), ""]
    for s in p.sections:
        out += [f"## {s.heading}", ""]
        for para in s.paragraphs:
            out += [para.text, ""]
        if s.table:
            out += [f"**{s.table_title}**", ""] + [f"> {n}" for n in s.notes]
            out += ([""] if s.notes else []) + _md_table(p, s.table) + [""]
    out += _signature(report)
    return "\n".join(out).rstrip() + "\n"


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _md_table(p: Prepared, table: str) -> list[str]:
    lines: list[str] = []
    if table == "table1":
        for block in p.fmt.table1:
            lines += [f"*{block.title}*", "", _md_row([T1_FIRST_COLUMN, *block.columns]),
                      _md_row(["---"] * (1 + len(block.columns)))]
            for row in block.rows:
                values = p.table1.cells.get(row) or {}
                lines.append(_md_row([row] + [fmt_number(values.get(c)) for c in block.columns]))
            lines.append("")
        return lines[:-1]
    if table == "table2":
        t = p.report.get("table2") or {}
        lines = [f"*{T2_NOTE}*", "", _md_row(["", *map(column_title, T2_COLUMNS)]),
                 _md_row(["---"] * (1 + len(T2_COLUMNS)))]
        depth = {r.key: (0 if r.parent is None else 1 + (r.parent != "results"))
                 for r in p.fmt.table2_rows}
        for r in p.fmt.table2_rows:
            label = "　" * depth[r.key] + r.label
            cells = [fmt_number((t.get(r.key) or {}).get(c, 0)) if r.has_data else ""
                     for c in T2_COLUMNS]
            lines.append(_md_row([label, *cells]))
        return lines
    t = p.report.get("table3") or {}
    lines = [_md_row(["", *T3_COLUMNS]), _md_row(["---"] * (1 + len(T3_COLUMNS)))]
    for g in T3_GROUPS:
        lines.append(_md_row([t3_group_title(g)] + [fmt_number((t.get(g) or {}).get(c, 0))
                                                   for c in T3_COLUMNS]))
    return lines


def _signature(report: Mapping[str, Any]) -> list[str]:
    lines = ["", report["office"]]
    if report.get("date"):
        lines.append(str(report["date"]))
    return lines


# --- HTML --------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
body { font-family: "FangSong_GB2312", "仿宋_GB2312", "FangSong", "仿宋", "STFangsong", "Noto Serif CJK SC", serif;
       font-size: 16pt; line-height: 1.6; max-width: 52em; margin: 2em auto; padding: 0 1em; color: #000; }
h1 { font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "SimSun", "宋体", "Noto Serif CJK SC", serif;
     text-align: center; font-size: 22pt; font-weight: normal; }
h2 { font-family: "SimHei", "黑体", "Heiti SC", "Noto Sans CJK SC", sans-serif; font-size: 16pt; margin-top: 1.2em; }
p { text-indent: 2em; margin: 0.3em 0; }
.placeholder { color: #b00; border: 1px dashed #b00; padding: 0 .2em; }
p.note { color: #b00; text-indent: 0; font-size: 12pt; }
p.signature { text-align: right; text-indent: 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0 1em; font-size: 10.5pt; page-break-inside: avoid; }
th, td { border: 1px solid #000; padding: 2px 4px; text-align: center; vertical-align: middle; }
td.label { text-align: left; min-width: 5em; }
caption { font-weight: bold; padding: 0.3em; }
figure.chart { margin: 0.4em 0; page-break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; }
@media (max-width: 40rem) { body { font-size: 13pt; margin: 1em auto; } h1 { font-size: 18pt; } }
@media print { body { max-width: none; margin: 0; padding: 0; } .table-wrap { overflow: visible; } }
"""


def render_body(report: Mapping[str, Any], *, previous: Mapping[str, Any] | None = None, check: bool = True) -> str:
    """The report itself as an HTML fragment (title, text, charts, tables, 落款): what the
    printable file and the site's report page both show."""
    p = prepare(report, previous=previous, check=check)
    e = html.escape
    body = [f"<h1>{e(title(report))}</h1>", f"<p>{e(preamble(report, p.fmt))}</p>"]
    for s in p.sections:
        body.append(f"<h2>{e(s.heading)}</h2>")
        for para in s.paragraphs:
            cls = ' class="placeholder"' if para.placeholder else ""
            body.append(f"<p{cls}>{e(para.text)}</p>")
        for note in s.notes:
            body.append(f'<p class="note">{e(note)}</p>')
        if s.table == "table1":
            body += [f'<figure class="chart">{bar_chart_svg(name, data)}</figure>'
                     for name, data in (report.get("charts") or {}).items() if data]
        if s.table:
            body.append(_html_table(p.grid(s.table), s.table_title, s.table))
    body.append(f'<p class="signature">{e(report["office"])}</p>')
    if report.get("date"):
        body.append(f'<p class="signature">{e(str(report["date"]))}</p>')
    return "\n".join(body) + "\n"


def render_html(report: Mapping[str, Any], *, previous: Mapping[str, Any] | None = None, check: bool = True) -> str:
    """A self-contained printable page (A4, the tables laid out as the format prints them)."""
    body = render_body(report, previous=previous, check=check)
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title(report))}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + body + "</body>\n</html>\n")


def _html_table(grid: Grid, caption: str, table_id: str) -> str:
    e = html.escape
    rows = []
    for line in grid:
        cells = []
        for c in line:
            tag = "th" if c.header else "td"
            attrs = "" if c.rowspan == 1 else f' rowspan="{c.rowspan}"'
            attrs += "" if c.colspan == 1 else f' colspan="{c.colspan}"'
            attrs += "" if c.header or c.numeric else ' class="label"'
            cells.append(f"<{tag}{attrs}>{e(c.text)}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table-wrap"><table id="{table_id}">\n<caption>{e(caption)}</caption>\n'
            + "\n".join(rows) + "\n</table></div>")


# --- CSV and JSON ------------------------------------------------------------


def render_csv(report: Mapping[str, Any], *, previous: Mapping[str, Any] | None = None,
               check: bool = True) -> dict[str, str]:
    """One CSV per table: ``{"table1.csv": text, …}``. Each starts with a UTF-8 BOM
    so that Excel and WPS open the Chinese correctly."""
    p = prepare(report, previous=previous, check=check)
    t2, t3 = report.get("table2") or {}, report.get("table3") or {}
    rows1 = [["区块", T1_FIRST_COLUMN, "指标", "数值"]]
    for block in p.fmt.table1:
        for row in block.rows:
            values = p.table1.cells.get(row) or {}
            rows1 += [[block.title, row, c, _csv_value(values.get(c))] for c in block.columns]
    by_key = {r.key: r for r in p.fmt.table2_rows}
    rows2 = [["项目", *map(column_title, T2_COLUMNS)]]
    for r in p.fmt.table2_data_rows:
        path, up = [r.label], r
        while up.parent is not None:
            up = by_key[up.parent]
            path.insert(0, up.label)
        rows2.append(["/".join(path)] + [str((t2.get(r.key) or {}).get(c, 0)) for c in T2_COLUMNS])
    rows3 = [[f"{t3_group_title(g)}/{c}" for g in T3_GROUPS for c in T3_COLUMNS],
             [str((t3.get(g) or {}).get(c, 0)) for g in T3_GROUPS for c in T3_COLUMNS]]
    return {name: _csv_text(rows) for name, rows in
            (("table1.csv", rows1), ("table2.csv", rows2), ("table3.csv", rows3))}


def _csv_value(v: object) -> str:
    return "" if v is None else fmt_number(v)


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + buf.getvalue()


def render_json(report: Mapping[str, Any], *, previous: Mapping[str, Any] | None = None, check: bool = True) -> str:
    """The report's numbers and generated text as JSON (stable key order)."""
    p = prepare(report, previous=previous, check=check)
    doc = {
        "year": p.report["year"],
        "office": p.report["office"],
        "title": title(p.report),
        "format": p.fmt.name,
        "format_document": p.fmt.document,
        "proactive": p.report.get("proactive") or {},
        "table1": p.table1.cells,
        "table1_missing": list(p.table1.missing),
        "table2": p.report.get("table2") or {},
        "table3": p.report.get("table3") or {},
        "sections": [{"heading": s.heading,
                      "paragraphs": [{"text": x.text, "placeholder": x.placeholder}
                                     for x in s.paragraphs]} for s in p.sections],
        "violations": [v.message for v in p.violations],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"
