"""What the review page reads: the queue (filtered; the most uncertain and, among equally
uncertain ones, the newest first; each row with how many of its title's kind it shows, to be
decided together), one item with its posts, versions and withdrawals, the items whose title
matches (to pick one to merge), and the history of decisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ..classify.recurring import shape_of
from ..merge.rules import RULE_LABELS
from ..models import CHANNEL_LABELS, CHANNELS, staff_time
from ..registers import ledger
from ..registers.proactive import item_years, year_bounds
from ..store import Store

PAGE = 50
# The longest title kind a 同类标题 link carries (a cut kind would match no title): longer ones get no link.
SHAPE_LIMIT = 2000
SNIPPET = 90
STATUSES = {"review": "待审核", "auto": "自动接受", "confirmed": "已确认", "all": "全部"}
# What the store keeps in English (merge rules, who set a validity), as staff read it; the store is
# not changed: reports, the CLI and the nightly job read these names.
MERGE_RULES = RULE_LABELS
VALIDITY_SOURCES = {"staff": "人工设定", "auto": "自动判断"}
CHANNEL_NAMES = CHANNEL_LABELS


@dataclass(frozen=True)
class Filters:
    status: str = "review"
    category: str = ""
    channel: str = ""
    year: int | None = None
    q: str = ""
    shape: str = ""  # only titles of this kind (recurring.shape_of): a monthly 例会, a 低保 公示 …
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        status = args.get("status", "review")
        year = args.get("year", "")
        page = args.get("page", "1")
        return cls(status=status if status in STATUSES else "review",
                   category=args.get("category", "")[:40],
                   channel=args.get("channel", "") if args.get("channel", "") in CHANNELS else "",
                   year=int(year) if year.isdigit() and 1990 < int(year) < 2100 else None,
                   q=args.get("q", "").strip()[:100],
                   shape=args.get("shape", "")[:SHAPE_LIMIT],
                   page=int(page) if page.isdigit() and int(page) > 0 else 1)

    def args(self, **override: Any) -> dict[str, Any]:
        """The query-string arguments of these filters (for links and forms)."""
        values = {"status": self.status, "category": self.category, "channel": self.channel,
                  "year": self.year or "", "q": self.q, "shape": self.shape, "page": self.page, **override}
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}


CONFIDENCE_BANDS = 10  # confidences within a tenth count as equally uncertain: the newest come first


def _where(f: Filters, tz: ZoneInfo) -> tuple[str, list[Any]]:
    where, params = ["i.category IS NOT NULL", "i.published_at IS NOT NULL"], []  # merged-away items have none
    if f.status != "all":
        where.append("i.status = ?")
        params.append(f.status)
    if f.category:
        where.append("i.category = ?")
        params.append(f.category)
    if f.channel:
        where.append("EXISTS (SELECT 1 FROM item_posts ip JOIN posts p ON p.id = ip.post_id "
                     "WHERE ip.item_id = i.id AND p.channel = ?)")
        params.append(f.channel)
    if f.year:
        where.append("i.published_at >= ? AND i.published_at < ?")
        params += list(year_bounds(f.year, tz))  # stored times are UTC text: compare them with UTC bounds
    if f.q:
        where.append("i.title LIKE ? ESCAPE '\\'")
        params.append(_like(f.q))
    if f.shape:
        where.append("title_shape(i.title) = ?")
        params.append(f.shape)
    return " AND ".join(where), params


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


ORDER = (f"i.confidence IS NOT NULL, CAST(COALESCE(i.confidence, 0) * {CONFIDENCE_BANDS} AS INTEGER), "
         "i.published_at DESC, i.id")


def queue(store: Store, f: Filters, tz: ZoneInfo) -> tuple[list[dict[str, Any]], int]:
    """One page of the queue and the number of matching items. Each row says its title's kind
    (`shape`) and how many matching items are of that kind (`alike`): a clerk decides a monthly
    例会 once, not twelve times."""
    _know_shapes(store)
    sql_where, params = _where(f, tz)
    total = store.db.execute(f"SELECT COUNT(*) FROM items i WHERE {sql_where}", params).fetchone()[0]
    rows = store.db.execute(
        f"""SELECT i.id, i.title, i.published_at, i.category, i.confidence, i.reason, i.status, i.personal_data,
                   i.normative, i.validity, substr(v.body_text, 1, {SNIPPET}),
                   (SELECT group_concat(DISTINCT p2.channel) FROM item_posts ip2 JOIN posts p2 ON p2.id = ip2.post_id
                    WHERE ip2.item_id = i.id)
            FROM items i LEFT JOIN posts p ON p.id = i.primary_post
            LEFT JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
            WHERE {sql_where}
            ORDER BY {ORDER}
            LIMIT ? OFFSET ?""", params + [PAGE, (f.page - 1) * PAGE]).fetchall()
    keys = ("id", "title", "published_at", "category", "confidence", "reason", "status", "personal_data",
            "normative", "validity", "snippet", "channels")
    shown = [_local(dict(zip(keys, r)), tz) for r in rows]
    alike = _alike(store, sql_where, params, {shape for row in shown if (shape := shape_of(row["title"] or ""))})
    for row in shown:
        row["shape"] = shape_of(row["title"] or "") or ""
        row["alike"] = alike.get(row["shape"], 1) if len(row["shape"]) <= SHAPE_LIMIT else 1
    return shown, total


def _alike(store: Store, sql_where: str, params: list[Any], shapes: set[str]) -> dict[str, int]:
    """How many items the filters match of each of `shapes`."""
    if not shapes:
        return {}
    marks = ",".join("?" * len(shapes))
    return dict(store.db.execute(
        f"""SELECT shape, COUNT(*) FROM (SELECT title_shape(i.title) AS shape FROM items i WHERE {sql_where})
            WHERE shape IN ({marks}) GROUP BY shape""", params + sorted(shapes)).fetchall())


def _know_shapes(store: Store) -> None:
    """Teach the connection title_shape() (recurring.shape_of), for the queue's SQL."""
    store.db.conn.create_function("title_shape", 1, lambda title: shape_of(title or ""), deterministic=True)


