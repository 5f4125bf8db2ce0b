"""Staff decisions about merging, and why an item is what it is.

- `explain(store, item)`: an item's posts with the rule and score that put each there, its
  first publication and counted channel, withdrawals, versions and the staff decisions
  about it, as data (the review page renders it; `xxgk explain` prints `explanation_text`).
- `merge_items(…)`: staff merge two items; `split_item(…)`: staff move posts out into a new
  item. Both are recorded in `decisions` (who, when, from → to). The moved links carry
  decided_by = the person, and no automatic run moves a link that exists (dedupe only
  assigns new posts), so a later run never undoes them. A split is also evidence for new
  copies: one that matches both sides equally joins the posts staff split out (stage.staff_side).
- A run records its own decisions about an item here too (who: xxgk): a copy whose 发布机构 was
  corrected upstream to another agency leaves it (`set aside`), and comes back (`returned`).
- `withdrawn_items(store)`: items all of whose copies were withdrawn upstream (flagged, kept).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from typing import Any

from ..config import Config
from . import rules
from .set_aside import posts_of
from .stage import fresh_item_id
from .identifiers import mint_index_number
from ..errors import MergeError
from .item_fields import derive_items, refresh_items
from .ownership import Ownership
from ..store import Store, iso, parse_iso, utcnow
from ..models import channel_label, local_year, staff_time


@dataclass(frozen=True)
class PostLink:
    """One post of an item, and why it is there."""

    post_id: str
    channel: str
    url: str
    title: str
    published_at: str | None
    versions: int
    withdrawn_at: str | None
    withdrawn_reason: str | None
    rule: str
    score: float
    decided_by: str
    decided_at: str | None


@dataclass(frozen=True)
class Decision:
    at: str
    who: str
    kind: str
    before: dict[str, Any]
    after: dict[str, Any]
    note: str


@dataclass(frozen=True)
class Explanation:
    item_id: str
    index_number: str
    title: str
    published_at: str | None  # first publication
    first_channel: str | None
    count_channel: str | None  # the channel the year-end figures count it under
    updated_at: str | None
    withdrawn: bool
    withdrawn_at: str | None
    merged_into: str | None
    posts: tuple[PostLink, ...]
    decisions: tuple[Decision, ...]
    minted_index: str | None = None  # the 索引号 xxgk minted for it, if any (resolvable for good)
    publisher: str = ""
    doc_number: str = ""
    choices: dict[str, Any] | None = None  # what the item shows and why: title, dates, 索引号, 文号, 发布机构

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_item(store: Store, ref: str) -> str:
    """An item id from an id or a 索引号."""
    row = store.db.execute("SELECT id FROM items WHERE id = ? OR index_number = ? OR minted_index = ? "
                           "ORDER BY index_number = ? DESC LIMIT 1", [ref, ref, ref, ref]).fetchone()
    if not row:
        aside = set_aside_of(store, ref)
        if aside:
            raise MergeError(f"{ref} 不是本单位的条目：{aside[2][:10]} 已作为他单位信息排除（{aside[1]}）")
        raise MergeError(f"没有条目 {ref}（请给出条目编号，如 i0123456789ab，或其索引号）")
    return str(row[0])


def resolve_post(store: Store, ref: str) -> str:
    """A post id from an id or its URL."""
    row = store.db.execute("SELECT id FROM posts WHERE id = ? OR url = ? ORDER BY id LIMIT 1", [ref, ref]).fetchone()
    if not row:
        raise MergeError(f"没有渠道副本 {ref}（请给出副本编号，如 p0123456789abcdef，或其网址）")
    return str(row[0])


def explain(store: Store, ref: str, config: Config | None = None) -> Explanation:
    """Why an item is what it is, as data (with `config`: what it shows and why, derived afresh)."""
    item_id = resolve_item(store, ref)
    (index_number, title, published, first_channel, count_channel, updated, withdrawn, withdrawn_at,
     merged_into, minted, publisher, doc_number) = store.db.execute(
        """SELECT index_number, title, published_at, first_channel, count_channel, updated_at, withdrawn,
                  withdrawn_at, merged_into, minted_index, publisher, doc_number FROM items WHERE id = ?""",
        [item_id]).fetchone()
    choices = None
    if config is not None:
        derived = derive_items(store, [item_id], config.merge_count_channel, Ownership.of(config.office), True)[0][1]
        choices = derived["choices"] if derived else None
    posts = tuple(PostLink(*row) for row in store.db.execute(
        """SELECT p.id, p.channel, p.url, p.title, COALESCE(p.published_at, p.first_seen), p.version,
                  p.withdrawn_at, p.withdrawn_reason, ip.rule, ip.score, ip.decided_by, ip.decided_at
           FROM item_posts ip JOIN posts p ON p.id = ip.post_id WHERE ip.item_id = ?
           ORDER BY COALESCE(p.published_at, p.first_seen), p.id""", [item_id]))
    decisions = tuple(
        Decision(at, who, kind, json.loads(before or "{}"), json.loads(after or "{}"), note or "")
        for at, who, kind, before, after, note in store.db.execute(
            "SELECT at, who, kind, before, after, note FROM decisions WHERE item_id = ? AND kind IN "
            "('merge', 'merged into', 'split', 'split from', 'set aside', 'returned') ORDER BY at, id", [item_id]))
    return Explanation(item_id, index_number, title or "", published, first_channel, count_channel, updated,
                       bool(withdrawn), withdrawn_at, merged_into, posts, decisions, minted, publisher or "",
                       doc_number or "", choices)


def set_aside_of(store: Store, ref: str) -> tuple[str, str, str] | None:
    """(post id, reason, when) if `ref` (a post id or URL) names a row set aside as another agency's."""
    row: tuple[str, str, str] | None = store.db.execute(
        """SELECT a.post_id, a.reason, a.decided_at FROM set_aside a JOIN posts p ON p.id = a.post_id
           WHERE p.id = ? OR p.url = ? LIMIT 1""", [ref, ref]).fetchone()
    return row


