"""The district's roll-up of its offices' annual reports for a year.

Every cell of 表二/表三/表四 (numbered by the format's parts, as an office's report numbers them: 二 主动公开,
三 申请, 四 复议诉讼; the code's table1/table2/table3) is the sum of that cell
over the offices that have a report; the format's identities are checked on the sum and
on each office (pipeline/registers/checks.py). The offices whose report is missing,
inconsistent, incomplete or late (after 1月31日) are listed with the reason, and so are the xxgk offices
whose report is still a draft (not frozen by ``xxgk report publish``): their draft figures are summed — in
January the roll-up is a preview of drafts — but marked, as they may still change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..report.annual import FIRST_TABLE_YEAR
from ..registers.checks import check
from ..registers.errors import ReportError
from ..registers.formats import T2_TOTAL_COLUMN, T3_TOTAL, ReportFormat, format_for_year
from ..registers.records import empty_table2, empty_table3
from .config import District
from .tables import OfficeYear, deadline_for, office_year

MISSING, INCONSISTENT, INCOMPLETE, LATE, DRAFT = "未报送", "数据不一致", "表二未填全", "逾期发布", "草稿"
UNFILLED = "表三表四未填报"


@dataclass(frozen=True)
class Problem:
    key: str
    office: str
    kind: str  # MISSING | INCONSISTENT | INCOMPLETE | UNFILLED | LATE | DRAFT
    detail: str


@dataclass(frozen=True)
class Rollup:
    district: str
    year: int
    today: date
    fmt: ReportFormat
    offices: tuple[OfficeYear, ...]
    table1: dict[str, Any]
    table2: dict[str, Any]
    table3: dict[str, Any]
    violations: tuple[str, ...]  # identities broken by the sums
    problems: tuple[Problem, ...] = field(default=())

    @property
    def reporting(self) -> tuple[OfficeYear, ...]:
        return tuple(o for o in self.offices if o.has_report)

    @property
    def deadline(self) -> date:
        return deadline_for(self.year)


def district_rollup(district: District, year: int, today: date) -> Rollup:
    """Read every office's year and roll them up."""
    check_year(year)
    return rollup(district.name, year, today, [office_year(district, e, year) for e in district.offices])


def check_year(year: int) -> None:
    if year < FIRST_TABLE_YEAR:
        raise ReportError(f"{year}年早于2019年的报告格式（修订后的《条例》2019年5月15日施行），没有表格可汇总")


def rollup(district: str, year: int, today: date, offices: Iterable[OfficeYear]) -> Rollup:
    """Sum the offices' tables (pure: the offices are given)."""
    offices = tuple(offices)
    fmt = format_for_year(year)
    reporting = [o for o in offices if o.has_report]
    table1 = sum_table1(fmt, [o.table1 for o in reporting])
    table2 = _sum_cells(empty_table2(fmt), [o.table2 for o in reporting])
    table3 = _sum_cells(empty_table3(), [o.table3 for o in reporting])
    violations = tuple(v.message for v in check({"year": year, "table2": table2, "table3": table3}))
    problems = tuple(p for o in offices for p in office_problems(o, today))
    return Rollup(district, year, today, fmt, offices, table1, table2, table3, violations, problems)


def _sum_cells(total: dict[str, Any], tables: list[dict[str, Any]]) -> dict[str, Any]:
    for table in tables:
        for row, cells in total.items():
            for column in cells:
                cells[column] += (table.get(row) or {}).get(column, 0) or 0
    return total


def sum_table1(fmt: ReportFormat, tables: list[dict[str, Any]]) -> dict[str, Any]:
    """表二 (主动公开) summed cell by cell; a cell no office filled in stays None (待填报)."""
    out: dict[str, Any] = {}
    for block, row in fmt.table1_rows():
        out[row] = {}
        for column in block.columns:
            values = [v for t in tables if (v := (t.get(row) or {}).get(column)) is not None]
            total = sum(values) if values else None
            out[row][column] = round(total, 4) if isinstance(total, float) else total
    return out