def shape_shown(shape: str) -> str:
    """Pure: a title's kind as staff read it: its numbers as …"""
    return shape.replace("#", "…")


def queue_ids(store: Store, f: Filters, tz: ZoneInfo) -> list[str]:
    """Every item the filters match, on all pages (for 'accept all that match')."""
    _know_shapes(store)
    sql_where, params = _where(f, tz)
    return [r[0] for r in store.db.execute(f"SELECT i.id FROM items i WHERE {sql_where} ORDER BY {ORDER}", params)]


def find_items(store: Store, text: str, exclude: str, tz: ZoneInfo, limit: int = 20) -> list[dict[str, Any]]:
    """Items whose title contains `text` (or whose id or 索引号 is `text`), newest first: the clerk
    picks the other item of a merge by what it says, not by an internal id."""
    text = text.strip()[:100]
    if not text:
        return []
    rows = store.db.query(
        """SELECT i.id, i.title, i.published_at, i.category, i.status FROM items i
           WHERE i.id != ? AND i.published_at IS NOT NULL AND (i.title LIKE ? ESCAPE '\\' OR i.id = ?)
           ORDER BY i.published_at DESC, i.id LIMIT ?""", [exclude, _like(text), text, limit])
    return [_local(r, tz) for r in rows]


def merged_into(store: Store, item_id: str) -> dict[str, Any] | None:
    """The item (id, title) an item was merged into — the last of a chain of merges — or None."""
    target = None
    for _ in range(50):  # a chain of merges is short; a cycle must not hang a page
        row = store.db.execute("SELECT merged_into FROM items WHERE id = ?", [item_id]).fetchone()
        if not row or not row[0]:
            break
        item_id = target = row[0]
    if target is None:
        return None
    (title,) = store.db.execute("SELECT COALESCE(title, id) FROM items WHERE id = ?", [target]).fetchone() or (target,)
    return {"id": target, "title": title}