def explanation_text(e: Explanation, tz: tzinfo | None = None) -> str:
    """The explanation as staff read it on a terminal: in Chinese, in the review page's words
    (its channel names and merge rules; the store and --json keep the English names)."""

    def when(value: str | None) -> str:
        dt = parse_iso(value)
        return "—" if not dt else staff_time(dt, tz) if tz else dt.strftime("%Y-%m-%d %H:%M")

    def channel(name: str | None) -> str:
        return channel_label(name) if name else "—"

    lines = [f"{e.item_id}  索引号 {e.index_number}", f"  {e.title}"]
    if e.minted_index and e.minted_index != e.index_number:
        lines.append(f"  原索引号 {e.minted_index}（xxgk 所编，仍可用来查找本条目）")
    if e.publisher or e.doc_number:
        lines.append(f"  发布机构 {e.publisher or '—'}   文号 {e.doc_number or '—'}")
    for what, why in (e.choices or {}).items():
        lines.append(f"  {_CHOICE_LABELS.get(what, what)}：{why}")
    if e.merged_into:
        lines.append(f"  已由工作人员并入 {e.merged_into}：本条目只保留为记录，不单独发布")
    lines.append(f"  首次发布 {when(e.published_at)}（{channel(e.first_channel)}）；年报计入 {channel(e.count_channel)}；"
                 f"内容最近变更 {when(e.updated_at)}")
    if not e.posts and not e.merged_into:
        lines.append("  已无渠道副本：其副本都已作为他单位信息移出；不发布，不计入年报")
    if e.withdrawn:
        lines.append(f"  已撤下：所有副本都已在源头撤下（最后一个 {when(e.withdrawn_at)}）；保留并标记")
    lines.append(f"  各渠道副本（{len(e.posts)} 个）：")
    for post in e.posts:
        by = "" if post.decided_by == "auto" else f"，{post.decided_by} {when(post.decided_at)}"
        lines.append(f"    {post.post_id} {channel(post.channel)} {when(post.published_at)}  "
                     f"合并依据 {rules.RULE_LABELS.get(post.rule, post.rule)}（{post.score:.3f}{by}）")
        lines.append(f"      {post.title}")
        lines.append(f"      {post.url}" + (f"  （{post.versions} 个版本）" if post.versions > 1 else ""))
        if post.withdrawn_at:
            lines.append(f"      已撤下：{when(post.withdrawn_at)}（{post.withdrawn_reason or '源头已删除'}）")
    lines.extend(f"  {when(d.at)} {d.who}：{_decision_text(d)}" for d in e.decisions)
    return "\n".join(lines)


