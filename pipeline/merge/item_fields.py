"""Re-derive an item from its posts: first publication, counted channel, primary copy, withdrawal.

- First publication: the earliest copy (date, and the channel that showed it); on equal
  times CHANNEL_PRECEDENCE decides.
- Counted channel (the year-end figures count each item once, under one channel), set by
  `[merge] count_channel`:
    "first"       the channel of the first publication (default; what the seed report does)
    "any_social"  政务微博、微信 (WeChat, or Weibo) if any copy appeared there, else the first
    "primary"     the channel of the copy the item shows
- Primary copy (whose title and body the item shows, latest version): a live copy before a
  withdrawn one, then PRIMARY_PRECEDENCE (the catalog's formal copy first, then the office's
  own site). Its title is shown cleaned (clean_title: no 【栏目】 tag, no stray spaces,
  full-width punctuation, no trailing 。).
- Identifiers: the official 索引号 and 文号 of the copies (catalog first; identifiers.py
  mints a 索引号 only for an item without one). 发布机构: the office, or the department the
  office publishes for named in a copy's metadata (ownership.py); never a WeChat
  account name or a 来源 line. Each choice and why: derive(explain=True), for xxgk explain.
- Withdrawn: every copy withdrawn upstream. The item is flagged with the date of the last
  withdrawal, never removed.
- `updated_at` moves only when what the item shows changes: the fingerprint of its primary
  copy (title key, normalised body, attachments). A new copy of the same text, or a mere
  re-derive, leaves it alone, so a feed entry keeps its `updated` until the content changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from datetime import datetime, tzinfo
from itertools import islice
from typing import Any

import re

from ..config import Config
from .identifiers import Minter, is_minted, official_seen, taken
from .rules import NO_DOC_NUMBER, identity_keys
from ..models import SOCIAL_CHANNELS, channel_label, local_year
from .ownership import Ownership
from ..store import Store, iso, utcnow

CHANNEL_PRECEDENCE = ("wechat", "weibo", "website", "catalog")  # on equal times, the first listed wins
PRIMARY_PRECEDENCE = ("catalog", "website", "wechat", "weibo")  # whose title and body the item shows
COUNT_CHANNEL_RULES = ("first", "any_social", "primary")
CHUNK = 500
log = logging.getLogger("xxgk.dedupe")

POSTS_OF_ITEMS = """SELECT ip.item_id, p.id, p.channel, COALESCE(p.published_at, p.first_seen), p.withdrawn_at,
        v.title, v.meta, v.attachments, s.title_key, s.body_hash
    FROM item_posts ip JOIN posts p ON p.id = ip.post_id
    JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
    LEFT JOIN post_sketches s ON s.post_id = p.id
    WHERE ip.item_id IN ({marks})"""


# A post's row as POSTS_OF_ITEMS gives it, without the item id: id, channel, published (else first
# seen), withdrawn at, title, meta (JSON), attachments (JSON), title key, body hash.
PostRow = tuple[str, str, str, str | None, str | None, str | None, str | None, str | None, str | None]


def refresh_items(store: Store, config: Config, now: datetime) -> int:
    """Re-derive every dirty item from its posts. Returns how many were refreshed."""
    rule = getattr(config, "merge_count_channel", "first")
    owner = Ownership.of(config.office)
    dirty = [row[0] for row in store.db.execute("SELECT id FROM items WHERE dirty = 1")]
    minter = Minter(store, config.office.org_code)
    it = iter(dirty)
    while batch := list(islice(it, CHUNK)):
        updates = []
        for item_id, derived in derive_items(store, batch, rule, owner):
            if derived:
                updates.append({**derived, "id": item_id, "now": iso(now)})
            else:  # merged into another item by staff: nothing to show
                store.db.execute("UPDATE items SET dirty = 0 WHERE id = ?", [item_id])
        store.db.conn.executemany(UPDATE_DERIVED, updates)
        _show_identifiers(store, minter, config.office.timezone, updates)
    minter.save()
    return len(dirty)


def _show_identifiers(store: Store, minter: Minter, tz: tzinfo, updates: list[dict[str, Any]]) -> None:
    """An item shows its official 索引号 once a copy gives one (the minted one stays in
    minted_index); an item without one keeps its minted number, re-minted only if that number
    turned out to be another document's official one (a store from before minted numbers had
    their own form)."""
    current = dict(store.db.execute(
        f"SELECT id, index_number FROM items WHERE id IN ({','.join('?' * len(updates))})",
        [u["id"] for u in updates]).fetchall()) if updates else {}
    for u in updates:
        official, now_shown = u["official_index"], current.get(u["id"])
        if official and official != now_shown:
            if u["official_channel"] == "catalog":
                reclaim(store, minter, tz, official)
            store.db.execute("UPDATE OR IGNORE items SET index_number = ?, minted_index = COALESCE(minted_index, ?) "
                             "WHERE id = ?", [official, now_shown, u["id"]])
        elif not official and now_shown and not is_minted(now_shown) and official_seen(store, now_shown):
            year = local_year(u["published_at"], tz)
            store.db.execute("UPDATE items SET index_number = ?, minted_index = ? WHERE id = ?",
                             [(number := minter.mint(year)), number, u["id"]])


def insert_items(store: Store, config: Config, rows: list[tuple[str, int, str]],
                 posts: dict[str, list[PostRow]]) -> None:
    """Write new items (id, year, created at) derived from their posts' rows (as POSTS_OF_ITEMS
    gives them, without the item id): what refresh_items would set, in one write instead of two.
    An item shows the official 索引号 of its copies, unless another item already shows it;
    otherwise one is minted (of the year of its first publication)."""
    rule = getattr(config, "merge_count_channel", "first")
    owner = Ownership.of(config.office)
    derived = {item_id: derive(posts[item_id], rule, owner) for item_id, _, _ in rows}
    held = taken(store, sorted({d["official_index"] for d in derived.values() if d["official_index"]}))
    minter = Minter(store, config.office.org_code)
    shown: dict[str, str | None] = {}
    by_catalog = sorted(rows, key=lambda row: derived[row[0]]["official_channel"] != "catalog")  # they claim first
    for item_id, _, _ in by_catalog:
        official = derived[item_id]["official_index"]
        if official and (official not in held or derived[item_id]["official_channel"] == "catalog"
                         and official not in shown.values() and reclaim(store, minter, config.office.timezone,
                                                                        official)):
            held.add(official)
            shown[item_id] = official
    unofficial = [(item_id, year) for item_id, year, _ in rows if item_id not in shown]
    minted = dict(zip((i for i, _ in unofficial), minter.mint_many([y for _, y in unofficial],
                                                                   [[p[0] for p in posts[i]] for i, _ in unofficial])))
    store.db.conn.executemany(INSERT_DERIVED, (
        {**derived[item_id], "index_number": shown.get(item_id) or minted[item_id], "minted_index": minted.get(item_id),
         "id": item_id, "created_at": created_at} for item_id, _, created_at in rows))
    minter.save()


def reclaim(store: Store, minter: Minter, tz: tzinfo, number: str) -> bool:
    """A catalog row's 索引号 is its document's: an item that shows it only because one of its pages
    printed it (another document's number, copied into a website page's metadata table) gives it
    up for its minted number. True when the number is free now; False when a catalog row of the
    item showing it carries it too (or no stored item shows it)."""
    # a merged-away item has no publication day of its own any more: its number's year is its creation's
    row = store.db.execute("SELECT id, minted_index, COALESCE(published_at, created_at) FROM items WHERE index_number = ?",
                           [number]).fetchone()
    if row is None:
        return False
    keys = [key for key, rule in identity_keys({"index_number": number}).items() if rule == "same 索引号"]
    if store.db.execute("""SELECT 1 FROM item_posts ip JOIN posts p ON p.id = ip.post_id
                           JOIN post_sketches s ON s.post_id = p.id
                           WHERE ip.item_id = ? AND p.channel = 'catalog' AND s.idx = ? LIMIT 1""",
                        [row[0], keys[0] if keys else 0]).fetchone():
        return False
    mine = row[1] or minter.mint(local_year(row[2] or utcnow(), tz))  # (a store from before created_at: today's year)
    store.db.execute("UPDATE items SET index_number = ?, minted_index = ? WHERE id = ?", [mine, mine, row[0]])
    log.warning("dedupe: 条目 %s 显示的索引号 %s 是目录中另一文件的索引号（其网页误印），改为 %s", row[0], number, mine)
    return True


def derive_items(store: Store, item_ids: list[str], rule: str, owner: Ownership | None = None,
                 explain: bool = False) -> list[tuple[str, dict[str, Any] | None]]:
    """Each item's derived columns, or None for an item left with no posts."""
    posts: dict[str, list[PostRow]] = defaultdict(list)
    for row in store.db.execute(POSTS_OF_ITEMS.format(marks=",".join("?" * len(item_ids))), item_ids):
        posts[row[0]].append(row[1:])
    return [(item_id, derive(posts[item_id], rule, owner, explain) if posts[item_id] else None)
            for item_id in item_ids]


