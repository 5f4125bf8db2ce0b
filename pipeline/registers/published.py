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

# Every figure the report prints: the tables, and the 主动公开 counts its text and charts give (by channel,
# by category, by month, the timeliness) — a later refiling changes none of them, it becomes a 更正说明.
FROZEN_KEYS = ("table1", "table2", "table3", "applications", "appeals", "table1_missing", "table1_sources",
               "proactive", "timeliness", "by_month")
PROACTIVE_ROWS = {"total": "主动公开政府信息数量", "wechat_weibo": "其中通过政务微博、微信公开",
                  "other": "其中通过其他方式公开", "normative_documents": "制发规范性文件总数"}


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
    """Every published figure the data now gives differently: table, row, column, both values."""
    fmt = format_for_year(year)
    out = _proactive_corrections(frozen.get("proactive") or {}, now.get("proactive") or {})
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


def _proactive_corrections(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The 主动公开 counts of part 二 (by channel, then by category) as published and as now."""
    out = [_diff("主动公开政府信息情况", label, "条数", old.get(key, 0), new.get(key, 0),
                 f"{label}：已发布 {old.get(key, 0)} 条，现为 {new.get(key, 0)} 条")
           for key, label in PROACTIVE_ROWS.items() if old.get(key, 0) != new.get(key, 0)]
    was, now = old.get("by_category_name") or {}, new.get("by_category_name") or {}
    for name in dict.fromkeys([*was, *now]):
        if was.get(name, 0) != now.get(name, 0):
            out.append(_diff("按目录分类", name, "条数", was.get(name, 0), now.get(name, 0),
                             f"按目录分类“{name}”类：已发布 {was.get(name, 0)} 条，现为 {now.get(name, 0)} 条"))
    return out


def _cell(data: Mapping[str, Any], table: str, row: str, col: str) -> object:
    return ((data.get(table) or {}).get(row) or {}).get(col, 0)


def _diff(table: str, row: str, col: str, old: object, new: object, text: str = "") -> dict[str, Any]:
    return {"table": table, "row": row, "column": col, "published": old, "now": new,
            "text": text or f"{table}“{row}”行“{col}”列：已发布 {_n(old)}，现为 {_n(new)}"}


def _n(x: object) -> str:
    return "待填报" if x is None else str(x)