# What the explanation calls each choice, and each decision about an item (the review page's words).
_CHOICE_LABELS = {"title": "标题来源", "dates": "日期", "index_number": "索引号", "doc_number": "文号",
                  "publisher": "发布机构"}
DECISION_KINDS = {"merge": "合并", "merged into": "被合并", "split": "拆分", "split from": "拆分而来",
                  "set aside": "移出（他单位信息）", "returned": "移回"}


def _decision_text(d: Decision) -> str:
    """A decision as a clerk reads it: its kind, each item's copies before → after, the note."""

    def copies(side: dict[str, Any]) -> str:
        items = side.get("items") or {}
        return "；".join(f"{item} 的副本 {'、'.join(posts) or '（无）'}" for item, posts in items.items()) or "—"

    note = f"（{d.note}）" if d.note else ""
    return f"{DECISION_KINDS.get(d.kind, d.kind)}{note}：{copies(d.before)} → {copies(d.after)}"


def _decide(store: Store, now: datetime, who: str, item_id: str, kind: str, before: dict[str, Any], after: dict[str, Any],
            note: str) -> None:
    store.record_decision(iso(now), who, item_id, kind, json.dumps(before, ensure_ascii=False),
                          json.dumps(after, ensure_ascii=False), note)


def _move(store: Store, post_ids: list[str], item_id: str, rule: str, who: str, now: datetime) -> None:
    store.db.conn.executemany(
        "UPDATE item_posts SET item_id = ?, rule = ?, score = 1.0, decided_by = ?, decided_at = ? WHERE post_id = ?",
        [(item_id, rule, who, iso(now), pid) for pid in post_ids],
    )


def merge_items(config: Config, store: Store, keep_ref: str, other_ref: str, who: str, note: str = "",
                now: datetime | None = None) -> str:
    """Staff: the posts of `other` join `keep`; `other` is kept as a record (merged_into), unpublished."""
    now = now or utcnow()
    with store.transaction():
        keep, other = resolve_item(store, keep_ref), resolve_item(store, other_ref)
        if keep == other:
            raise MergeError(f"条目 {keep} 不能与自身合并")
        (gone,) = store.db.execute("SELECT merged_into FROM items WHERE id = ?", [keep]).fetchone()
        if gone:  # a record only: what joins it would never be published
            raise MergeError(f"条目 {keep} 已并入 {gone}，不能再把其他条目并入它；请并入 {gone}")
        moved = posts_of(store, other)
        if not moved:
            raise MergeError(f"条目 {other} 没有渠道副本（可能已并入其他条目）")
        before = {"items": {keep: posts_of(store, keep), other: moved}}
        _move(store, moved, keep, "staff merge", who, now)
        store.db.execute("UPDATE items SET merged_into = ?, published_at = NULL, dirty = 0 WHERE id = ?", [keep, other])
        store.db.execute("UPDATE items SET dirty = 1 WHERE id = ?", [keep])
        after = {"items": {keep: posts_of(store, keep)}, "merged_into": keep}
        _decide(store, now, who, keep, "merge", before, after, note)
        _decide(store, now, who, other, "merged into", before, after, note)
        refresh_items(store, config, now)
    return keep


