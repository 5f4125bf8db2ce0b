"""Re-derive an item from its posts: first publication, counted channel, primary copy, withdrawal.

- First publication: the earliest copy (date, and the channel that showed it); on equal
  times CHANNEL_PRECEDENCE decides.
- Counted channel (the year-end figures count each item once, under one channel), set by
  `[merge] count_channel`:
    "first"       the channel of the first publication (default; what the seed report does)
    "any_social"  政务微博、微信 (WeChat, or Weibo) if any copy appeared there, else the first
    "primary"     the channel of the copy the item shows
- Primary copy (whose title and body the item shows, latest version): a live copy before a
  withdrawn one, then PRIMARY_PRECEDENCE (the catalog's formal copy first).
- Withdrawn: every copy withdrawn upstream. The item is flagged with the date of the last
  withdrawal, never removed.
- `updated_at` moves only when what the item shows changes: the fingerprint of its primary
  copy (title key, normalised body, attachments). A new copy of the same text, or a mere
  re-derive, leaves it alone, so a feed entry keeps its `updated` until the content changes.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime
from itertools import islice

from .config import Config
from .models import SOCIAL_CHANNELS
from .store import Store, iso

CHANNEL_PRECEDENCE = ("wechat", "weibo", "website", "catalog")  # on equal times, the first listed wins
PRIMARY_PRECEDENCE = ("catalog", "website", "wechat", "weibo")  # whose title and body the item shows
COUNT_CHANNEL_RULES = ("first", "any_social", "primary")
CHUNK = 500

POSTS_OF_ITEMS = """SELECT ip.item_id, p.id, p.channel, COALESCE(p.published_at, p.first_seen), p.withdrawn_at,
        v.title, v.meta, v.attachments, s.title_key, s.body_hash
    FROM item_posts ip JOIN posts p ON p.id = ip.post_id
    JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
    LEFT JOIN post_sketches s ON s.post_id = p.id
    WHERE ip.item_id IN ({marks})"""


def refresh_items(store: Store, config: Config, now: datetime) -> int:
    """Re-derive every dirty item from its posts. Returns how many were refreshed."""
    rule = getattr(config, "merge_count_channel", "first")
    dirty = [row[0] for row in store.db.execute("SELECT id FROM items WHERE dirty = 1")]
    it = iter(dirty)
    while batch := list(islice(it, CHUNK)):
        updates = []
        for item_id, derived in derive_items(store, batch, rule):
            if derived:
                updates.append({**derived, "id": item_id, "now": iso(now)})
            else:  # merged into another item by staff: nothing to show
                store.db.execute("UPDATE items SET dirty = 0 WHERE id = ?", [item_id])
        store.db.conn.executemany(UPDATE_DERIVED, updates)
    return len(dirty)


def insert_items(store: Store, config: Config, rows: list[tuple[str, str, str]],
                 posts: dict[str, list[tuple]]) -> None:
    """Write new items (id, 索引号, created at) derived from their posts' rows (as POSTS_OF_ITEMS
    gives them, without the item id): what refresh_items would set, in one write instead of two."""
    rule = getattr(config, "merge_count_channel", "first")
    store.db.conn.executemany(INSERT_DERIVED, (
        {**derive(posts[item_id], rule), "id": item_id, "index_number": index_number, "created_at": created_at}
        for item_id, index_number, created_at in rows))


def derive_items(store: Store, item_ids: list[str], rule: str) -> list[tuple[str, dict | None]]:
    """Each item's derived columns, or None for an item left with no posts."""
    posts: dict[str, list[tuple]] = defaultdict(list)
    for row in store.db.execute(POSTS_OF_ITEMS.format(marks=",".join("?" * len(item_ids))), item_ids):
        posts[row[0]].append(row[1:])
    return [(item_id, derive(posts[item_id], rule) if posts[item_id] else None) for item_id in item_ids]


DERIVED = ("title", "published_at", "first_channel", "count_channel", "primary_post", "formed_on", "validity",
           "withdrawn", "withdrawn_at", "content_hash")
# `updated` moves (to now; to the first publication the first time) only when what the item shows changed.
UPDATE_DERIVED = f"""UPDATE items SET {", ".join(f"{k} = :{k}" for k in DERIVED)}, dirty = 0,
    updated_at = CASE WHEN seen_hash IS :content_hash THEN updated_at
                      WHEN updated_at IS NULL THEN :published_at ELSE :now END,
    seen_hash = :content_hash
    WHERE id = :id"""
# A new item is shown as derived from the start: `updated` is its first publication.
INSERT_DERIVED = f"""INSERT INTO items
    (id, index_number, created_at, {", ".join(DERIVED)}, updated_at, seen_hash, dirty)
    VALUES (:id, :index_number, :created_at, {", ".join(f":{k}" for k in DERIVED)}, :published_at, :content_hash, 0)"""


def derive(posts: list[tuple], count_rule: str = "first") -> dict:
    """An item's derived columns from its posts' rows (see POSTS_OF_ITEMS, without item_id)."""
    # Ties fall to the earlier copy, then the post id: the order never depends on how rows came.
    first = min(posts, key=lambda p: (p[2], CHANNEL_PRECEDENCE.index(p[1]), p[0]))
    by_precedence = sorted(posts, key=lambda p: (PRIMARY_PRECEDENCE.index(p[1]), p[2], p[0]))
    primary = next((p for p in by_precedence if not p[3]), by_precedence[0])  # a live copy if any
    metas = [json.loads(p[5] or "{}") for p in by_precedence]
    withdrawn = all(p[3] for p in posts)
    return {
        "title": primary[4],
        "published_at": first[2],
        "first_channel": first[1],
        "count_channel": counted_channel(posts, first, primary, count_rule),
        "primary_post": primary[0],
        "formed_on": next((m["formed_on"] for m in metas if m.get("formed_on")), None),
        "validity": next((m["validity"] for m in metas if m.get("validity")), None),
        "withdrawn": int(withdrawn),
        "withdrawn_at": max(p[3] for p in posts) if withdrawn else None,
        "content_hash": fingerprint(primary),
    }


def counted_channel(posts: list[tuple], first: tuple, primary: tuple, rule: str) -> str:
    if rule == "any_social":
        social = sorted((p for p in posts if p[1] in SOCIAL_CHANNELS), key=lambda p: (p[2], p[1]))
        return social[0][1] if social else first[1]
    if rule == "primary":
        return primary[1]
    return first[1]


def fingerprint(primary: tuple) -> str:
    """What the item shows, for deciding whether it changed: title key, normalised body, attachments."""
    _, _, _, _, title, _, attachments, title_key, body_hash = primary
    payload = json.dumps([title_key or title, body_hash or "", json.loads(attachments or "[]")], ensure_ascii=False)
    return hashlib.sha1(payload.encode()).hexdigest()
