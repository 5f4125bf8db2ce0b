"""One office's year as the district sees it: its three tables, its key figures, when its
report was published and what is wrong with it — from its own store and figures file
(an office run by xxgk, through pipeline.report.annual) or from its published tables
(an office not using xxgk, pipeline/district/published.py)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, tzinfo
from typing import Any

from ..errors import XxgkError
from ..registers.checks import check
from ..store import Store
from .config import District, OfficeEntry
from .published import load_published
from ..models import local_date

# 条例第四十九条: reports by 1月31日 (for 乡镇/街道 in practice; DOMAIN.md §2 第四十九条).
DEADLINE_MONTH_DAY = (1, 31)


def deadline_for(year: int) -> date:
    return date(year + 1, *DEADLINE_MONTH_DAY)


@dataclass(frozen=True)
class OfficeYear:
    """What the district knows of one office's report for a year."""

    key: str
    name: str  # as the report printed it (a published report keeps the name the office had)
    year: int
    uses_xxgk: bool
    missing: str = ""  # why there is no report at all ("" when there is one)
    table1: dict[str, Any] = field(default_factory=dict)
    table1_missing: tuple[str, ...] = ()
    table2: dict[str, Any] = field(default_factory=dict)
    table3: dict[str, Any] = field(default_factory=dict)
    proactive: dict[str, Any] = field(default_factory=dict)  # total, wechat_weibo, other (when known)
    share_timely: float | None = None  # items published within 20 working days (xxgk offices)
    published_on: date | None = None
    violations: tuple[str, ...] = ()
    # an xxgk office's report not yet frozen by `xxgk report publish`: its figures are the nightly draft's
    draft: bool = False
    # why 表三/表四 are not counts ("" when they are): a year before the office's register, a figures
    # file leaving a table out; summed as 0 all the same, and listed for the district to chase
    unfilled: str = ""
    now_named: str = ""  # the office's name today when its report printed another ("" when the same)

    @property
    def has_report(self) -> bool:
        return not self.missing

    @property
    def label(self) -> str:
        """The name the roll-up shows: the report's, with today's beside it when the office was renamed."""
        return f"{self.name}（现名{self.now_named}）" if self.now_named else self.name


def as_reported(office: OfficeYear, printed: str) -> OfficeYear:
    """``office`` named as its report printed it (``printed``; "" when the report names none)."""
    if not printed or printed == office.name:
        return office
    return replace(office, name=printed, now_named=office.name)


def office_year(district: District, entry: OfficeEntry, year: int) -> OfficeYear:
    """The office's year; a config, store or figures file that cannot be read makes it missing, never raises."""
    try:
        if entry.uses_xxgk:
            return _from_store(district, entry, year)
        return _from_published(entry, year)
    except XxgkError as e:
        return OfficeYear(entry.key, entry.name or entry.key, year, entry.uses_xxgk, missing=str(e))


def _from_published(entry: OfficeEntry, year: int) -> OfficeYear:
    assert entry.figures is not None
    report = load_published(entry.figures, year)
    if not report.exists:
        return OfficeYear(entry.key, entry.name, year, False,
                          missing=f"没有 {report.path}（未报送表格；xxgk district template --year {year} 可打印模板）")
    tables = {"year": year, "table2": report.table2, "table3": report.table3}
    return as_reported(OfficeYear(entry.key, entry.name, year, False, "", report.table1, report.table1_missing,
                                  report.table2, report.table3, report.proactive, None, report.published_on,
                                  tuple(v.message for v in check(tables)), unfilled=report.unfilled),
                       report.office)


def _from_store(district: District, entry: OfficeEntry, year: int) -> OfficeYear:
    from ..classify import office_tree
    from ..report.annual import annual_report
    from ..registers.figures import figures_folder
    from ..registers.published import published as published_report

    config = district.office_config(entry)
    name = entry.name or config.office.name
    if not config.database.exists():
        return OfficeYear(entry.key, name, year, True, missing=f"还没有数据库 {config.database}（尚未运行 sync）")
    with Store(config.database) as store:
        annual = annual_report(store, config, year, office_tree(config).report_names(), figures_folder(config.path))
        in_catalog = report_published_on(store, year, config.office.timezone)
        frozen = published_report(store, year)  # the report as published: the office's name then
    data = annual.data
    registered = any(v for table in ("table2", "table3") for cells in data[table].values() for v in cells.values())
    if not data["proactive"]["total"] and not registered and not annual.figures.exists:
        return OfficeYear(entry.key, name, year, True,
                          missing=f"{year}年没有任何数据：未采集到当年公开的信息，没有申请或复议、诉讼登记，也没有数据文件")
    # frozen by `xxgk report publish`: on the office's site from that day's build (its catalog may show it earlier)
    frozen_on = date.fromisoformat(data["published_on"]) if data.get("published_on") else None
    published = min((d for d in (frozen_on, in_catalog) if d is not None), default=None)
    return as_reported(OfficeYear(entry.key, name, year, True, "", data["table1"], tuple(data["table1_missing"]),
                                  data["table2"], data["table3"], data["proactive"],
                                  data["timeliness"].get("share_within"), published, tuple(data["violations"]),
                                  draft=frozen_on is None, unfilled=data.get("register_note") or ""),
                       (frozen or {}).get("office", ""))


def report_published_on(store: Store, year: int, tz: tzinfo) -> date | None:
    """When the office's report for ``year`` first appeared in its catalog (an office that put it on the web
    without ``xxgk report publish``): the earliest item
    titled "…{year}年…年度报告…" published after the year (None: not found)."""
    row = store.db.execute(
        "SELECT MIN(published_at) FROM counted_items WHERE title LIKE ? AND title LIKE '%年度报告%' "
        "AND published_at >= ?", [f"%{year}年%", f"{year + 1}-01-01"]).fetchone()
    if not row or not row[0]:
        return None
    return local_date(row[0], tz)