def split_item(config: Config, store: Store, item_ref: str, post_refs: list[str], who: str, note: str = "",
               now: datetime | None = None) -> str:
    """Staff: move the named posts out of an item; returns the item they now form. The item keeps its
    id, 索引号 and page with its first post, whichever side the clerk named: a split undoes a wrong
    merge as well as it separates two documents. Posts a staff merge brought in from another item,
    split out again as they came, revive that item (its id, 索引号, category and status); any other
    group becomes a new item (new id, new 索引号)."""
    now = now or utcnow()
    with store.transaction():
        item_id = resolve_item(store, item_ref)
        posts = sorted({resolve_post(store, ref) for ref in post_refs})
        current = posts_of(store, item_id)
        strangers = [p for p in posts if p not in current]
        if strangers:
            raise MergeError(f"渠道副本 {strangers[0]} 不属于条目 {item_id}")
        if len(posts) >= len(current):
            raise MergeError(f"不能把条目 {item_id} 的全部渠道副本拆出（条目将为空），请少选几个")
        if _first_post(store, current) in posts:  # the clerk named the item's own first post: the rest leave
            posts = [p for p in current if p not in posts]
        revived = _merged_in_as(store, item_id, posts)
        out_id = revived or _new_item(store, config, posts, now)
        _move(store, posts, out_id, "staff split", who, now)
        store.db.execute("UPDATE items SET merged_into = NULL, dirty = 1 WHERE id IN (?, ?)", [item_id, out_id])
        before = {"items": {item_id: current}}
        after = {"items": {item_id: [p for p in current if p not in posts], out_id: posts}}
        _decide(store, now, who, item_id, "split", before, after, note)
        _decide(store, now, who, out_id, "split from", before, after, note)
        refresh_items(store, config, now)
    return out_id


def _first_post(store: Store, posts: list[str]) -> str:
    """The post an item was first published as (its earliest; the item's id and 索引号 are its)."""
    row = store.db.execute(f"""SELECT id FROM posts WHERE id IN ({','.join('?' * len(posts))})
                               ORDER BY COALESCE(published_at, first_seen), id LIMIT 1""", posts).fetchone()
    return str(row[0])


def _merged_in_as(store: Store, item_id: str, posts: list[str]) -> str | None:
    """The item a staff merge took exactly these posts from, if it is still merged into this one."""
    for other, before in store.db.execute(
            """SELECT d.item_id, d.before FROM decisions d JOIN items i ON i.id = d.item_id
               WHERE d.kind = 'merged into' AND i.merged_into = ? ORDER BY d.id DESC""", [item_id]):
        moved = (json.loads(before or "{}").get("items") or {}).get(other) or []
        if sorted(moved) == posts:
            return str(other)
    return None


def _new_item(store: Store, config: Config, posts: list[str], now: datetime) -> str:
    """A new item for posts split out: its id from its first post, a 索引号 minted in that post's year."""
    founder = _first_post(store, posts)
    when = store.db.execute("SELECT COALESCE(published_at, first_seen) FROM posts WHERE id = ?", [founder]).fetchone()[0]
    new_id = fresh_item_id(store, founder)
    number = mint_index_number(store, config.office.org_code, local_year(when, config.office.timezone))
    store.db.execute("INSERT INTO items (id, index_number, minted_index, created_at, dirty) VALUES (?, ?, ?, ?, 1)",
                     [new_id, number, number, iso(now)])
    return new_id


def withdrawn_items(store: Store) -> list[dict[str, Any]]:
    """Items every copy of which was withdrawn upstream: flagged for staff, never removed."""
    return [
        {"item_id": i, "index_number": n, "title": t, "withdrawn_at": w, "published_at": p}
        for i, n, t, w, p in store.db.execute(
            """SELECT id, index_number, title, withdrawn_at, published_at FROM items
               WHERE withdrawn = 1 AND merged_into IS NULL ORDER BY withdrawn_at DESC, id""")
    ]
