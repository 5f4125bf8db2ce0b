"""The proactive-disclosure figures of a year, counted from the store's items.

An item counts in the year of its first publication (in the office's time zone), once,
under one channel: by default that of its first publication (`[merge] count_channel`,
see pipeline/merge/item_fields.py) — 政务微博、微信 when WeChat or Weibo, 其他方式 otherwise.
Items a person merged into another (`merged_into`) are not counted: the view
`counted_items` is what every figure reads.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from ..models import SOCIAL_CHANNELS, local_year
from ..store import Store, iso


def year_bounds(year: int, tz: tzinfo) -> tuple[str, str]:
    """The year as a half-open range of stored (UTC ISO) timestamps."""
    return iso(datetime(year, 1, 1, tzinfo=tz)), iso(datetime(year + 1, 1, 1, tzinfo=tz))


def item_years(store: Store, tz: tzinfo) -> list[int]:
    """The years (in the office's zone) in which some item was first published, oldest first."""
    return sorted({local_year(at, tz) for (at,) in store.db.execute(
        "SELECT DISTINCT published_at FROM items WHERE published_at IS NOT NULL")})


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