DERIVED = ("title", "published_at", "first_channel", "count_channel", "primary_post", "formed_on", "validity",
           "withdrawn", "withdrawn_at", "content_hash", "doc_number", "publisher")
# `updated` moves (to now; to the first publication the first time) only when what the item shows changed.
UPDATE_DERIVED = f"""UPDATE items SET {", ".join(f"{k} = :{k}" for k in DERIVED)}, dirty = 0,
    updated_at = CASE WHEN seen_hash IS :content_hash THEN updated_at
                      WHEN updated_at IS NULL THEN :published_at ELSE :now END,
    seen_hash = :content_hash
    WHERE id = :id"""
# A new item is shown as derived from the start: `updated` is its first publication.
INSERT_DERIVED = f"""INSERT INTO items
    (id, index_number, minted_index, created_at, {", ".join(DERIVED)}, updated_at, seen_hash, dirty)
    VALUES (:id, :index_number, :minted_index, :created_at, {", ".join(f":{k}" for k in DERIVED)}, :published_at,
            :content_hash, 0)"""


def derive(posts: list[PostRow], count_rule: str = "first", owner: Ownership | None = None,
           explain: bool = False) -> dict[str, Any]:
    """An item's derived columns from its posts' rows (see POSTS_OF_ITEMS, without item_id), and
    `official_index`: the official 索引号 its copies give (None: to be minted) and
    `official_channel`, the channel of the copy that gives it; with `explain`,
    `choices`: what it shows and why (xxgk explain)."""
    # Ties fall to the earlier copy, then the post id: the order never depends on how rows came.
    first = min(posts, key=lambda p: (p[2], CHANNEL_PRECEDENCE.index(p[1]), p[0]))
    by_precedence = sorted(posts, key=lambda p: (PRIMARY_PRECEDENCE.index(p[1]), p[2], p[0]))
    primary = next((p for p in by_precedence if not p[3]), by_precedence[0])  # a live copy if any
    metas = [json.loads(p[5]) if p[5] and p[5] != "{}" else {} for p in by_precedence]
    withdrawn = all(p[3] for p in posts)
    index_number, index_from = _official(by_precedence, metas, "index_number")
    doc_number, doc_from = _official(by_precedence, metas, "doc_number")
    publisher, publisher_why = owner.shown_publisher(metas) if owner else ("", "")
    title = clean_title(primary[4] or "", primary[1])
    derived = {
        "title": title,
        "published_at": first[2],
        "first_channel": first[1],
        "count_channel": counted_channel(posts, first, primary, count_rule),
        "primary_post": primary[0],
        "formed_on": next((m["formed_on"] for m in metas if m.get("formed_on")), None),
        "validity": next((m["validity"] for m in metas if m.get("validity")), None),
        "withdrawn": int(withdrawn),
        "withdrawn_at": max(p[3] or "" for p in posts) if withdrawn else None,
        "content_hash": fingerprint(primary),
        "doc_number": doc_number or next((m["doc_number"] for m in metas if m.get("doc_number")), ""),
        "publisher": publisher,
        "official_index": index_number,
        "official_channel": index_from[1] if index_from else None,
    }
    if explain:
        derived["choices"] = {
            "title": f"{channel_label(primary[1])}副本 {primary[0]}" + (f"（原标题“{primary[4]}”经清理）"
                                                                      if title != primary[4] else ""),
            "dates": f"首次公开时间取最早的副本：{channel_label(first[1])}副本 {first[0]}，{first[2]}",
            "index_number": f"正式索引号，来自{channel_label(index_from[1])}副本 {index_from[0]}" if index_from
                            else "各副本均无正式索引号：由 xxgk 编号",
            "doc_number": f"来自{channel_label(doc_from[1])}副本 {doc_from[0]}" if doc_from else "各副本均无文号",
            "publisher": publisher_why,
        }
    return derived


