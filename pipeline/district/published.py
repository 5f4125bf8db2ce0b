"""The published tables of an office that does not use xxgk, typed in from its report.

One TOML file per year, ``<figures folder>/<year>.toml`` (``xxgk district template --year Y``
prints one to fill in)::

    published_on = 2022-01-25        # 发布日期: when the report went on the web (1月31日 deadline)
    office = "两家子满族乡人民政府"     # optional: the office's name as the report printed it (renamed since)

    [proactive]                      # optional: the 主动公开 figures the report's text gives
    "主动公开政府信息数量" = 120
    "政务微博、微信公开" = 40

    [table1]                         # 表二 主动公开, as in the office figures file (pipeline/registers/figures.py)
    "行政许可" = 3
    [table1."行政规范性文件"]
    "本年制发件数" = 1

    [table2]                         # 表三 申请: per row 7 numbers, in the columns' order; rows left out are 0
    "一、本年新收政府信息公开申请数量" = [2, 1, 0, 0, 0, 0, 3]

    [table3]                         # 表四 复议诉讼: per group 5 numbers (结果维持 … 总计)
    "行政复议" = [1, 0, 0, 0, 1]

Rows are named by their label as printed (numbering optional, quotes either way) or by the
key ``pipeline.registers.formats`` uses. Nothing here is computed: the file holds what the office
printed, and the roll-up checks it like any other office's tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..registers.errors import FiguresInvalid
from ..registers.figures import read_year_file
from ..registers.formats import (APPLICANT_TYPES, T2_COLUMNS, T3_COLUMNS, T3_GROUPS, ReportFormat,
                              column_title, format_for_year, t3_group_title)
from ..registers.records import compute_table1, empty_table2, empty_table3

# The tables as an office's report numbers them (by the format's parts: 二 主动公开, 三 申请, 四 复议诉讼).
ALIASES = {"表二": "table1", "表三": "table2", "表四": "table3", "主动公开": "proactive", "发布日期": "published_on"}
PROACTIVE_LABELS = {"主动公开政府信息数量": "total", "政务微博、微信公开": "wechat_weibo", "其他方式公开": "other"}


@dataclass(frozen=True)
class PublishedReport:
    """What one office's report for a year printed (a missing file: ``exists`` False)."""

    path: Path
    exists: bool
    published_on: date | None = None
    office: str = ""  # the name the report printed, when the file gives it (the office was renamed since)
    date: str = ""
    proactive: dict[str, int] = field(default_factory=dict)
    table1: dict[str, Any] = field(default_factory=dict)
    table1_missing: tuple[str, ...] = ()
    table2: dict[str, Any] = field(default_factory=dict)
    table3: dict[str, Any] = field(default_factory=dict)
    unfilled: str = ""  # the tables the file leaves out whole (rows left out are 0; a table left out is a gap)