def merged_text(item_id: str, target: dict[str, Any]) -> str:
    """Pure: why nothing is decided on an item merged into `target` (merged_into's answer)."""
    return f"条目 {item_id} 已并入“{isolated(target['title'])}”（{target['id']}），不再单独发布；请到该条目上作决定"


def isolated(text: str) -> str:
    """Pure: scraped text set into a sentence of ours, bidi-isolated (FSI … PDI): a right-to-left
    mark in a title must not reverse the words after it."""
    return f"\u2068{text}\u2069"


def left_reason(store: Store, item_id: str, tz: ZoneInfo, names: dict[str, str]) -> str:
    """Why a decision left an item as it was: what happened to it after the clerk's page was shown
    (merged away, confirmed by someone, its suggestion changed), in the words a clerk reads."""
    target = merged_into(store, item_id)
    if target is not None:
        return merged_text(item_id, target)
    row = store.db.execute("SELECT category, status FROM items WHERE id = ?", [item_id]).fetchone()
    category = names.get(row[0], row[0]) if row else ""
    if row and row[1] == "confirmed":
        last = store.db.execute(
            """SELECT who, at FROM decisions WHERE item_id = ? AND kind IN ('accept', 'category')
               ORDER BY id DESC LIMIT 1""", [item_id]).fetchone()
        if last:
            return f"{last[0]} 已于 {staff_time(last[1], tz)} 确认为“{category}”"
        return f"已确认为“{category}”"
    return f"建议分类已变为“{category}”（重新分类），请看过后再决定"


def left_items(store: Store, item_ids: list[str], tz: ZoneInfo, names: dict[str, str]) -> list[dict[str, Any]]:
    """The items a decision left (id, title, why), for the page it returns to."""
    rows = dict(store.db.execute(f"SELECT id, COALESCE(title, id) FROM items WHERE id IN ({','.join('?' * len(item_ids))})",
                                 item_ids).fetchall()) if item_ids else {}
    return [{"id": i, "title": rows[i], "why": left_reason(store, i, tz, names)} for i in item_ids if i in rows]


def confirmed_states(store: Store, item_ids: list[str]) -> dict[str, str]:
    """Of these items, the confirmed ones and their state as a form carries it (actions.shown_state)."""
    if not item_ids:
        return {}
    return {r[0]: f"{r[1]}:{r[2]}" for r in store.db.execute(
        f"""SELECT id, category, status FROM items WHERE status = 'confirmed' AND merged_into IS NULL
            AND id IN ({','.join('?' * len(item_ids))})""", item_ids)}


def item(store: Store, item_id: str, tz: ZoneInfo) -> dict[str, Any] | None:
    """An item with its posts (each with versions), classification history and decisions."""
    rows = list(store.db.query("SELECT * FROM items WHERE id = ?", [item_id]))
    if not rows:
        return None
    found = _local(rows[0], tz)
    found["posts"] = [
        _local(p, tz) for p in store.db.query(
            """SELECT p.id, p.channel, p.source, p.url, p.title, p.published_at, p.first_seen, p.last_seen,
                      p.withdrawn_at, p.withdrawn_reason, p.version, ip.rule, ip.score, ip.decided_by
               FROM item_posts ip JOIN posts p ON p.id = ip.post_id WHERE ip.item_id = ?
               ORDER BY COALESCE(p.published_at, p.first_seen), p.channel""", [item_id])]
    for post in found["posts"]:
        post["versions"] = [_local(v, tz) for v in store.db.query(
            """SELECT version, fetched_at, title, content_hash, length(body_text) AS chars FROM post_versions
               WHERE post_id = ? ORDER BY version DESC""", [post["id"]])]
    found["body"] = next(iter(store.db.execute(
        """SELECT v.body_text FROM posts p JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
           WHERE p.id = ?""", [found["primary_post"]]).fetchall()), ("",))[0] or ""
    found["classifications"] = [_local(c, tz) for c in store.db.query(
        "SELECT * FROM classifications WHERE item_id = ? ORDER BY id DESC LIMIT 50", [item_id])]
    found["validity_events"] = [_local(c, tz) for c in store.db.query(
        "SELECT * FROM validity_events WHERE item_id = ? ORDER BY id DESC", [item_id])]
    found["decisions"] = history(store, tz, item_id=item_id)[0]
    found["merged_into_item"] = merged_into(store, item_id)
    return found