def _official(by_precedence: list[PostRow], metas: list[dict[str, Any]], key: str) -> tuple[str | None, PostRow | None]:
    """The first real official identifier among the copies (catalog first), and its copy."""
    for post, meta in zip(by_precedence, metas):
        value = meta.get(key)
        if value and (value := re.sub(r"\s+", "", value)) and value.lower() not in NO_DOC_NUMBER and value != "无〔〕号":
            return value, post
    return None, None


_UNCLEAN = re.compile(r"[,:;?!()\s\u3000\xa0【\[]|。$")
_TAG = re.compile(r"^\s*(?:【[^】]{1,10}】|\[[^\]]{1,10}\])\s*(?=\S{6})")
_HALF = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_PUNCT = re.compile(r"(?<!\d)[,:;?!]|[,:;?!](?!\d)|[()]")
_WIDE = r"[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]"
_STRAY_SPACE = re.compile(rf"(?<={_WIDE})[ \t\u3000\xa0]+|[ \t\u3000\xa0]+(?={_WIDE})")


def clean_title(title: str, channel: str = "website") -> str:
    """A title as the item shows it: no column tag (【工作动态】; a Weibo post's 【…】 is its title and
    stays), no spaces beside Chinese text, Chinese (full-width) punctuation, no trailing 。."""
    if not _UNCLEAN.search(title):
        return title
    t = _HALF_PUNCT.sub(lambda m: _HALF[m.group()], title.strip())
    t = _STRAY_SPACE.sub("", t)
    if channel != "weibo":
        t = _TAG.sub("", t)
    return t.rstrip("。. ") or title.strip()


def counted_channel(posts: list[PostRow], first: PostRow, primary: PostRow, rule: str) -> str:
    if rule == "any_social":
        social = sorted((p for p in posts if p[1] in SOCIAL_CHANNELS), key=lambda p: (p[2], p[1]))
        return social[0][1] if social else first[1]
    if rule == "primary":
        return primary[1]
    return first[1]


def fingerprint(primary: PostRow) -> str:
    """What the item shows, for deciding whether it changed: title key, normalised body, attachments."""
    _, _, _, _, title, _, attachments, title_key, body_hash = primary
    payload = json.dumps([title_key or title, body_hash or "", json.loads(attachments or "[]")], ensure_ascii=False)
    return hashlib.sha1(payload.encode()).hexdigest()
