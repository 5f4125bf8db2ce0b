"""Published means frozen: ``xxgk report publish --year Y`` stores the figures as published.

From then on the year's report keeps those figures; when the registers or the
figures file later give other numbers, the report lists each difference as a
更正说明 (correction notice) instead of rewriting a published figure. Next
year's 上年结转 is checked against the published 结转下年度继续办理.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..models import staff_day
from ..store import Store, iso, utcnow
from .errors import RegisterError
from .formats import T2_COLUMNS, T3_COLUMNS, column_title, format_for_year, t3_group_title

FROZEN_KEYS = ("table1", "table2", "table3", "applications", "appeals", "table1_missing", "table1_sources")


def publish(store: Store, year: int, data: Mapping[str, Any], who: str) -> str:
    """Store ``data`` (the year's report JSON) as published; returns the time stamp."""
    earlier = published(store, year)
    if earlier is not None:
        raise RegisterError(f"{year}年年度报告已于 {staff_day(earlier['published_at'], store.tz)} 发布，"
                            f"不能再次发布；之后的更改会作为更正说明列出")
    if data.get("violations"):
        raise RegisterError(f"{year}年年度报告的表格不一致，不能发布：" + "；".join(data["violations"]))
    if data.get("table1_missing"):
        raise RegisterError(f"{year}年年度报告还有待填报的数字，不能发布：" + "、".join(data["table1_missing"]))
    at = iso(utcnow())
    with store.transaction():
        store.db.execute("INSERT INTO published_reports (year, published_at, who, data) VALUES (?, ?, ?, ?)",
                         [year, at, who or "未署名", json.dumps(dict(data), ensure_ascii=False, default=str)])
    return at


def published(store: Store, year: int) -> dict[str, Any] | None:
    """The published report of ``year`` (its JSON, plus ``published_at`` and ``published_by``)."""
    row = store.db.execute("SELECT published_at, who, data FROM published_reports WHERE year = ?",
                           [year]).fetchone()
    if row is None:
        return None
    return {**json.loads(row[2]), "published_at": row[0], "published_by": row[1]}


def published_years(store: Store) -> set[int]:
    return {y for (y,) in store.db.execute("SELECT year FROM published_reports")}


def corrections(year: int, frozen: Mapping[str, Any], now: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every published cell the data now gives differently: table, row, column, both values."""
    fmt = format_for_year(year)
    out = []
    for row, cols in (frozen.get("table1") or {}).items():
        for col, old in cols.items():
            new = ((now.get("table1") or {}).get(row) or {}).get(col)
            if new != old:
                out.append(_diff("表二（主动公开政府信息情况）", row, col, old, new))
    for r in fmt.table2_data_rows:
        for col in T2_COLUMNS:
            old, new = _cell(frozen, "table2", r.key, col), _cell(now, "table2", r.key, col)
            if old != new:
                out.append(_diff("表三（收到和处理政府信息公开申请情况）", r.label, column_title(col), old, new))
    for group in (frozen.get("table3") or {}):
        for col in T3_COLUMNS:
            old, new = _cell(frozen, "table3", group, col), _cell(now, "table3", group, col)
            if old != new:
                out.append(_diff("表四（政府信息公开行政复议、行政诉讼情况）", t3_group_title(group), col, old, new))
    return out


def _cell(data: Mapping[str, Any], table: str, row: str, col: str) -> object:
    return ((data.get(table) or {}).get(row) or {}).get(col, 0)


def _diff(table: str, row: str, col: str, old: object, new: object) -> dict[str, Any]:
    return {"table": table, "row": row, "column": col, "published": old, "now": new,
            "text": f"{table}“{row}”行“{col}”列：已发布 {_n(old)}，现为 {_n(new)}"}


def _n(x: object) -> str:
    return "待填报" if x is None else str(x)
