"""Keyword rules: an item's title, body and metadata hints → scores per leaf, and a verdict.

Signals, strongest first: the 栏目 / 主题分类 the office already filed the item under (mapped to
a leaf), a specific keyword of the title (任免, 预算, 低保 — one decides), the 文号, a 主题分类 that
merely contains a leaf's topic word, keywords in the body, generic title words (的通知, 公告,
开展) last. Reasons name the deciding words, in Chinese.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .tree import CatalogTree

# A clerk files by the specific words of a title: one such word decides, generic endings
# (的通知, 公告, 开展) count only when nothing specific speaks.
TITLE_WEIGHT = 4.0  # a specific title keyword …
TITLE_PER_CHAR = 2.0  # … plus this per character: 低保审批 beats 低保, a two-character word is often ambiguous
EXTRA_TITLE_WEIGHT = 2.0  # each further specific keyword of the same leaf
WEAK_WEIGHT = 2.0  # a generic title word
BODY_WEIGHT = 0.5  # per character of a matched body keyword
BODY_CAP = 4.0
LABEL_WEIGHT = 8.0  # already filed under a 栏目/主题分类 that maps to the leaf (a specific title word still wins)
TOPIC_WEIGHT = 6.0  # a 主题分类 that merely contains a leaf's topic word
DOC_NUMBER_WEIGHT = 4.0
FALLBACK_PRIOR = 1.0  # what the fallback leaf has before any evidence
# How sure a rules verdict is, from its evidence (see `evidence`): a logistic regression over the
# evidence gives a score, an isotonic map turns the score into the share of titles filed right at
# it. Both fitted on the training split of tests/data/real_titles.csv and the development offices
# (bench.classify.fitting_rows: 106 office families), never the held-out third or the unseen
# offices (`python -m bench.classify fit` refits and reprints them; tests/test_classify_real.py fails
# when they are stale). Cross-validated with whole office families held out, the top steps hold (≥0.95:
# 354 titles, 0.98 right; ≥0.98: 135, 0.98) where the margin alone claims more (≥0.95: 0.92 right); below
# the top, neither carries over well from one kind of office to another (`make bench` prints both).
EVIDENCE_WEIGHTS = {"bias": 1.44, "margin": 0.64, "keyword": -0.85, "has_keyword": -1.35, "leaves": -0.36,
                    "fallback": -1.39, "numbered": -0.1, "contested": 2.55}
CALIBRATION = ((-2.19, 0.05), (-0.92, 0.22), (-0.34, 0.3), (0.23, 0.56), (0.51, 0.62), (0.55, 0.65), (0.87, 0.84),
               (1.81, 0.92), (2.92, 0.93), (3.5, 0.98), (3.82, 0.99), (4.19, 1.0))  # score → share right (isotonic steps)
# A title alone never reaches FILED_CONFIDENCE, which is for the office's own filing; out of fold,
# the titles the fit calls surest are not right more often than this.
TITLE_CONFIDENCE_CAP = 0.97
# The office filed the item itself (its 栏目 / 主题分类 maps to the leaf the title also points
# to, or nothing in the title speaks against it): as sure as the office's own filing.
FILED_CONFIDENCE = 0.98
# The office's own 栏目/主题分类 speaks for one leaf, every specific word of the title for another
# (开展低保对象动态核查工作 filed under 工作动态): a clerk would look before filing it. The evidence
# table above was fitted on titles alone and says nothing of such items, so they wait for a person,
# at even odds: offices settle them both ways (the demo office by the title, the adversarial one by
# its column), and a lower figure would claim the verdict is probably wrong, which nothing shows.
DISPUTED_CONFIDENCE = 0.5
# A report of a meeting, visit or event (海淀镇召开2021年工作总结会, 领导班子…讲专题党课, 参加规划师
# 成果展) is an activity, filed by its subject area or as 工作动态 — not under the kind of document its
# words happen to name (leaves with `document = true`: 计划总结, 领导信息 …).
ACTIVITY = re.compile(r"召开|举办|举行|出席|参加|参观|视察|调研|走访|慰问|座谈|宣讲|党课|"
                      r"(?:总结|部署|推进|研讨|见面|务虚|动员|培训|表彰|汇报|交流|观摩|调度|分析)会")
# An issued document names its kind last (关于开展…行动的通知, 关于同意…的复函): the kinds of 党政机关公文
# (《党政机关公文处理工作条例》第八条), after a 关于; a trailing （征求意见稿） or （试行） aside. Its 开展 or 召开 is
# what the document is about, not a report of the office's activity: the fallback leaf's generic words
# (工作动态: 开展, 召开, 会议 …) do not speak for it, and it is no activity report.
ISSUED = re.compile(r"关于.+(?:决议|决定|命令|公报|公告|通告|意见|通知|通报|报告|请示|批复|议案|函|纪要)$")
ASIDE = re.compile(r"[（(][^（()）]*[)）]$")
# 文号 of an issued document, e.g. 兴街发〔2020〕3号 (brackets vary: 〔〕 [] 【】 ()).
DOC_NUMBER = re.compile(r"[〔\[【(（]\s*(19|20)\d{2}\s*[〕\]】)）]\s*\d+\s*号")


@dataclass(frozen=True)
class Verdict:
    category: str
    confidence: float
    reason: str
    normative: bool = False
    dispute: tuple[str, str] | None = None  # (title's leaf, office's filing) when they disagree (see `dispute`)
    learned: bool = False  # the office's text model took part: the confidence is a blend, not the table's


@dataclass(frozen=True)
class Scored:
    """Rule scores per leaf, each with its human-readable reasons."""

    scores: dict[str, float]
    reasons: dict[str, list[str]]
    filed: frozenset[str] = frozenset()  # leaves the office's own 栏目/主题分类 speak for
    ends: dict[str, int] = field(default_factory=dict)  # where a leaf's last title keyword ends
    keyword: dict[str, int] = field(default_factory=dict)  # a leaf's longest specific title keyword (characters)
    numbered: bool = False  # a 文号 of an issued document was read
    catalog: frozenset[str] = frozenset()  # leaves the district catalog's 主题分类 speaks for


def is_activity_report(title: str) -> bool:
    """Pure: the title reports a meeting, visit or event (ACTIVITY), and is no issued document's."""
    return not is_issued_document(title) and bool(ACTIVITY.search(title))


