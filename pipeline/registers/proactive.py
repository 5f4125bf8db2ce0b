"""The proactive-disclosure figures of a year, counted from the store's items.

An item counts in the year of its first publication (in the office's time zone), once,
under one channel: by default that of its first publication (`[merge] count_channel`,
see pipeline/merge/item_fields.py) — 政务微博、微信 when WeChat or Weibo, 其他方式 otherwise.
Items a person merged into another (`merged_into`) are not counted: the view
`counted_items` is what every figure reads.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from ..models import SOCIAL_CHANNELS, cn_date, local_date, local_year
from ..store import Store, iso


def year_bounds(year: int, tz: tzinfo) -> tuple[str, str]:
    """The year as a half-open range of stored (UTC ISO) timestamps."""
    return iso(datetime(year, 1, 1, tzinfo=tz)), iso(datetime(year + 1, 1, 1, tzinfo=tz))


def item_years(store: Store, tz: tzinfo) -> list[int]:
    """The years (in the office's zone) in which some item was first published, oldest first."""
    return sorted({local_year(at, tz) for (at,) in store.db.execute(
        "SELECT DISTINCT published_at FROM items WHERE published_at IS NOT NULL")})


SLACK_DAYS = 15  # a first item on 5 January or a last one on 28 December still covers the year


def coverage(year: int, first: date | None, last: date | None) -> tuple[date, date] | None:
    """(from, to) when the data covers ``year`` only in part; None when it covers it all.

    The data runs from the first item ever collected to the last one."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    if first is None or last is None:
        return None
    begins = max(start, first)
    ends = min(end, last)
    if (begins - start).days <= SLACK_DAYS and (end - ends).days <= SLACK_DAYS:
        return None
    return begins, ends


def collected_span(store: Store, tz: tzinfo) -> tuple[date | None, date | None]:
    """The office's first and last item (days in its zone): what the collected data covers."""
    first, last = store.db.execute(
        "SELECT MIN(published_at), MAX(published_at) FROM items WHERE published_at IS NOT NULL").fetchone()
    return (local_date(first, tz) if first else None), (local_date(last, tz) if last else None)


def partial_year(store: Store, year: int, tz: tzinfo) -> str:
    """"2019年12月10日至2019年12月31日" when the data covers ``year`` only in
    part (the report's figures then count that stretch only), else ""."""
    part = coverage(year, *collected_span(store, tz))
    return f"{cn_date(part[0])}至{cn_date(part[1])}" if part else ""


def proactive_counts(store: Store, year: int, tz: tzinfo, category_names: dict[str, str]) -> dict[str, Any]:
    start, end = year_bounds(year, tz)
    rows = store.db.execute(
        """SELECT channel, category, normative, COUNT(*) FROM counted_items
           WHERE published_at >= ? AND published_at < ? GROUP BY channel, category, normative""",
        [start, end],
    ).fetchall()
    total = social = normative = 0
    by_category: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for channel, category, is_normative, n in rows:
        total += n
        social += n if channel in SOCIAL_CHANNELS else 0
        normative += n if is_normative else 0
        key = category or "unclassified"
        by_category[key] = by_category.get(key, 0) + n
        by_channel[channel] = by_channel.get(channel, 0) + n
    return {
        "total": total,
        "wechat_weibo": social,
        "other": total - social,
        "normative_documents": normative,
        "by_category": dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_category_name": {category_names.get(k, k): v for k, v in sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))},
        "by_first_channel": dict(sorted(by_channel.items())),
    }

