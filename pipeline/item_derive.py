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
        posts: dict[str, list[tuple]] = defaultdict(list)
        for row in store.db.execute(POSTS_OF_ITEMS.format(marks=",".join("?" * len(batch))), batch):
            posts[row[0]].append(row[1:])
        updates = []
        for item_id in batch:
            if posts[item_id]:
                derived = derive(posts[item_id], rule)
                updates.append([*derived.values(), item_id])
            else:  # merged into another item by staff: nothing to show
                store.db.execute("UPDATE items SET dirty = 0 WHERE id = ?", [item_id])
        if updates:
            store.db.conn.executemany(
                "UPDATE items SET " + ", ".join(f"{k} = ?" for k in DERIVED) + ", dirty = 0 WHERE id = ?", updates)
            store.db.conn.executemany(
                """UPDATE items SET updated_at = CASE WHEN updated_at IS NULL THEN published_at ELSE ? END,
                                    seen_hash = content_hash
                   WHERE id = ? AND (seen_hash IS NULL OR seen_hash != content_hash)""",
                [(iso(now), u[-1]) for u in updates])
    return len(dirty)


DERIVED = ("title", "published_at", "first_channel", "count_channel", "primary_post", "formed_on", "validity",
           "withdrawn", "withdrawn_at", "content_hash")


def derive(posts: list[tuple], count_rule: str = "first") -> dict:
    """An item's derived columns from its posts' rows (see POSTS_OF_ITEMS, without item_id)."""
    first = min(posts, key=lambda p: (p[2], CHANNEL_PRECEDENCE.index(p[1])))
    live = [p for p in posts if not p[3]] or posts
    primary = min(live, key=lambda p: (PRIMARY_PRECEDENCE.index(p[1]), p[2]))
    metas = [json.loads(p[5] or "{}") for p in sorted(posts, key=lambda p: PRIMARY_PRECEDENCE.index(p[1]))]
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