def is_issued_document(title: str) -> bool:
    """Pure: the title is an issued document's (关于…的通知, ISSUED)."""
    return bool(ISSUED.search(ASIDE.sub("", title.strip())))


def _quoted(words: list[str]) -> str:
    return "、".join(f"“{w}”" for w in words)


def _maximal(hits: list[str]) -> list[str]:
    """Hits not contained in a longer hit (养老金 hides 养老), longest first."""
    hits = sorted(set(hits), key=len, reverse=True)
    return [h for i, h in enumerate(hits) if not any(h in longer for longer in hits[:i])]


def score(tree: CatalogTree, title: str, body: str, meta: dict[str, str]) -> Scored:
    """Pure: every leaf's rule score for an item, with the deciding words in Chinese."""
    leaves = tree.leaves()
    scores: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    topic, column = meta.get("topic", ""), meta.get("column", "")
    filed = {label: tree.label_leaves(label) for label in (column, topic) if label}
    topical: set[str] = set()  # leaves the district catalog's 主题分类 speaks for
    ends: dict[str, int] = {}
    keyword: dict[str, int] = {}
    activity, issued = is_activity_report(title), is_issued_document(title)
    spoken = [rule for rule in tree.rules if rule.category in leaves and not (activity and rule.document)]
    strong_title = _maximal([k for rule in spoken for k in rule.title if k in title])
    for rule in tree.rules:
        if rule.category not in leaves:
            continue
        named = not (activity and rule.document)  # a document word in an activity report names no document
        generic = not (issued and rule.category == tree.default)  # an issued document reports no activity
        total, why = 0.0, []
        hits = [k for k in strong_title if k in rule.title] if named else []
        if hits:
            total += TITLE_WEIGHT + TITLE_PER_CHAR * len(hits[0]) + EXTRA_TITLE_WEIGHT * (len(hits) - 1)
            why.append("标题含" + _quoted(hits))
            ends[rule.category] = max(title.rfind(k) + len(k) for k in hits)
            keyword[rule.category] = len(hits[0])
        weak = [k for k in rule.weak if k in title] if named and generic and not hits else []  # a generic word adds nothing to a specific one
        if weak:
            total += WEAK_WEIGHT + 0.5 * (len(weak) - 1)
            why.append("标题含一般用语" + _quoted(weak))
        body_hits = [k for k in rule.body if k in body]
        if body_hits:
            total += min(BODY_CAP, BODY_WEIGHT * sum(len(k) for k in body_hits))
            why.append("正文含" + _quoted(body_hits))
        for label, covered in filed.items():
            if rule.category in covered:
                total += LABEL_WEIGHT
                why.append(f"本单位已归入“{label}”" if label == column else f"区目录主题分类“{label}”")
        if topic and not filed.get(topic) and any(t in topic for t in rule.topics):
            total += TOPIC_WEIGHT
            why.append(f"区目录主题分类“{topic}”")
            topical.add(rule.category)
        if total:
            scores[rule.category], reasons[rule.category] = total, why
    doc_number = meta.get("doc_number", "")
    numbered = tree.role("numbered")
    has_number = bool(DOC_NUMBER.search(doc_number))
    if numbered and has_number:
        scores[numbered] = scores.get(numbered, 0.0) + DOC_NUMBER_WEIGHT
        reasons.setdefault(numbered, []).append(f"文号 {doc_number}")
    catalog = filed.get(topic) or frozenset(topical)
    return Scored(scores, reasons, frozenset().union(*filed.values(), topical), ends, keyword, has_number, catalog)


