"""The arithmetic identities of Tables 2 and 3 (DOMAIN.md §1.4–1.5).

Table 2, per column: 一 + 二 = 三（七）总计 + 四 (the header note of the format);
（七）总计 = the sum of the result rows; 总计 column = the six applicant columns;
this year's 二 = last year's 四. Table 3: each 总计 = its four results.
Each violation names the table, row and column in Chinese, numbered as the format
numbers them by part: 表三 is the code's ``table2`` (申请), 表四 its ``table3`` (复议、诉讼).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.registers.errors import ReportInconsistent
from pipeline.registers.formats import (
    APPLICANT_TYPES,
    T2_COLUMNS,
    T2_TOTAL_COLUMN,
    T3_GROUPS,
    T3_RESULTS,
    T3_TOTAL,
    ReportFormat,
    column_title,
    format_for_year,
    t3_group_title,
)

__all__ = ["ReportInconsistent", "Violation", "check", "ensure_consistent"]


@dataclass(frozen=True)
class Violation:
    table: str  # 表三 (申请) / 表四 (复议、诉讼), the format's numbering
    row: str  # row label(s), verbatim
    column: str  # column label
    expected: int | float
    actual: int | float
    rule: str  # the identity, in words

    @property
    def message(self) -> str:
        return (f"{self.table}“{self.row}”行、“{self.column}”列：{self.rule}，"
                f"应为 {_n(self.expected)}，实为 {_n(self.actual)}")

    def __str__(self) -> str:
        return self.message


def _n(x: int | float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def check(tables: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> list[Violation]:
    """All identity violations of ``tables`` (``{"year", "table2", "table3"}``).

    ``previous`` is last year's tables (or its Table 2 alone, as
    ``{"table2": …}``); when given, this year's 二 is compared with its 四.
    """
    out: list[Violation] = []
    year = tables.get("year")
    if tables.get("table2") is not None:
        fmt = _format(tables["table2"], year)
        out += _table2(fmt, tables["table2"])
        if previous is not None and previous.get("table2") is not None:
            out += _carry_over(fmt, tables["table2"], previous["table2"])
    if tables.get("table3") is not None:
        out += _table3(tables["table3"])
    return out


def ensure_consistent(tables: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`ReportInconsistent` listing every violation, if any."""
    violations = check(tables, previous)
    if violations:
        raise ReportInconsistent(violations)


def _format(table2: Mapping[str, Any], year: int | None) -> ReportFormat:
    if year is not None:
        return format_for_year(year)
    # no year given: the 2021 format is the one with （六） sub-rows
    return format_for_year(2021 if "other.no_correction" in table2 else 2020)


def _cell(table2: Mapping[str, Any], key: str, col: str) -> int | float:
    return (table2.get(key) or {}).get(col, 0) or 0


def _table2(fmt: ReportFormat, t: Mapping[str, Any]) -> list[Violation]:
    label = {r.key: r.label for r in fmt.table2_rows}
    results = [k for k in fmt.outcome_keys]
    out: list[Violation] = []
    for col in T2_COLUMNS:
        name = column_title(col)
        lhs = _cell(t, "new", col) + _cell(t, "carried_over", col)
        rhs = _cell(t, "total", col) + _cell(t, "carried_forward", col)
        if lhs != rhs:
            out.append(Violation(
                "表三", f"{label['new']}”+“{label['carried_over']}", name, rhs, lhs,
                f"一＋二应等于三（七）总计＋四（{_n(_cell(t, 'total', col))}＋"
                f"{_n(_cell(t, 'carried_forward', col))}）"))
        parts = sum(_cell(t, k, col) for k in results)
        if _cell(t, "total", col) != parts:
            out.append(Violation("表三", label["total"], name, parts, _cell(t, "total", col),
                                 "（七）总计应等于（一）至（六）各项之和"))
    for row in fmt.table2_data_rows:
        parts = sum(_cell(t, row.key, c) for c in APPLICANT_TYPES)
        if _cell(t, row.key, T2_TOTAL_COLUMN) != parts:
            out.append(Violation("表三", row.label, T2_TOTAL_COLUMN, parts,
                                 _cell(t, row.key, T2_TOTAL_COLUMN),
                                 "总计列应等于自然人与法人或其他组织五列之和"))
    return out


def _carry_over(fmt: ReportFormat, t: Mapping[str, Any], prev: Mapping[str, Any]) -> list[Violation]:
    label = fmt.row("carried_over").label
    out = []
    for col in T2_COLUMNS:
        expected = _cell(prev, "carried_forward", col)
        if _cell(t, "carried_over", col) != expected:
            out.append(Violation("表三", label, column_title(col), expected,
                                 _cell(t, "carried_over", col),
                                 "本年“二、上年结转”应等于上年报告“四、结转下年度继续办理”"))
    return out


def _table3(t: Mapping[str, Any]) -> list[Violation]:
    out = []
    for group in T3_GROUPS:
        cells = t.get(group) or {}
        parts = sum(cells.get(r, 0) or 0 for r in T3_RESULTS)
        total = cells.get(T3_TOTAL, 0) or 0
        if total != parts:
            out.append(Violation("表四", "行政复议、行政诉讼情况", f"{t3_group_title(group)}—{T3_TOTAL}",
                                 parts, total, "总计应等于结果维持、结果纠正、其他结果、尚未审结之和"))
    return out
