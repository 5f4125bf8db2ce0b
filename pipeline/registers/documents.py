"""What the annual report counts from the store's items, beyond the plain totals
of ``proactive``: normative documents (第二十条第（一）项), timeliness (条例第二十六条)
and items per month.

- A normative document is an item flagged ``normative`` by classification (or by
  staff). It is *issued* on its 生成日期 (formed_on), else the day it was first
  published; *repealed* on the date its 有效性 names (e.g. "2021-06-30废止"), else
  the day the validity became 废止/失效 (``validity_events``, kept by classification
  and the review page), else the day a collected version first showed it so. 规章 are always 0: a 街道办事处
  cannot make 规章 (only provincial and 设区的市 governments can).
- Timeliness: an item with a 生成日期 is on time when it was first published within
  20 working days of it (chinesecalendar, 次日起算, via ``pipeline.workdays``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from ..store import Store, parse_iso
from ..workdays import CalendarGap, workdays_between
from .proactive import year_bounds
from .records import DocumentCounts
from ..models import local_date, local_time

TIMELY_WORKDAYS = 20  # 条例第二十六条
REPEALED_WORDS = ("废止", "失效", "作废", "无效")
_DATE = re.compile(r"(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")


@dataclass(frozen=True)
class NormativeDocument:
    item_id: str
    index_number: str
    title: str
    issued_on: date
    published_on: date
    repealed_on: date | None


def _local_day(value: str | None, tz: tzinfo) -> date | None:
    dt = parse_iso(value)
    return local_date(dt, tz) if dt else None


def _day(value: str | None) -> date | None:
    """A stored 生成日期 (ISO); anything unreadable counts as missing."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _is_repealed(validity: str | None) -> bool:
    return bool(validity and any(w in validity for w in REPEALED_WORDS))


def normative_documents(store: Store, tz: tzinfo) -> list[NormativeDocument]:
    """Every normative item ever published, with its issue and repeal dates."""
    out = []
    rows = store.db.execute(
        "SELECT id, index_number, title, formed_on, published_at, validity FROM counted_items "
        "WHERE normative = 1 AND published_at IS NOT NULL ORDER BY published_at, id").fetchall()
    for item_id, index_number, title, formed_on, published_at, validity in rows:
        published = _local_day(published_at, tz)
        assert published is not None  # the query asks for published items only
        issued = _day(formed_on) or published
        repealed = _repeal_date(store, item_id, validity, tz) if _is_repealed(validity) else None
        out.append(NormativeDocument(item_id, index_number or "", title or "", issued, published,
                                     repealed))
    return out


def _repeal_date(store: Store, item_id: str, validity: str, tz: tzinfo) -> date | None:
    m = _DATE.search(validity)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    if store.db["validity_events"].exists():  # recorded by classification and the review page
        events = store.db.execute("SELECT at, validity FROM validity_events WHERE item_id = ? ORDER BY id",
                                  [item_id]).fetchall()
        since = None
        for at, value in events:  # the start of the last run of 废止/失效 events
            since = (since or at) if _is_repealed(value) else None
        if since:
            return _local_day(since, tz)
    # the first collected version that showed it repealed: when we saw the change
    for fetched_at, meta in store.db.execute(
            """SELECT v.fetched_at, v.meta FROM post_versions v JOIN item_posts ip ON ip.post_id = v.post_id
               WHERE ip.item_id = ? ORDER BY v.fetched_at""", [item_id]):
        if _is_repealed(json.loads(meta or "{}").get("validity")):
            return _local_day(fetched_at, tz)
    return None


def document_counts(docs: list[NormativeDocument], year: int) -> dict[str, list[NormativeDocument]]:
    """The documents behind each cell of 第二十条第（一）项, keyed by what they count."""
    end = date(year, 12, 31)
    return {
        "issued": [d for d in docs if d.issued_on.year == year],
        "repealed": [d for d in docs if d.repealed_on and d.repealed_on.year == year],
        "in_force": [d for d in docs if d.issued_on <= end and not (d.repealed_on and d.repealed_on <= end)],
        "published": [d for d in docs if d.published_on.year == year],
        "published_total": [d for d in docs if d.published_on <= end],
    }


def table1_documents(docs: list[NormativeDocument], year: int) -> dict[str, dict[str, int] | DocumentCounts]:
    """The ``documents`` argument of ``records.compute_table1`` for ``year``'s format."""
    c = {k: len(v) for k, v in document_counts(docs, year).items()}
    if year <= 2020:  # 试行 format: 本年新制作 / 本年新公开 / 对外公开总数量
        zero = {"本年新制作数量": 0, "本年新公开数量": 0, "对外公开总数量": 0}
        return {"规章": zero, "规范性文件": {"本年新制作数量": c["issued"],
                                              "本年新公开数量": c["published"],
                                              "对外公开总数量": c["published_total"]}}
    return {"规章": DocumentCounts(0, 0, 0),
            "行政规范性文件": DocumentCounts(c["issued"], c["repealed"], c["in_force"])}


# --- timeliness (条例第二十六条) ----------------------------------------------------


@dataclass(frozen=True)
class Timing:
    item_id: str
    index_number: str
    title: str
    formed_on: date
    published_on: date
    workdays: int  # working days from formation to first publication (次日起算)

    @property
    def late(self) -> bool:
        return self.workdays > TIMELY_WORKDAYS


def timings(store: Store, year: int, tz: tzinfo, gaps: list[CalendarGap]) -> tuple[list[Timing], int]:
    """Items first published in ``year`` that carry a 生成日期, and how many do not."""
    start, end = year_bounds(year, tz)
    out, without = [], 0
    for item_id, index_number, title, formed_on, published_at in store.db.execute(
            "SELECT id, index_number, title, formed_on, published_at FROM counted_items "
            "WHERE published_at >= ? AND published_at < ? ORDER BY published_at, id", [start, end]):
        formed, published = _day(formed_on), _local_day(published_at, tz)
        if formed is None or published is None:
            without += 1
            continue
        out.append(Timing(item_id, index_number or "", title or "", formed, published,
                          max(0, workdays_between(formed, published, gaps=gaps))))
    return out, without


def timeliness(found: list[Timing], without: int) -> dict[str, Any]:
    late = [t for t in found if t.late]
    return {
        "with_formed_on": len(found),
        "within_20_workdays": len(found) - len(late),
        "without_formed_on": without,
        "share_within": round((len(found) - len(late)) / len(found), 4) if found else None,
        "late": [{"id": t.item_id, "index_number": t.index_number, "title": t.title,
                  "formed_on": t.formed_on.isoformat(), "published_on": t.published_on.isoformat(),
                  "workdays": t.workdays} for t in late],
    }


def by_month(store: Store, year: int, tz: tzinfo) -> dict[str, int]:
    """Items first published per month of ``year`` ("01" … "12")."""
    start, end = year_bounds(year, tz)
    months = {f"{m:02d}": 0 for m in range(1, 13)}
    for (published_at,) in store.db.execute(
            "SELECT published_at FROM counted_items WHERE published_at >= ? AND published_at < ?", [start, end]):
        months[f"{local_time(published_at, tz).month:02d}"] += 1
    return months
