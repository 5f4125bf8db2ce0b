"""The office's own record: what it has already filed (its catalog rows' 主题分类, its website's
栏目) and what staff confirmed, read from the store — the lessons the text model learns, and the
records a verdict consults beyond a title's words (`OfficeRecord`): how the office settles a title
that disputes its column, how it files a source's posts that name nothing, where it filed a
recurring title before, and how sure its verdicts have proved (calibrate.py).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..store import Store
from .calibrate import Calibration
from .model import Example
from .recurring import Recurrences
from .rules import FILED_CONFIDENCE, Verdict, dispute, rule_verdict, score
from .tree import CatalogTree


@dataclass(frozen=True)
class Candidate:
    """An item as classification reads it."""

    id: str
    example: Example
    content_hash: str
    status: str
    category: str | None
    published: datetime | None  # the instant; its day is the office's (local_date)
    normative: bool = False  # marked a normative document (by its 文号, or by staff filing it so)


# (title's leaf, office's filing) of a disputed item → how staff filed such items, per leaf
Settled = dict[tuple[str, str], Counter[str]]
# source name → how staff filed its confirmed items whose titles said nothing specific, per leaf
Sources = dict[str, Counter[str]]
ELSEWHERE = ""  # a vote for no leaf of the tree (the catalog filed the item under a 主题分类 that maps to none)


def candidates(store: Store, where: str) -> Iterable[Candidate]:
    """Items matching `where` (SQL on alias i), with the text and merged hints of all their copies."""
    rows = store.db.execute(
        f"""SELECT i.id, i.content_hash, i.status, i.category, i.published_at, v.title, v.body_text, p.source,
                   i.normative
            FROM items i JOIN posts p ON p.id = i.primary_post
            JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
            WHERE {where} ORDER BY i.id"""
    ).fetchall()
    if not rows:
        return
    metas = _metas(store, where)
    for item_id, digest, status, category, published, title, body, source, normative in rows:
        meta = metas.get(item_id, {}) | ({"source": source} if source else {})  # the primary copy's source
        example = Example(title or "", body or "", meta, category or "")
        at = datetime.fromisoformat(published) if published else None
        yield Candidate(item_id, example, digest or "", status or "", category, at, bool(normative))


def _metas(store: Store, where: str) -> dict[str, dict[str, str]]:
    """The metadata hints of the copies of matching items: the catalog's win over others, but for
    the 栏目, which is the website's (a district catalog's page names the office as its ColumnName)."""
    merged: dict[str, dict[str, str]] = defaultdict(dict)
    for item_id, channel, meta in store.db.execute(
        f"""SELECT ip.item_id, p.channel, v.meta FROM items i JOIN item_posts ip ON ip.item_id = i.id
            JOIN posts p ON p.id = ip.post_id JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
            WHERE {where}
            ORDER BY ip.item_id, CASE p.channel WHEN 'catalog' THEN 0 WHEN 'website' THEN 1 ELSE 2 END"""
    ):
        for key, value in json.loads(meta or "{}").items():
            if key == "column" and channel == "website" and value:
                merged[item_id][key] = value
            else:
                merged[item_id].setdefault(key, value)
    return merged


def lessons(store: Store, tree: CatalogTree) -> list[Example]:
    """What the office has already filed: the items staff confirmed, and the items its catalog
    rows (主题分类) and website columns (栏目) file under a leaf of today's tree — so the first run
    already knows the office before it asks staff about WeChat/Weibo posts."""
    leaves = tree.leaves()
    confirmed = [c.example for c in candidates(store, "i.status = 'confirmed'") if c.example.category in leaves]
    seen = {(e.title, e.category) for e in confirmed}
    filed = [replace(c.example, category=leaf, meta={}) for c in candidates(store, "COALESCE(i.status, '') != 'confirmed'")
             if (leaf := filed_leaf(tree, c.example)) and (c.example.title, leaf) not in seen]
    return confirmed + filed


def filed_leaf(tree: CatalogTree, example: Example) -> str | None:
    """The leaf the office itself filed an item under (its 栏目 or 主题分类, mapped), when the
    rules agree with it: a title word pointing elsewhere (a 消防 item in 工作动态) makes it no
    lesson. The model learns the text only (the label itself would teach it nothing new)."""
    verdict = rule_verdict(tree, score(tree, example.title, example.body, example.meta))
    return verdict.category if verdict.confidence >= FILED_CONFIDENCE else None


def filed_elsewhere(store: Store, tree: CatalogTree) -> list[Example]:
    """Items the district catalog filed under a 主题分类 that speaks for no leaf (综合政务\\其他) while
    their titles' words point to a leaf the office's labels do not give them (`against_label`: a
    website column of another leaf, or a leaf with 主题分类 of its own, such as 防汛 drills → 安全生产):
    the office did not file them where the rules would, which the record of its verdicts must count
    (as ELSEWHERE)."""
    out = []
    in_catalog = ("COALESCE(i.status, '') != 'confirmed' AND EXISTS (SELECT 1 FROM item_posts cp JOIN posts cpp "
                  "ON cpp.id = cp.post_id WHERE cp.item_id = i.id AND cpp.channel = 'catalog')")
    for c in candidates(store, in_catalog):
        topic = c.example.meta.get("topic", "")
        if not topic or score(tree, "", "", {"topic": topic}).filed:
            continue
        scored = score(tree, c.example.title, c.example.body, {})
        verdict = rule_verdict(tree, scored)
        if scored.keyword.get(verdict.category) and against_label(tree, c.example, verdict):
            out.append(replace(c.example, category=ELSEWHERE, meta={}))
    return out


def against_label(tree: CatalogTree, example: Example, verdict: Verdict) -> bool:
    """The office filed the item elsewhere: under a 栏目/主题分类 of another leaf, or under a 主题分类
    none of the verdict's leaf's own (防汛 drills the catalog filed under 综合政务\\其他, not 安全生产监管)."""
    filed = frozenset().union(*(tree.label_leaves(example.meta.get(key, "")) for key in ("column", "topic")))
    if filed:
        return verdict.category not in filed
    topic = example.meta.get("topic", "")
    own = next((rule.topics for rule in tree.rules if rule.category == verdict.category), ())
    return bool(topic and own) and not any(t in topic for t in own)


def silent(tree: CatalogTree, example: Example) -> bool:
    """Pure: nothing in the item's title or labels speaks for a leaf — no specific word, no filed
    栏目/主题分类, no 文号 (a generic ending may stand)."""
    scored = score(tree, example.title, example.body, example.meta)
    return not scored.keyword and not scored.filed and not scored.numbered


def source_records(tree: CatalogTree, confirmed: Iterable[Example]) -> Sources:
    """How staff filed the confirmed items whose titles said nothing specific, per source."""
    record: Sources = defaultdict(Counter)
    for example in confirmed:
        if (source := example.meta.get("source")) and silent(tree, example):
            record[source][example.category] += 1
    return dict(record)


def settled_disputes(tree: CatalogTree, confirmed: Iterable[Example]) -> Settled:
    """How staff filed the disputed items they confirmed, per kind of dispute (rules.dispute)."""
    settled: Settled = defaultdict(Counter)
    for example in confirmed:  # a lesson the office filed itself carries no 栏目 (meta {}): no dispute
        if example.meta and (sides := dispute(score(tree, example.title, example.body, example.meta))):
            settled[sides][example.category] += 1
    return dict(settled)


def catalog_settlements(store: Store, tree: CatalogTree) -> Settled:
    """How the office's own disclosure catalog filed the items it shares with a website column the
    title disputes (卫生 news in 工作动态, filed by the catalog under 卫生): the office settling that
    kind of dispute itself, before staff are asked. A catalog filing that speaks for neither side
    (综合政务\\其他) is a vote against both."""
    copies: dict[str, dict[str, tuple[str, dict[str, str]]]] = defaultdict(dict)
    for item_id, channel, title, meta in store.db.execute(
            """SELECT ip.item_id, p.channel, v.title, v.meta FROM item_posts ip JOIN posts p ON p.id = ip.post_id
               JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
               WHERE p.channel IN ('catalog', 'website') ORDER BY ip.item_id, p.id"""):
        copies[item_id].setdefault(channel, (title or "", json.loads(meta or "{}")))
    settled: Settled = defaultdict(Counter)
    for by_channel in copies.values():
        if len(by_channel) < 2:
            continue
        title, site = by_channel["website"]
        sides = dispute(score(tree, title, "", {"column": site.get("column", "")}))
        if not sides:
            continue
        catalog_title, catalog_meta = by_channel["catalog"]
        catalog_filed = score(tree, catalog_title, "", {"topic": catalog_meta.get("topic", "")}).filed
        chosen = [leaf for leaf in sides if leaf in catalog_filed]
        settled[sides][chosen[0] if chosen else ELSEWHERE] += 1
    return dict(settled)


def joined(*records: Settled) -> Settled:
    """Pure: the records of disputes from several witnesses (staff, the catalog), votes added up."""
    out: Settled = defaultdict(Counter)
    for record in records:
        for sides, votes in record.items():
            out[sides].update(votes)
    return dict(out)


@dataclass(frozen=True)
class OfficeRecord:
    """All a verdict consults of the office's own record besides its text model (empty: the rules
    alone, as on an office's first day)."""

    calibration: Calibration | None = None  # how sure its verdicts have proved (calibrate.py)
    settled: Settled = field(default_factory=dict)  # how it settles a title that disputes its column
    sources: Sources = field(default_factory=dict)  # how it files a source's posts that name nothing
    recurrences: Recurrences = field(default_factory=dict)  # where it filed a title of the same shape
