"""Classify stage: Item → a leaf of the disclosure catalog, a confidence and a reason.

Signals, strongest first: the district catalog's own 主题分类 and the website column
(hints), keywords in the title, keywords in the body. Longer keywords weigh more
(低保 beats 公示). The catalog tree and its rules are data (catalog/default.toml).
Items a person confirmed are never reclassified.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .config import Config
from .errors import ConfigError
from .models import Category
from .store import Store

TITLE_WEIGHT = 2.0  # per character of a matched title keyword
BODY_WEIGHT = 0.5  # per character of a matched body keyword
TOPIC_WEIGHT = 6.0
COLUMN_WEIGHT = 5.0
NORMATIVE_DOC = re.compile(r"规〔\d{4}〕|规\[\d{4}\]|规范性文件")  # e.g. 兴街规〔2020〕1号


@dataclass(frozen=True)
class Rule:
    category: str
    title: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogTree:
    categories: tuple[Category, ...]
    rules: tuple[Rule, ...]
    default: str
    names: dict[str, str] = field(default_factory=dict)

    def leaves(self) -> set[str]:
        parents = {c.parent for c in self.categories if c.parent}
        return {c.id for c in self.categories if c.id not in parents}

    def top_of(self, category_id: str) -> str:
        by_id = {c.id: c for c in self.categories}
        node = by_id.get(category_id)
        while node is not None and node.parent:
            node = by_id.get(node.parent)
        return node.id if node else category_id


@dataclass(frozen=True)
class Verdict:
    category: str
    confidence: float
    reason: str
    normative: bool = False


def load_tree(path: Path | None = None) -> CatalogTree:
    """The catalog tree: the office's file, or the bundled default."""
    where = str(path) if path else "pipeline/catalog/default.toml"
    try:
        text = path.read_text(encoding="utf-8") if path else \
            resources.files("pipeline.catalog").joinpath("default.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{where}: cannot read the catalog tree: {e}") from None
    categories, rules, default = [], [], None
    for position, node in enumerate(data.get("category", [])):
        if not isinstance(node, dict) or not isinstance(node.get("id"), str) or not isinstance(node.get("name"), str):
            raise ConfigError(f"{where}: category #{position + 1}: expected a table with id and name")
        categories.append(Category(node["id"], node["name"], node.get("parent"), position))
        rules.append(Rule(node["id"], *(tuple(node.get(k, ())) for k in ("title", "body", "topics", "columns"))))
        if node.get("default"):
            default = node["id"]
    ids = {c.id for c in categories}
    for c in categories:
        if c.parent and c.parent not in ids:
            raise ConfigError(f"{where}: category {c.id}: parent {c.parent!r} is not a category id")
    if default is None:
        raise ConfigError(f"{where}: no category has default = true")
    return CatalogTree(tuple(categories), tuple(rules), default, {c.id: c.name for c in categories})


def classify_one(tree: CatalogTree, title: str, body: str, meta: dict[str, str]) -> Verdict:
    """Pure: the best leaf for an item's title, body and metadata hints."""
    names = tree.names
    if NORMATIVE_DOC.search(meta.get("doc_number", "")) or "规范性文件" in title or \
            "规范性文件" in meta.get("topic", "") + meta.get("topic_group", ""):
        return Verdict("gfxwj", 0.95, "文号/标题/分类 表明为行政规范性文件 → 规范性文件 (rule)", normative=True)
    leaves = tree.leaves()
    scores: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    topic = meta.get("topic", "")
    column = meta.get("column", "")
    for rule in tree.rules:
        if rule.category not in leaves:
            continue
        score, why = 0.0, []
        hits = [k for k in rule.title if k in title]
        if hits:
            score += TITLE_WEIGHT * sum(len(k) for k in hits)
            why.append("标题含 " + "/".join(hits))
        body_hits = [k for k in rule.body if k in body]
        if body_hits:
            score += BODY_WEIGHT * sum(len(k) for k in body_hits)
            why.append("正文含 " + "/".join(body_hits))
        if topic and any(t in topic for t in rule.topics):
            score += TOPIC_WEIGHT
            why.append(f"区目录 主题分类 = {topic}")
        if column and any(c == column for c in rule.columns):
            score += COLUMN_WEIGHT
            why.append(f"网站栏目 = {column}")
        if score:
            scores[rule.category], reasons[rule.category] = score, why
    if not scores:
        return Verdict(tree.default, 0.5, f"无规则命中 → {names[tree.default]} (default)")
    # On equal scores a specific area beats the generic default leaf.
    ranked = sorted(scores, key=lambda c: (-scores[c], c == tree.default, c))
    best = ranked[0]
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    confidence = round(min(0.99, 1 - math.exp(-(scores[best] - runner_up + 1) / 5)), 3)
    return Verdict(best, confidence, "；".join(reasons[best]) + f" → {names[best]} (rule)")


def classify(config: Config, store: Store, tree: CatalogTree | None = None) -> dict[str, int]:
    """Classify items that are new or whose content changed; confirmed items are left alone."""
    tree = tree or load_tree(config.catalog_file)
    counts = {"classified": 0, "auto": 0, "review": 0}
    rows = store.db.execute(
        """SELECT i.id, i.content_hash, v.title, v.body_text, i.primary_post
           FROM items i JOIN posts p ON p.id = i.primary_post
           JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
           WHERE (i.classified_hash IS NULL OR i.classified_hash != i.content_hash)
             AND COALESCE(i.status, '') != 'confirmed'"""
    ).fetchall()
    with store.transaction():
        store.db["categories"].upsert_all(
            [{"id": c.id, "name": c.name, "parent": c.parent, "position": c.position} for c in tree.categories],
            pk="id",
        )
        for item_id, digest, title, body, _ in rows:
            verdict = classify_one(tree, title, body or "", _item_meta(store, item_id))
            status = "auto" if verdict.confidence >= config.auto_accept else "review"
            store.db.execute(
                """UPDATE items SET category = ?, confidence = ?, reason = ?, status = ?, normative = ?,
                   classified_hash = ? WHERE id = ?""",
                [verdict.category, verdict.confidence, verdict.reason, status, int(verdict.normative), digest,
                 item_id],
            )
            counts["classified"] += 1
            counts[status] += 1
    return counts


def _item_meta(store: Store, item_id: str) -> dict[str, str]:
    """The metadata hints of all an item's copies (the catalog's 主题分类 wins over others)."""
    merged: dict[str, str] = {}
    for channel, meta in store.db.execute(
        """SELECT p.channel, v.meta FROM item_posts ip JOIN posts p ON p.id = ip.post_id
           JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
           WHERE ip.item_id = ? ORDER BY CASE p.channel WHEN 'catalog' THEN 0 WHEN 'website' THEN 1 ELSE 2 END""",
        [item_id],
    ).fetchall():
        for key, value in json.loads(meta or "{}").items():
            merged.setdefault(key, value)
    return merged
