"""Dedupe stage: Posts → Items. Copies of one piece of information become one item.

A post joins an existing item when they share (rules in order):
  same 索引号, same 文号                  always the same item
  same normalised title (title_key)     and published within the merge window
  same normalised body                  and published within the merge window
Candidates come from the `item_keys` blocking table (indexed), never from comparing
all pairs. Every link records its rule and score; links a person made are never
touched. Posts are taken oldest first, so the earliest copy founds the item.

The year-end channel figures count each item once, under the channel of its first
publication (the earliest copy; on a tie, CHANNEL_PRECEDENCE decides).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .config import Config
from .normalize import title_key
from .store import Store, iso, parse_iso, utcnow

CHANNEL_PRECEDENCE = ("wechat", "weibo", "website", "catalog")  # on equal times, the first listed wins
PRIMARY_PRECEDENCE = ("catalog", "website", "wechat", "weibo")  # whose title and body the item shows
NO_DOC_NUMBER = {"", "无", "无文号", "无〔〕号", "—", "-", "/"}
MIN_TITLE_KEY = 6  # shorter titles ("通知") say too little to merge on
MIN_BODY_CHARS = 80


@dataclass(frozen=True)
class Match:
    item_id: str
    rule: str
    score: float


def blocking_keys(title: str, body_text: str, meta: dict[str, str]) -> list[tuple[str, bool]]:
    """(key, needs_date_window) pairs under which a post is filed for matching."""
    keys: list[tuple[str, bool]] = []
    if meta.get("index_number", "").strip() and "None" not in meta["index_number"]:
        keys.append(("idx:" + meta["index_number"].strip(), False))
    doc = re.sub(r"\s+", "", meta.get("doc_number", ""))
    if doc not in NO_DOC_NUMBER:
        keys.append(("doc:" + doc, False))
    tkey = title_key(title)
    if len(tkey) >= MIN_TITLE_KEY:
        keys.append(("title:" + tkey, True))
    body = re.sub(r"[\W_]+", "", body_text)
    if len(body) >= MIN_BODY_CHARS:
        keys.append(("body:" + hashlib.sha1(body.encode()).hexdigest()[:20], True))
    return keys


RULE_NAMES = {"idx": "same 索引号", "doc": "same 文号", "title": "same title", "body": "same body"}


def find_match(store: Store, keys: list[tuple[str, bool]], published: datetime | None,
               window: timedelta) -> Match | None:
    for key, windowed in keys:
        for item_id, item_published in store.db.execute(
            "SELECT item_id, published_at FROM item_keys WHERE key = ?", [key]
        ).fetchall():
            if windowed:
                other = parse_iso(item_published)
                if published is None or other is None or abs(published - other) > window:
                    continue
                score = 1.0 - abs(published - other) / window / 10
            else:
                score = 1.0
            return Match(item_id, RULE_NAMES[key.split(":", 1)[0]], round(score, 3))
    return None


def dedupe(config: Config, store: Store, now: datetime | None = None) -> dict[str, int]:
    """Assign every unassigned post to an item; refresh items whose posts changed."""
    now = now or utcnow()
    window = timedelta(days=config.merge_window_days)
    counts = {"posts": 0, "new_items": 0, "merged": 0, "refreshed": 0}
    pending = store.db.execute(
        """SELECT p.id, p.channel, p.published_at, p.first_seen, v.title, v.body_text, v.meta
           FROM posts p JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
           WHERE NOT EXISTS (SELECT 1 FROM item_posts ip WHERE ip.post_id = p.id)
           ORDER BY COALESCE(p.published_at, p.first_seen), p.id"""
    ).fetchall()
    with store.transaction():
        for pid, channel, published_s, first_seen, title, body_text, meta_s in pending:
            published = parse_iso(published_s) or parse_iso(first_seen)
            meta = json.loads(meta_s or "{}")
            keys = blocking_keys(title, body_text, meta)
            match = find_match(store, keys, published, window)
            if match is None:
                item_id = _new_item(store, config, pid, published, meta, now)
                match = Match(item_id, "first copy", 1.0)
                counts["new_items"] += 1
            else:
                counts["merged"] += 1
            store.db["item_posts"].insert(
                {"post_id": pid, "item_id": match.item_id, "rule": match.rule, "score": match.score,
                 "decided_by": "auto", "decided_at": iso(now)}
            )
            store.db["item_keys"].insert_all(
                ({"key": key, "item_id": match.item_id, "published_at": iso(published)} for key, _ in keys)
            )
            store.db.execute("UPDATE items SET dirty = 1 WHERE id = ?", [match.item_id])
            counts["posts"] += 1
        counts["refreshed"] = refresh_items(store, now)
    return counts


def _new_item(store: Store, config: Config, pid: str, published: datetime | None, meta: dict, now: datetime) -> str:
    item_id = "i" + pid[1:13]
    local = (published or now).astimezone(config.office.timezone)
    index_number = mint_index_number(store, config.office.org_code, local.year)
    store.db["items"].insert(
        {"id": item_id, "index_number": index_number, "created_at": iso(now), "dirty": 1, "status": None}
    )
    return item_id


def mint_index_number(store: Store, org_code: str, year: int) -> str:
    """The next 索引号 of a year: <org_code>/<year>-<5-digit serial>. Never reused."""
    row = store.db.execute("SELECT last FROM serials WHERE year = ?", [year]).fetchone()
    serial = (row[0] if row else 0) + 1
    store.db.execute(
        "INSERT INTO serials (year, last) VALUES (?, ?) ON CONFLICT(year) DO UPDATE SET last = excluded.last",
        [year, serial],
    )
    return f"{org_code}/{year}-{serial:05d}"


def refresh_items(store: Store, now: datetime) -> int:
    """Re-derive dirty items from their posts: first publication, primary copy, withdrawal."""
    dirty = [row[0] for row in store.db.execute("SELECT id FROM items WHERE dirty = 1").fetchall()]
    for item_id in dirty:
        posts = store.db.execute(
            """SELECT p.id, p.channel, p.published_at, p.first_seen, p.withdrawn_at, p.title, p.content_hash,
                      v.meta
               FROM item_posts ip JOIN posts p ON p.id = ip.post_id
               JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
               WHERE ip.item_id = ?""",
            [item_id],
        ).fetchall()
        if not posts:
            continue
        derived = _derive(posts)
        store.db.execute("UPDATE items SET " + ", ".join(f"{k} = ?" for k in derived) + ", dirty = 0 WHERE id = ?",
                         [*derived.values(), item_id])
        _touch_updated(store, item_id, now)
    return len(dirty)


def _derive(posts: Iterable[tuple]) -> dict:
    posts = list(posts)

    def when(p):
        return p[2] or p[3]

    first = min(posts, key=lambda p: (when(p), CHANNEL_PRECEDENCE.index(p[1])))
    live = [p for p in posts if not p[4]] or posts
    primary = min(live, key=lambda p: (PRIMARY_PRECEDENCE.index(p[1]), when(p)))
    metas = [json.loads(p[7] or "{}") for p in sorted(posts, key=lambda p: PRIMARY_PRECEDENCE.index(p[1]))]
    formed = next((m["formed_on"] for m in metas if m.get("formed_on")), None)
    validity = next((m["validity"] for m in metas if m.get("validity")), None)
    return {
        "title": primary[5],
        "published_at": when(first),
        "first_channel": first[1],
        "primary_post": primary[0],
        "formed_on": formed,
        "validity": validity,
        "withdrawn": int(all(p[4] for p in posts)),
        "content_hash": primary[6],  # what the item shows changed only if its primary copy did
    }


def _touch_updated(store: Store, item_id: str, now: datetime) -> None:
    # `updated_at` moves only when the content of some copy changed (not on a mere re-derive).
    store.db.execute(
        """UPDATE items SET updated_at = CASE WHEN updated_at IS NULL THEN published_at ELSE ? END,
                            seen_hash = content_hash
           WHERE id = ? AND (seen_hash IS NULL OR seen_hash != content_hash)""",
        [iso(now), item_id],
    )
