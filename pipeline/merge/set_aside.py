"""Rows that are not the office's: another agency's 发布机构 (ownership.py) is set aside, never made
an item; a copy already in an item whose row is corrected upstream to another agency's, or whose
name the office takes out of [office] aliases/departments, leaves its item (leave_items), recorded
in the item's decisions, and returns to it if corrected back (reconsider_set_aside)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from .index import unfile_post
from .ownership import Ownership
from ..store import Store, iso

log = logging.getLogger("xxgk.dedupe")


class Row(Protocol):
    """A post as the merge stage reads it: its id and its metadata (发布机构 …)."""

    @property
    def id(self) -> str: ...

    @property
    def meta(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=Row)


def set_aside(store: Store, owner: Ownership, posts: Iterable[R], now: datetime) -> list[R]:
    """The office's posts; the others (another agency's 发布机构) are recorded in `set_aside`
    with the reason, and made no item (ownership.py)."""
    kept, aside = [], []
    for post in posts:
        reason = owner.set_aside_reason(post.meta)
        if reason is None:
            kept.append(post)
        else:
            aside.append((post.id, post.meta.get("publisher", "").strip(), reason, iso(now)))
    store.db.conn.executemany(
        "INSERT OR REPLACE INTO set_aside (post_id, publisher, reason, decided_at) VALUES (?, ?, ?, ?)", aside)
    return kept


def reconsider_set_aside(store: Store, owner: Ownership, now: datetime) -> None:
    """Rows set aside whose 发布机构 the office now owns (a name added to [office] aliases or
    departments, or an edited row) come back: a copy that left an item (leave_items) returns to
    it, linked as it was (a staff link stays the person's); any other goes back to be merged."""
    back = []
    for post_id, meta in store.db.execute(
            """SELECT a.post_id, v.meta FROM set_aside a JOIN posts p ON p.id = a.post_id
               JOIN post_versions v ON v.post_id = p.id AND v.version = p.version"""):
        if owner.set_aside_reason(json.loads(meta or "{}")) is None:
            back.append(post_id)
    store.db.conn.executemany("DELETE FROM set_aside WHERE post_id = ?", [(pid,) for pid in back])
    left = departures(store) if back else {}
    for post_id in back:
        if post_id in left:
            item_id, link = left[post_id]
            _return(store, post_id, live_item(store, item_id), link, now)


AUTOMATIC = "xxgk"  # `who` of the decisions a run records (as classify's)


def departures(store: Store) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each copy that left an item as another agency's → (the item, its link there), the latest."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for item_id, after in store.db.execute("SELECT item_id, after FROM decisions WHERE kind = 'set aside' ORDER BY id"):
        record = json.loads(after or "{}")
        out[record["post"]] = (item_id, record["link"])
    return out


def live_item(store: Store, item_id: str) -> str:
    """The item itself, or the one staff merged it into since (followed to its end)."""
    seen = {item_id}
    while (row := store.db.execute("SELECT merged_into FROM items WHERE id = ?", [item_id]).fetchone()) and row[0] \
            and row[0] not in seen:
        item_id = row[0]
        seen.add(item_id)
    return item_id


def leave_items(store: Store, leaving: list[tuple[str, str, str]], now: datetime) -> None:
    """Copies in items whose 发布机构 is now another agency's (the row corrected upstream): each
    (post id, 发布机构, reason) is set aside like a new row of that agency, and leaves its item; the
    item keeps the rest, and its history says which copy left, when and why (a `set aside`
    decision, with the link, restored if the row is corrected back). An item left with no copy
    is kept as a record (its id and 索引号 still find it), neither published nor counted."""
    for post_id, publisher, reason in leaving:
        item_id, rule, score, decided_by, decided_at = store.db.execute(
            "SELECT item_id, rule, score, decided_by, decided_at FROM item_posts WHERE post_id = ?",
            [post_id]).fetchone()
        before = posts_of(store, item_id)
        store.db.execute("DELETE FROM item_posts WHERE post_id = ?", [post_id])
        unfile_post(store, post_id)
        store.db.execute("INSERT OR REPLACE INTO set_aside (post_id, publisher, reason, decided_at) VALUES (?, ?, ?, ?)",
                         [post_id, publisher, reason, iso(now)])
        rest = [p for p in before if p != post_id]
        if rest:
            store.db.execute("UPDATE items SET dirty = 1 WHERE id = ?", [item_id])
        else:  # as an item staff merged away: nothing to show
            store.db.execute("UPDATE items SET published_at = NULL, dirty = 0 WHERE id = ?", [item_id])
        link = {"rule": rule, "score": score, "decided_by": decided_by, "decided_at": decided_at}
        _record(store, now, item_id, "set aside", {"items": {item_id: before}},
                {"items": {item_id: rest}, "post": post_id, "link": link}, reason)
        log.info("dedupe: 副本 %s 的发布机构改为“%s”，移出条目 %s", post_id, publisher, item_id)


def _return(store: Store, post_id: str, item_id: str, link: dict[str, Any], now: datetime) -> None:
    """A copy that left an item comes back to it (its 发布机构 is the office's again)."""
    before = posts_of(store, item_id)
    store.db.execute("INSERT INTO item_posts (post_id, item_id, rule, score, decided_by, decided_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     [post_id, item_id, link["rule"], link["score"], link["decided_by"], link["decided_at"]])
    store.db.execute("UPDATE items SET dirty = 1 WHERE id = ?", [item_id])
    _record(store, now, item_id, "returned", {"items": {item_id: before}},
            {"items": {item_id: sorted([*before, post_id])}, "post": post_id}, "发布机构已是本单位，副本回到原条目")


def posts_of(store: Store, item_id: str) -> list[str]:
    """An item's post ids, sorted (as decisions record them)."""
    return [r[0] for r in store.db.execute("SELECT post_id FROM item_posts WHERE item_id = ? ORDER BY post_id",
                                           [item_id])]


def _record(store: Store, now: datetime, item_id: str, kind: str, before: dict[str, Any], after: dict[str, Any],
            note: str) -> None:
    store.record_decision(iso(now), AUTOMATIC, item_id, kind, json.dumps(before, ensure_ascii=False),
                          json.dumps(after, ensure_ascii=False), note)


def set_aside_counts(store: Store) -> list[tuple[str, int]]:
    """How many rows are set aside, by the 发布机构 they name (most first)."""
    return store.db.execute("SELECT publisher, count(*) FROM set_aside GROUP BY publisher "
                            "ORDER BY count(*) DESC, publisher").fetchall()


def recheck_ownership(store: Store, owner: Ownership, now: datetime) -> int:
    """When what decides ownership changed since the last run (a name taken out of [office] aliases
    or departments, or the rules: Ownership.fingerprint, kept in `merge_state`), the copies already
    in items are asked again: one whose 发布机构 is no longer the office's leaves its item as an
    edited row would (leave_items; it comes back if the name is put back). One query a night
    otherwise. Returns how many copies left."""
    fingerprint = owner.fingerprint()
    row = store.db.execute("SELECT value FROM merge_state WHERE name = 'ownership'").fetchone()
    if row and row[0] == fingerprint:
        return 0
    leaving = []
    for post_id, meta in store.db.execute(
            """SELECT ip.post_id, v.meta FROM item_posts ip JOIN posts p ON p.id = ip.post_id
               JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
               WHERE v.meta LIKE '%"publisher"%'""").fetchall():
        found = json.loads(meta or "{}")
        if (reason := owner.set_aside_reason(found)) is not None:
            leaving.append((post_id, found.get("publisher", "").strip(), reason))
    leave_items(store, leaving, now)
    store.db.execute("INSERT OR REPLACE INTO merge_state (name, value) VALUES ('ownership', ?)", [fingerprint])
    return len(leaving)
