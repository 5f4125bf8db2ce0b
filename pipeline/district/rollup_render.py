"""The district's roll-up in every format the office report has: text, JSON, Markdown,
HTML and CSV. The summed tables are laid out by the office report's own renderers."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable
from typing import Any

from ..registers.formats import T2_TOTAL_COLUMN, T3_GROUPS, T3_TOTAL, t3_group_title
from ..report.layout import fmt_number
from ..report.render import _html_table, _md_table, prepare
from ..report.render import render_csv as tables_csv
from .rollup import Rollup, district_totals, key_figures

# Numbered by the format's parts, as an office's report (and README) numbers them.
TABLE_TITLES = (("table1", "表二 主动公开政府信息情况"), ("table2", "表三 收到和处理政府信息公开申请情况"),
                ("table3", "表四 政府信息公开行政复议、行政诉讼情况"))


def title(roll: Rollup) -> str:
    return f"{roll.district}{roll.year}年政府信息公开工作年度报告汇总"


def _summary(roll: Rollup) -> str:
    return (f"{len(roll.offices)} 个单位，{len(roll.reporting)} 个有报告；{roll.fmt.document}格式；"
            f"发布期限 {roll.deadline.isoformat()}")


def _cell(value: object) -> str:
    return "" if value is None else fmt_number(value) if isinstance(value, (int, float)) else str(value)


def _sum_report(roll: Rollup) -> dict[str, Any]:
    return {"year": roll.year, "office": roll.district, "table1": roll.table1,
            "table2": roll.table2, "table3": roll.table3}


def _check_line(roll: Rollup) -> list[str]:
    if not roll.violations:
        return ["汇总表格的勾稽关系全部成立。"]
    return ["汇总表格不一致："] + [f"- {v}" for v in roll.violations]


def _problem_lines(roll: Rollup) -> list[str]:
    if not roll.problems:
        return ["没有缺报、不一致或逾期的单位。"]
    return [f"- {p.office}（{p.key}）【{p.kind}】{p.detail}" for p in roll.problems]


def render_text(roll: Rollup) -> str:
    header, rows = key_figures(roll)
    lines = [title(roll), _summary(roll), "", "各单位主要数字："]
    table = [header] + [[_cell(v) for v in r] for r in rows + [district_totals(roll)]]
    widths = [max(_width(r[i]) for r in table) for i in range(len(header))]
    lines += ["  " + "  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths)).rstrip() for r in table]
    lines += ["", "表三汇总（总计列，非零行）："]
    for row in roll.fmt.table2_data_rows:
        n = roll.table2[row.key][T2_TOTAL_COLUMN]
        if n:
            lines.append(f"  {row.label} {n} 件")
    lines.append("表四汇总：" + "，".join(f"{t3_group_title(g)} {roll.table3[g][T3_TOTAL]} 件" for g in T3_GROUPS))
    lines.append("表二汇总：" + "；".join(f"{row} " + "/".join(fmt_number(v) for v in cols.values())
                                       for row, cols in roll.table1.items()))
    lines += [""] + _check_line(roll) + ["", "需要处理的单位："] + _problem_lines(roll)
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns a string takes on a terminal (CJK characters take two)."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def render_json(roll: Rollup) -> str:
    header, rows = key_figures(roll)
    doc = {
        "district": roll.district, "year": roll.year, "format": roll.fmt.name,
        "format_document": roll.fmt.document, "deadline": roll.deadline.isoformat(),
        "offices": [{"key": o.key, "name": o.name, "now_named": o.now_named, "uses_xxgk": o.uses_xxgk, "has_report": o.has_report,
                     "missing": o.missing, "published_on": o.published_on, "violations": list(o.violations),
                     "table1_missing": list(o.table1_missing), "proactive": o.proactive,
                     "table1": o.table1, "table2": o.table2, "table3": o.table3} for o in roll.offices],
        "sum": {"table1": roll.table1, "table2": roll.table2, "table3": roll.table3},
        "violations": list(roll.violations),
        "problems": [{"key": p.key, "office": p.office, "kind": p.kind, "detail": p.detail} for p in roll.problems],
        "key_figures": {"header": header, "rows": rows, "total": district_totals(roll)},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"


def render_markdown(roll: Rollup) -> str:
    header, rows = key_figures(roll)

    def md(cells: Iterable[object]) -> str:
        return "| " + " | ".join(_cell(c).replace("|", "\\|") for c in cells) + " |"

    out = [f"# {title(roll)}", "", _summary(roll), "", "## 各单位主要数字", "", md(header),
           md(["---"] * len(header))] + [md(r) for r in rows + [district_totals(roll)]]
    out += ["", "## 需要处理的单位", ""] + _problem_lines(roll)
    prepared = prepare(_sum_report(roll), check=False)
    for table, caption in TABLE_TITLES:
        out += ["", f"## {caption}（汇总）", ""] + _md_table(prepared, table)
    out += [""] + _check_line(roll)
    return "\n".join(out) + "\n"


CSS = """body { font-family: sans-serif; max-width: 64em; margin: 2em auto; line-height: 1.5; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 10.5pt; }
th, td { border: 1px solid #555; padding: 2px 6px; text-align: center; }
td.label { text-align: left; } caption { font-weight: bold; padding: 0.3em; }
.problem { color: #a00; }"""


def render_html(roll: Rollup) -> str:
    e = html.escape
    header, rows = key_figures(roll)
    body = [f"<h1>{e(title(roll))}</h1>", f"<p>{e(_summary(roll))}</p>", "<h2>各单位主要数字</h2>",
            '<table id="offices"><tr>' + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"]
    for r in rows + [district_totals(roll)]:
        body.append("<tr>" + f'<td class="label">{e(_cell(r[0]))}</td>'
                    + "".join(f"<td>{e(_cell(c))}</td>" for c in r[1:]) + "</tr>")
    body += ["</table>", "<h2>需要处理的单位</h2>", '<ul id="problems">']
    body += [f'<li class="problem">{e(p.office)}（{e(p.key)}）【{e(p.kind)}】{e(p.detail)}</li>'
             for p in roll.problems] or ["<li>没有缺报、不一致或逾期的单位。</li>"]
    body.append("</ul>")
    prepared = prepare(_sum_report(roll), check=False)
    for table, caption in TABLE_TITLES:
        body.append(_html_table(prepared.grid(table), f"{caption}（汇总）", table))
    body += [f"<p>{e(line)}</p>" for line in _check_line(roll)]
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{e(title(roll))}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def render_csv(roll: Rollup) -> dict[str, str]:
    """One CSV per table (UTF-8 with BOM, for Excel / WPS): offices.csv, problems.csv, table1–3.csv."""
    header, rows = key_figures(roll)
    files = {"offices.csv": _csv([header] + [[_cell(c) for c in r] for r in rows + [district_totals(roll)]]),
             "problems.csv": _csv([["单位", "代号", "问题", "说明"]]
                                  + [[p.office, p.key, p.kind, p.detail] for p in roll.problems])}
    files.update(tables_csv(_sum_report(roll), check=False))
    return files


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + buf.getvalue()