def office_problems(office: OfficeYear, today: date) -> list[Problem]:
    """What the district must chase for this office's report."""
    def problem(kind: str, detail: str) -> Problem:
        return Problem(office.key, office.label, kind, detail)

    if not office.has_report:
        return [problem(MISSING, office.missing)]
    out = [problem(INCONSISTENT, v) for v in office.violations]
    if office.draft:  # summed all the same (January's roll-up is of drafts), but its figures may still change
        out.append(problem(DRAFT, "报告尚未用 xxgk report publish 发布，汇总中该单位的数字取自草稿，发布前仍可能变动"
                                  + ("；目录中已有该年度报告，请核对后发布" if office.published_on else "")))
    if office.table1_missing:
        out.append(problem(INCOMPLETE, "缺少 " + "、".join(office.table1_missing)))
    if office.unfilled:
        out.append(problem(UNFILLED, office.unfilled))
    deadline = deadline_for(office.year)
    if office.published_on is not None and office.published_on > deadline:
        out.append(problem(LATE, f"{office.published_on.isoformat()} 发布，晚于 {deadline.isoformat()}"))
    elif office.published_on is None and today > deadline:
        out.append(problem(LATE, f"截至 {today.isoformat()} 未见发布（期限 {deadline.isoformat()}）"))
    return out


# -- the side-by-side table of each office's key figures -----------------------------------------

def _t1(row: str, word: str) -> Callable[[OfficeYear], object]:
    """The first 表二 (主动公开) cell of ``row`` whose column names ``word`` (the formats differ in wording)."""
    def get(o: OfficeYear) -> object:
        cells = o.table1.get(row) or o.table1.get({"行政规范性文件": "规范性文件"}.get(row, "")) or {}
        return next((v for c, v in cells.items() if word in c), None)
    return get


KEY_FIGURES: tuple[tuple[str, Callable[[OfficeYear], object]], ...] = (
    ("主动公开", lambda o: o.proactive.get("total")),
    ("其中政务微博、微信", lambda o: o.proactive.get("wechat_weibo")),
    ("规范性文件制发", _t1("行政规范性文件", "制")),
    ("行政许可", _t1("行政许可", "处理决定")),
    ("行政处罚", _t1("行政处罚", "处理决定")),
    ("新收申请", lambda o: o.table2["new"][T2_TOTAL_COLUMN]),
    ("上年结转", lambda o: o.table2["carried_over"][T2_TOTAL_COLUMN]),
    ("办结", lambda o: o.table2["total"][T2_TOTAL_COLUMN]),
    ("结转下年", lambda o: o.table2["carried_forward"][T2_TOTAL_COLUMN]),
    ("行政复议", lambda o: o.table3["行政复议"][T3_TOTAL]),
    ("行政诉讼", lambda o: o.table3["未经复议直接起诉"][T3_TOTAL] + o.table3["复议后起诉"][T3_TOTAL]),
    ("20个工作日内公开", lambda o: None if o.share_timely is None else f"{o.share_timely * 100:.1f}%"),
    ("报告发布日期", lambda o: o.published_on.isoformat() if o.published_on else None),
)


def key_figures(roll: Rollup) -> tuple[list[str], list[list[object]]]:
    """Header and one row per office (missing offices: their name and 未报送)."""
    header = ["单位"] + [name for name, _ in KEY_FIGURES]
    rows: list[list[object]] = []
    for o in roll.offices:
        if not o.has_report:
            rows.append([o.label] + [MISSING] + [None] * (len(KEY_FIGURES) - 1))
            continue
        rows.append([o.label] + [get(o) for _, get in KEY_FIGURES])
    return header, rows


def district_totals(roll: Rollup) -> list[object]:
    """The district's row of the key figures: sums where a sum means something."""
    reporting = roll.reporting
    row: list[object] = [f"{roll.district}合计"]
    for name, get in KEY_FIGURES:
        values = [v for o in reporting if isinstance(v := get(o), (int, float)) and not isinstance(v, bool)]
        row.append(sum(values) if values and name not in ("20个工作日内公开", "报告发布日期") else None)
    return row


__all__ = ["DRAFT", "INCOMPLETE", "INCONSISTENT", "KEY_FIGURES", "LATE", "MISSING", "Problem", "Rollup", "UNFILLED",
           "district_rollup", "district_totals", "key_figures", "office_problems", "rollup", "sum_table1"]