def load_published(folder: Path, year: int) -> PublishedReport:
    """Read ``folder/<year>.toml``; FiguresInvalid (in Chinese, naming the file) on a bad value."""
    path, raw = read_year_file(folder, year, ALIASES)
    if raw is None:
        return PublishedReport(path, exists=False)
    known = {"published_on", "office", "date", "proactive", "table1", "table2", "table3"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise FiguresInvalid(f"{path}: 未知的项 {unknown[0]!r}（应为 published_on、office、date、[proactive]、"
                             f"[table1]、[table2]、[table3]）")
    office = raw.get("office", "")
    if not isinstance(office, str):
        raise FiguresInvalid(f'{path}: office 应为报告上印的单位名称（加引号），如 office = "两家子满族乡人民政府"')
    fmt = format_for_year(year)
    published_on = raw.get("published_on")
    if published_on is not None and not isinstance(published_on, date):
        raise FiguresInvalid(f"{path}: published_on 应为日期，如 published_on = {year + 1}-01-20（不加引号）")
    try:
        table1 = compute_table1(year, None, _table(raw, "table1", path))
    except FiguresInvalid as e:
        raise FiguresInvalid(f"{path}: {e}") from None
    return PublishedReport(
        path, True, published_on, office.strip(), str(raw.get("date", "")),
        _proactive(_table(raw, "proactive", path), path), table1.cells, table1.missing,
        _table2(fmt, _table(raw, "table2", path), path), _table3(_table(raw, "table3", path), path),
        unfilled_tables(raw, path),
    )


def unfilled_tables(raw: dict[str, Any], path: Path) -> str:
    """Pure: why the file cannot be summed as counted when it leaves 表三 or 表四 out whole ("" when
    both are there: an office with nothing to count writes the table empty, `[table2]`)."""
    absent = [label for key, label in (("table2", "表三（依申请公开）"), ("table3", "表四（行政复议、行政诉讼）"))
              if key not in raw]
    if not absent:
        return ""
    return (f"{path} 没有{'、'.join(absent)}，汇总按 0 计入；如确实为 0，请在文件中写出空表"
            f"（{'、'.join('[' + k + ']' for k in ('table2', 'table3') if k not in raw)}）")


def _table(raw: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise FiguresInvalid(f"{path}: [{key}] 应为表（table）")
    return value


def _proactive(values: dict[str, Any], path: Path) -> dict[str, int]:
    out = {}
    for label, value in values.items():
        if label not in PROACTIVE_LABELS:
            raise FiguresInvalid(f"{path}: [proactive] 中的 {label!r} 应为 {'、'.join(PROACTIVE_LABELS)} 之一")
        out[PROACTIVE_LABELS[label]] = _count(value, f"{path}: [proactive] {label}")
    return out


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FiguresInvalid(f"{where} 应为非负整数，实际为 {value!r}")
    return value


def _numbers(value: object, width: int, where: str, columns: str) -> list[int]:
    if not isinstance(value, list) or len(value) != width:
        raise FiguresInvalid(f"{where} 应为 {width} 个数的列表（{columns}），实际为 {value!r}")
    return [_count(v, where) for v in value]


def normal_label(text: str) -> str:
    """A label as typed → comparable: no spaces, one kind of quotes."""
    text = re.sub(r"\s+", "", text)
    return text.translate(str.maketrans("“”＂", '"""'))


def _bare(label: str) -> str:
    """（三）不予公开 → 不予公开, 1.属于国家秘密 → 属于国家秘密, 一、本年… → 本年…"""
    return re.sub(r"^(（[一二三四五六七]）|\d+[.．、]|[一二三四]、)", "", label)


def row_names(fmt: ReportFormat) -> dict[str, str]:
    """Every name a Table 2 data row may be typed with → its key (ambiguous bare labels left out)."""
    names: dict[str, str] = {}
    bare: dict[str, set[str]] = {}
    for row in fmt.table2_data_rows:
        names[row.key] = row.key
        names[normal_label(row.label)] = row.key
        bare.setdefault(_bare(normal_label(row.label)), set()).add(row.key)
    names.update({b: keys.pop() for b, keys in bare.items() if len(keys) == 1 and b not in names})
    return names


def _table2(fmt: ReportFormat, values: dict[str, Any], path: Path) -> dict[str, Any]:
    table = empty_table2(fmt)
    names = row_names(fmt)
    columns = "、".join(map(column_title, T2_COLUMNS))
    for label, numbers in values.items():
        key = names.get(normal_label(label))
        if key is None:
            raise FiguresInvalid(f"{path}: [table2] 中的 {label!r} 不是 {fmt.document} 格式表三的行")
        row = _numbers(numbers, len(T2_COLUMNS), f"{path}: [table2] {label}", columns)
        table[key] = dict(zip(T2_COLUMNS, row))
    return table


def _table3(values: dict[str, Any], path: Path) -> dict[str, Any]:
    table = empty_table3()
    names = {normal_label(t3_group_title(g)): g for g in T3_GROUPS} | {g: g for g in T3_GROUPS}
    for label, numbers in values.items():
        group = names.get(normal_label(label))
        if group is None:
            raise FiguresInvalid(f"{path}: [table3] 中的 {label!r} 应为 {'、'.join(T3_GROUPS)} 之一")
        row = _numbers(numbers, len(T3_COLUMNS), f"{path}: [table3] {label}", "、".join(T3_COLUMNS))
        table[group] = dict(zip(T3_COLUMNS, row))
    return table


def published_template(year: int) -> str:
    """A file to fill in with what an office's report for ``year`` printed (all zeros)."""
    fmt = format_for_year(year)
    lines = [f"# {year}年政府信息公开工作年度报告中已发布的表格（{fmt.document}格式），照报告填写",
             f"published_on = {year + 1}-01-31  # 发布日期（不加引号）",
             '# office = "报告上印的单位名称"  # 单位此后更名的，填报告上的旧名；未更名不填', "",
             "[proactive]  # 正文中的主动公开数字，可选",
             *[f'"{label}" = 0' for label in PROACTIVE_LABELS], "",
             f"[table2]  # 表三：每行 7 个数（{'、'.join(APPLICANT_TYPES)}、总计）；未填的行为 0"]
    lines += [f'"{row.label}" = [0, 0, 0, 0, 0, 0, 0]' for row in fmt.table2_data_rows]
    lines += ["", f"[table3]  # 表四：每组 5 个数（{'、'.join(T3_COLUMNS)}）"]
    lines += [f'"{g}" = [0, 0, 0, 0, 0]' for g in T3_GROUPS]
    lines += ["", "[table1]  # 表二（主动公开）"]
    nested = []
    for block in fmt.table1:
        for row in block.rows:
            if len(block.columns) == 1:
                lines.append(f'"{row}" = 0' + ("  # 万元" if "万元" in block.columns[0] else ""))
            else:
                nested += ["", f'[table1."{row}"]'] + [f'"{c}" = 0' for c in block.columns]
    return "\n".join(lines + nested) + "\n"