def _order(tree: CatalogTree, scored: Scored, scores: dict[str, float]) -> list[str]:
    # On equal scores the word that ends the title wins (its head: 工作方案解读 is a 解读), then a
    # specific area beats the fallback leaf.
    return sorted(scores, key=lambda c: (-scores[c], -scored.ends.get(c, -1), c == tree.default, c))


def evidence(tree: CatalogTree, scored: Scored) -> dict[str, float]:
    """What a rules verdict rests on, as numbers: its margin over the runner-up, the length of its
    longest specific title keyword (capped at 6), whether it has one at all, how many leaves any
    word spoke for, whether it is the fallback leaf, whether a 文号 was read, and whether the
    runner-up has a specific keyword too (two specific words pulling apart)."""
    scores = dict(scored.scores)
    scores[tree.default] = scores.get(tree.default, 0.0) + FALLBACK_PRIOR
    order = _order(tree, scored, scores)
    best, runner_up = order[0], (order[1] if len(order) > 1 else None)
    keyword = scored.keyword.get(best, 0)
    return {"margin": margin_of(tree, scored), "keyword": float(min(keyword, 6)), "has_keyword": float(keyword > 0),
            "leaves": float(len(scored.scores)), "fallback": float(best == tree.default),
            "numbered": float(scored.numbered), "contested": float(bool(runner_up and scored.keyword.get(runner_up)))}


def evidence_score(features: dict[str, float]) -> float:
    return EVIDENCE_WEIGHTS["bias"] + sum(EVIDENCE_WEIGHTS[name] * value for name, value in features.items())


def confidence_of(features: dict[str, float]) -> float:
    """The calibrated confidence of a rules verdict with this evidence (the fitted step at or below
    its score; interpolating between steps would claim more than the training split showed)."""
    z = evidence_score(features)
    share = max((conf for least, conf in CALIBRATION if z >= least), default=CALIBRATION[0][1])
    return min(share, TITLE_CONFIDENCE_CAP)


def margin_of(tree: CatalogTree, scored: Scored) -> float:
    """How far the best leaf leads the runner-up (the fallback leaf stands at FALLBACK_PRIOR)."""
    scores = dict(scored.scores)
    scores[tree.default] = scores.get(tree.default, 0.0) + FALLBACK_PRIOR
    top = sorted(scores.values(), reverse=True) + [0.0]
    return top[0] - top[1]


def rule_verdict(tree: CatalogTree, scored: Scored) -> Verdict:
    """The best leaf by rules (the fallback leaf always stands at FALLBACK_PRIOR), as sure as its
    evidence makes it (`confidence_of`)."""
    names = tree.names
    scores = dict(scored.scores)
    scores[tree.default] = scores.get(tree.default, 0.0) + FALLBACK_PRIOR
    if not scored.scores:
        return Verdict(tree.default, confidence_of(evidence(tree, scored)),
                       f"无明确依据 → {names[tree.default]}（兜底类）")
    best = _order(tree, scored, scores)[0]
    why = "；".join(scored.reasons.get(best, [])) or "其他类依据不足"
    margin = margin_of(tree, scored)
    confidence = confidence_of(evidence(tree, scored))
    if sides := dispute(scored):
        title_leaf, filed_leaf = sides
        return Verdict(best, DISPUTED_CONFIDENCE,
                       f"{scored.reasons[title_leaf][0]}（{names[title_leaf]}），本单位归入{names[filed_leaf]}，"
                       f"两者不一致，请核对 → {names[best]}", dispute=sides)
    # Filed by the office itself: its label decides by a clear margin, or the district catalog filed
    # this very item where its title's own words point (the disclosure filing, whatever the website's
    # column: 义诊 news the site keeps under 工作动态 and the catalog under 卫生).
    if best in scored.filed and (margin >= LABEL_WEIGHT or (best in scored.catalog and scored.keyword.get(best))):
        confidence = max(confidence, FILED_CONFIDENCE)
    return Verdict(best, confidence, f"{why} → {names[best]}")


def dispute(scored: Scored) -> tuple[str, str] | None:
    """Pure: (the leaf the title's longest specific word speaks for, the leaf the office filed the
    item under) when the office filed it (栏目/主题分类) and the title's specific words all point
    elsewhere; None otherwise."""
    titled = {leaf for leaf, length in scored.keyword.items() if length}
    if not scored.filed or not titled or titled & scored.filed:
        return None
    return max(sorted(titled), key=lambda leaf: scored.keyword[leaf]), min(scored.filed)


def rule_distribution(tree: CatalogTree, scored: Scored, temperature: float = 4.0) -> dict[str, float]:
    """Rule scores as a probability-like distribution over leaves (softmax; the fallback leaf
    gets a small prior so an item no rule matched still has somewhere to go)."""
    scores = dict(scored.scores)
    scores.setdefault(tree.default, 0.0)
    scores[tree.default] += FALLBACK_PRIOR
    top = max(scores.values())
    weights = {c: math.exp((s - top) / temperature) for c, s in scores.items()}
    total = sum(weights.values())
    return {c: w / total for c, w in weights.items()}