def history(store: Store, tz: ZoneInfo, *, item_id: str | None = None, page: int = 1) -> tuple[list[dict[str, Any]], int]:
    """One item's decisions, latest first; or (no ``item_id``) every staff action a page at a time:
    the decisions and every change of the registers (applications, appeals: web or command line)."""
    if item_id:
        rows = [_local(r, tz) for r in store.db.query(
            """SELECT d.*, i.title FROM decisions d LEFT JOIN items i ON i.id = d.item_id
               WHERE d.item_id = ? ORDER BY d.id DESC LIMIT ?""", [item_id, PAGE])]
        return rows, len(rows)
    (total,) = store.db.execute(f"SELECT COUNT(*) FROM ({_EVERY_ACTION})").fetchone()
    rows = [_register_row(_local(r, tz)) for r in store.db.query(
        f"SELECT * FROM ({_EVERY_ACTION}) ORDER BY at DESC, seq DESC LIMIT ? OFFSET ?", [PAGE, (page - 1) * PAGE])]
    return rows, total


# The register's own trail (register_changes) has every application and appeal action, those
# made on the command line too; the decisions the review page also writes for an application are
# left out so that none is listed twice.
_EVERY_ACTION = """
    SELECT d.id AS seq, d.at, d.who, d.kind, d.item_id, d.before, d.after, d.note, i.title,
           NULL AS register, NULL AS withdrawn_at
    FROM decisions d LEFT JOIN items i ON i.id = d.item_id
    WHERE d.kind NOT IN ('application', 'application close')
    UNION ALL
    SELECT c.id, c.at, c.who, c.action, c.entry_id, c.before, c.after, c.reason, NULL,
           c.register, COALESCE(a.withdrawn_at, p.withdrawn_at)
    FROM register_changes c
    LEFT JOIN applications a ON c.register = 'application' AND a.id = c.entry_id
    LEFT JOIN appeals p ON c.register = 'appeal' AND p.id = c.entry_id"""


def _register_row(row: dict[str, Any]) -> dict[str, Any]:
    """A register action as the history lists it: what changed, in the register's words."""
    if not row["register"]:
        return row
    before, after = (json.loads(row[k]) if row[k] else None for k in ("before", "after"))
    if before and after:
        change = "；".join(ledger.change_lines(before, after))
    elif after and row["register"] == "application":
        change = f"收到 {after.get('received_on')}（{after.get('channel')}）"
    elif after:
        change = f"提起 {after.get('filed_on')}（{after.get('kind')}）"
    else:
        change = "撤销登记，不再计数"
    return {**row, "change": change}


def counts(store: Store) -> dict[str, int]:
    found = dict(store.db.execute(  # counted_items: not merged into another item
        "SELECT status, COUNT(*) FROM counted_items WHERE category IS NOT NULL GROUP BY status"))
    return {key: found.get(key, 0) for key in ("review", "auto", "confirmed")}


def years(store: Store, tz: ZoneInfo) -> list[int]:
    """The years of the queue's year filter, newest first (the office's years, like the report's)."""
    return item_years(store, tz)[::-1]


def _local(row: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """Timestamps shown in the office's time zone, to the minute."""
    out = dict(row)
    for key, value in row.items():
        if isinstance(value, str) and (key.endswith("_at") or key in ("at", "first_seen", "last_seen")) and value:
            try:
                out[key] = staff_time(value, tz)
            except ValueError:
                pass
    return out
