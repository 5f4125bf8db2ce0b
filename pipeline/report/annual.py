"""One year's annual report, computed from the store: the counts of the items
(proactive), the figures file, and the registers (applications, appeals).

``annual_report`` gives both shapes a year's report takes:
- ``data``: the JSON saved as ``output/site/reports/<year>.json`` and printed by
  ``xxgk report --format json`` (``year``, ``proactive``, ``applications``,
  ``appeals`` as the publish stage reads them, plus the tables);
- ``render``: the input of ``render.render_*`` and ``draft.render_docx``
  (None for years before 2019, which have no tables).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..config import Config
from ..models import local_date
from ..store import Store
from ..workdays import CalendarGap
from ..registers.checks import Violation, check
from ..registers.documents import by_month, normative_documents, table1_documents, timeliness, timings
from ..registers.figures import Figures, load_figures
from ..registers.formats import T2_TOTAL_COLUMN, T3_TOTAL, format_for_year
from ..registers.ledger import appeals_for_year, applications_for_year, list_appeals, register_kept_from
from ..registers.opening import carried_cases, opening_counts
from ..registers.proactive import partial_year, proactive_counts
from ..registers.published import FROZEN_KEYS, corrections, published
from ..registers.records import (Application, Stated, Table1, compute_table1, compute_table2, compute_table3,
                                 decided_later, empty_table2, empty_table3)
from .prose import title

FIRST_TABLE_YEAR = 2019  # the revised 条例 (in force 2019-05-15) and its report format
CHANNEL_NAMES = {"wechat": "微信公众号", "weibo": "微博", "website": "网站", "catalog": "公开目录"}


@dataclass(frozen=True)
class Annual:
    year: int
    data: dict[str, Any]
    render: dict[str, Any] | None
    previous: dict[str, Any] | None
    figures: Figures
    warnings: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = field(default=())


def annual_report(store: Store, config: Config, year: int, category_names: Mapping[str, str],
                  figures_dir: Path, previous_report: Mapping[str, Any] | None = None) -> Annual:
    """Everything ``year``'s report says, from the store.

    ``previous_report`` is last year's published report (its JSON, read by
    ``previous.read_previous``): when given, this year's 上年结转 is checked against
    its 四 as its 更正说明 correct it; else against last year's report as published with
    ``xxgk report publish``; else against last year's tables computed from the register.
    A published year keeps its published figures; what changed since is listed in
    ``data["corrections"]`` (更正说明).
    """
    tz = config.office.timezone
    gaps: list[CalendarGap] = []
    # a leaf the catalog no longer has (its items not yet refiled) keeps the name it had, never its id
    proactive = proactive_counts(store, year, tz, {**store.category_names(), **category_names})
    found, without = timings(store, year, tz, gaps)
    timely = timeliness(found, without)
    figures = load_figures(figures_dir, year)
    data: dict[str, Any] = {
        "year": year, "office": config.office.name, "proactive": proactive, "timeliness": timely,
        "by_month": by_month(store, year, tz),
        "applications": {"received": 0, "carried_over": 0, "closed": 0, "carried_forward": 0},
        "appeals": {"administrative_review": 0, "litigation": 0, "pending": 0},
    }
    if partial := partial_year(store, year, tz):  # every format says so, as the site's page does
        data["coverage"] = partial
    kept_from = register_kept_from(store)
    if year < FIRST_TABLE_YEAR:  # no tables, but the register's figures are the year's all the same
        apps = counted_applications(store, year)
        data["applications"] = application_totals(year, apps)
        data["appeals"] = appeal_totals(compute_table3(year, appeals_for_year(store, year)))
        if note := not_registered_note(year, kept_from):
            data["register_note"] = note
        return Annual(year, data, None, None, figures, tuple(g.message for g in gaps))

    fmt = format_for_year(year)
    docs = normative_documents(store, tz)
    table1 = compute_table1(year, table1_documents(docs, year), figures.table1 or None)
    table2 = compute_table2(year, counted_applications(store, year))
    table3 = compute_table3(year, appeals_for_year(store, year))
    later = [{"id": a.id, "kind": a.kind, "filed_on": str(a.filed_on), "outcome": a.outcome,
              "decided_on": str(a.decided_on)} for a in decided_later(year, list_appeals(store))]
    data.update(_figures(table1, table2, table3))
    data.update({"title": title({"office": config.office.name, "year": year}), "format": fmt.name,
                 "format_document": fmt.document, "table1_sources": table1.sources(),
                 "appeals_decided_later": later})
    frozen = published(store, year)
    if frozen is not None:
        fixes = corrections(year, frozen, data)
        data.update({k: frozen[k] for k in FROZEN_KEYS if k in frozen})
        data.update({"published_at": frozen["published_at"], "published_by": frozen["published_by"],
                     "published_on": local_date(frozen["published_at"], tz).isoformat(), "corrections": fixes})
        table1 = Table1(year, frozen["table1"], tuple(frozen.get("table1_missing") or ()),
                        stated_from(frozen.get("table1_sources") or {}))
        table2, table3 = frozen["table2"], frozen["table3"]
        proactive, timely = data["proactive"], data["timeliness"]  # as published (FROZEN_KEYS)
    previous = _previous(store, year, previous_report, table2, frozen is not None)
    if note := carried_over_note(year, table2, previous):
        data["carried_over_note"] = note
    unregistered = "" if frozen is not None else not_registered_note(year, kept_from)
    if unregistered:  # 表三、表四 print 待填报, not zeros nobody counted; the JSON keeps 0 for sums
        data["register_note"] = unregistered
        previous = None  # no 上年结转 to check against a year nothing was registered in
        rendered2: dict[str, Any] = _blank(empty_table2(fmt))
        rendered3: dict[str, Any] = _blank(empty_table3())
    else:
        rendered2, rendered3 = table2, table3
    render = {
        "year": year, "office": config.office.name, "date": figures.date, "coverage": data.get("coverage", ""),
        "proactive": {**proactive, "timely": timely}, "table1": table1,
        "table2": rendered2, "table3": rendered3, "prose": figures.prose, "register_note": unregistered,
        "charts": charts(data["by_month"], proactive),
        "corrections": data.get("corrections") or [], "appeals_decided_later": later,
        "carried_over_note": note,
    }
    violations = tuple(check(render, previous))
    data["violations"] = [v.message for v in violations]
    warnings = [g.message for g in gaps]
    if data.get("corrections"):
        warnings.append(f"{year}年报告已于 {data['published_on']} 发布，此后登记簿或数据文件的更改"
                        f"使 {len(data['corrections'])} 处数字不同：发布的数字不变，差异列入更正说明")
    if kept_from is None and frozen is None:  # (a year before the register's first says so in part 三)
        warnings.append(EMPTY_REGISTER)
    if not figures.exists:
        warnings.append(figures.missing_message)
    elif table1.missing:
        warnings.append(table1.message)
    return Annual(year, data, render, previous, figures, tuple(warnings), violations)


EMPTY_REGISTER = ("登记簿中还没有任何申请、复议诉讼登记或期初结转：表三、表四的 0 件只在本年确无申请、复议和诉讼时成立；"
                  "登记簿从某年起才在本系统登记的，用 xxgk application opening --year 该年 声明（无结转时 --count 自然人=0），"
                  "此前年度的表三、表四即不再按 0 件计")


def not_registered_note(year: int, kept_from: int | None) -> str:
    """Pure: what part 三 and 四 say for a year before the office kept its registers in xxgk ("" when it did).
    Its zeros were never counted: the figures are the office's own, from that year's records."""
    if kept_from is None or year >= kept_from:
        return ""
    return (f"本机关自{kept_from}年起在本系统逐件登记政府信息公开申请和行政复议、行政诉讼，{year}年的未登记："
            f"表三、表四不是统计结果，请按该年的申请和复议、诉讼记录填写")


def _blank(table: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``table`` with every cell None: printed 待填报 (layout.fmt_number), left empty in the CSV."""
    return {row: dict.fromkeys(cols) for row, cols in table.items()}


