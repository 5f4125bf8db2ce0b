"""Keyword rules: an item's title, body and metadata hints → scores per leaf, and a verdict.

Signals, strongest first: the district catalog's own 主题分类 and the website column (hints),
the 文号, keywords in the title, keywords in the body. Longer keywords weigh more (低保 beats 公示).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .tree import CatalogTree

TITLE_WEIGHT = 2.0  # per character of a matched title keyword
BODY_WEIGHT = 0.5  # per character of a matched body keyword
TOPIC_WEIGHT = 6.0
COLUMN_WEIGHT = 5.0
DOC_NUMBER_WEIGHT = 4.0
RULE_SCALE = 8.0  # margin → confidence: a margin of 10 (a 5-character title keyword) gives 0.75
# 文号 of an issued document, e.g. 兴街发〔2020〕3号 (brackets vary: 〔〕 [] 【】 ()).
DOC_NUMBER = re.compile(r"[〔\[【(（]\s*(19|20)\d{2}\s*[〕\]】)）]\s*\d+\s*号")
DOC_NUMBER_LEAF = "qtwj"  # a numbered document that is not normative is one of 其他文件


@dataclass(frozen=True)
class Verdict:
    category: str
    confidence: float
    reason: str
    normative: bool = False


@dataclass(frozen=True)
class Scored:
    """Rule scores per leaf, each with its human-readable reasons."""

    scores: dict[str, float]
    reasons: dict[str, list[str]]


def score(tree: CatalogTree, title: str, body: str, meta: dict[str, str]) -> Scored:
    """Pure: every leaf's rule score for an item."""
    leaves = tree.leaves()
    scores: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    topic, column = meta.get("topic", ""), meta.get("column", "")
    for rule in tree.rules:
        if rule.category not in leaves:
            continue
        total, why = 0.0, []
        hits = [k for k in rule.title if k in title]
        if hits:
            total += TITLE_WEIGHT * sum(len(k) for k in hits)
            why.append("标题含 " + "/".join(hits))
        body_hits = [k for k in rule.body if k in body]
        if body_hits:
            total += BODY_WEIGHT * sum(len(k) for k in body_hits)
            why.append("正文含 " + "/".join(body_hits))
        if topic and any(t in topic for t in rule.topics):
            total += TOPIC_WEIGHT
            why.append(f"区目录 主题分类 = {topic}")
        if column and column in rule.columns:
            total += COLUMN_WEIGHT
            why.append(f"网站栏目 = {column}")
        if total:
            scores[rule.category], reasons[rule.category] = total, why
    doc_number = meta.get("doc_number", "")
    if DOC_NUMBER_LEAF in leaves and DOC_NUMBER.search(doc_number):
        scores[DOC_NUMBER_LEAF] = scores.get(DOC_NUMBER_LEAF, 0.0) + DOC_NUMBER_WEIGHT
        reasons.setdefault(DOC_NUMBER_LEAF, []).append(f"文号 {doc_number}")
    return Scored(scores, reasons)


def ranked(tree: CatalogTree, scored: Scored) -> list[str]:
    # On equal scores a specific area beats the generic default leaf.
    return sorted(scored.scores, key=lambda c: (-scored.scores[c], c == tree.default, c))


def rule_verdict(tree: CatalogTree, scored: Scored) -> Verdict:
    """The best leaf by rules; confidence grows with the margin over the runner-up."""
    names = tree.names
    if not scored.scores:
        return Verdict(tree.default, 0.5, f"无规则命中 → {names[tree.default]} (default)")
    order = ranked(tree, scored)
    best = order[0]
    runner_up = scored.scores[order[1]] if len(order) > 1 else 0.0
    confidence = round(min(0.99, 1 - math.exp(-(scored.scores[best] - runner_up + 1) / RULE_SCALE)), 3)
    return Verdict(best, confidence, "；".join(scored.reasons[best]) + f" → {names[best]} (rule)")


def rule_distribution(tree: CatalogTree, scored: Scored, temperature: float = 4.0) -> dict[str, float]:
    """Rule scores as a probability-like distribution over leaves (softmax; the default leaf
    gets a small prior so an item no rule matched still has somewhere to go)."""
    scores = dict(scored.scores)
    scores.setdefault(tree.default, 0.0)
    scores[tree.default] += 1.0
    top = max(scores.values())
    weights = {c: math.exp((s - top) / temperature) for c, s in scores.items()}
    total = sum(weights.values())
    return {c: w / total for c, w in weights.items()}