def stated_from(sources: Mapping[str, Any]) -> dict[str, dict[str, Stated]]:
    """The stated cells of a report's JSON (``table1_sources``), as ``Table1.stated``."""
    return {row: {col: Stated(src["value"], src["computed"], src["reason"])
                  for col, src in cols.items() if src.get("source") == "stated"}
            for row, cols in sources.items() if any(c.get("source") == "stated" for c in cols.values())}


def application_totals(year: int, applications: list[Application]) -> dict[str, int]:
    """Pure: the JSON's ``applications`` of a year without 表三 (before 2019), counted as 表三 counts."""
    end = date(year, 12, 31)
    mine = [a for a in applications if a.received_on <= end and (a.replied_on is None or a.replied_on.year >= year)]
    return {"received": sum(a.received_on.year == year for a in mine),
            "carried_over": sum(a.received_on.year < year for a in mine),
            "closed": sum(not a.is_open_on(end) for a in mine),
            "carried_forward": sum(a.is_open_on(end) for a in mine)}


def appeal_totals(table3: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Pure: the JSON's ``appeals`` from 表四."""
    return {"administrative_review": table3["行政复议"][T3_TOTAL],
            "litigation": table3["未经复议直接起诉"][T3_TOTAL] + table3["复议后起诉"][T3_TOTAL],
            "pending": sum(g["尚未审结"] for g in table3.values())}


def _figures(table1: Table1, table2: dict[str, Any], table3: dict[str, Any]) -> dict[str, Any]:
    """The figures of the JSON: the three tables and their totals."""
    t2 = {k: (table2.get(k) or {}).get(T2_TOTAL_COLUMN, 0) for k in table2}
    return {
        "applications": {"received": t2["new"], "carried_over": t2["carried_over"],
                         "closed": t2["total"], "carried_forward": t2["carried_forward"]},
        "appeals": appeal_totals(table3),
        "table1": table1.cells, "table1_missing": list(table1.missing),
        "table2": table2, "table3": table3,
    }


def counted_applications(store: Store, year: int) -> list[Application]:
    """What 表三 of ``year`` counts: the register, plus the cases of opening balances."""
    return applications_for_year(store, year) + carried_cases(store, year)


def _previous(store: Store, year: int, given: Mapping[str, Any] | None,
              table2: Mapping[str, Any], is_published: bool = False) -> dict[str, Any] | None:
    """Last year's 表三 to check this year's 二 against: as given by --previous, else as published,
    else as computed.

    A published year's figures never change, but an entry of that year registered or corrected
    after publication is a 更正说明 of its report; then this year's 二 follows last year's 四 as
    corrected (the figures computed now), and ``published_table2`` keeps what was printed, for
    ``carried_over_note``. Without that, one late entry would make every later report unprintable.
    This year published (``is_published``): its 二 was checked then and no longer changes; what
    last year's entries changed since is this year's own 更正说明, so there is nothing to check.
    """
    if given is not None:  # read_previous gives it as above: corrected, and as printed if they differ
        return {"year": given.get("year", year - 1), **{k: given[k] for k in ("table2", "published_table2")
                                                        if k in given}}
    frozen = published(store, year - 1)
    if frozen is not None:
        printed = frozen["table2"]
        if (printed.get("carried_forward") or {}) == (table2.get("carried_over") or {}):
            return {"year": year - 1, "table2": printed}
        if is_published:
            return {"year": year - 1, "table2": None, "published_table2": printed}
        corrected = compute_table2(year - 1, counted_applications(store, year - 1))
        return {"year": year - 1, "table2": corrected, "published_table2": printed}
    if year - 1 < FIRST_TABLE_YEAR or opening_counts(store, year):
        return None  # an opening balance starts the register: there is no last year to compare
    return {"year": year - 1, "table2": compute_table2(year - 1, counted_applications(store, year - 1))}


def carried_over_note(year: int, table2: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    """Pure: the sentence part 三 adds when this year's 上年结转 is not the 结转下年度继续办理 last
    year's report printed (an entry of that year changed after it was published), else ""."""
    if not previous or previous.get("published_table2") is None:
        return ""
    printed = (previous["published_table2"].get("carried_forward") or {}).get(T2_TOTAL_COLUMN, 0)
    now = (table2.get("carried_over") or {}).get(T2_TOTAL_COLUMN, 0)
    if printed == now:  # the same total, other columns: the 更正说明 names them
        return (f"上年结转的申请人类型与{year - 1}年报告发布时所列“四、结转下年度继续办理”不同："
                f"该年报告发布后登记簿有更正，见{year - 1}年报告的更正说明。")
    return (f"上年结转{now}件，与{year - 1}年报告发布时所列“四、结转下年度继续办理”{printed}件不同："
            f"该年报告发布后登记簿有更正，见{year - 1}年报告的更正说明。")


def charts(months: Mapping[str, int], proactive: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """The data of the three charts: items per month, per category, per first channel."""
    return {
        "按月份": {f"{int(m)}月": n for m, n in months.items()},
        "按公开目录分类": {("未分类" if k == "unclassified" else k): n
                          for k, n in (proactive.get("by_category_name") or {}).items()},
        "按首次公开渠道": {CHANNEL_NAMES.get(k, k): n
                          for k, n in (proactive.get("by_first_channel") or {}).items()},
    }
