"""One item's verdict: the rules and the office's text model blended (`blend`), then the office's
own record consulted (`office_verdict`): a recurring title goes where the earlier ones went, a
title disputing its column is settled the way the office settles such titles, and the confidence
becomes the share of such verdicts right in this office (calibrate.py). Pure: the store is read
elsewhere (records.py) and written by the stage (stage.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from . import signals
from .calibrate import Calibration, calibrated, cross_validated, fit
from .model import Example, TextModel
from .recurring import RECURRING_CONFIDENCE, Recurrences, filed_before
from .records import ELSEWHERE, OfficeRecord, Settled, Sources, against_label, silent
from .rules import FILED_CONFIDENCE, Verdict, rule_distribution, rule_verdict, score
from .tree import CatalogTree

NO_RECORD = OfficeRecord()  # an office's first day: nothing filed, nothing confirmed

# Confirmed items of a leaf at which the model and the rules weigh the same for it. At 4 the model
# outvoted the rules too early: 50 confirmed real titles filed the other training titles worse than
# the rules alone (top-1 0.853 against 0.869, training split, 5 draws); at 10 it no longer does.
LEAF_HALF = 10


def classify_one(tree: CatalogTree, title: str, body: str, meta: dict[str, str],
                 model: TextModel | None = None, record: OfficeRecord = NO_RECORD) -> Verdict:
    """Pure: the best leaf for an item, from the rules and (if trained) the model, with what the
    office's own record says of it."""
    example = Example(title, body, meta)
    return office_verdict(tree, example, model, model.predict([example])[0] if model else None, record)


def office_verdict(tree: CatalogTree, example: Example, model: TextModel | None, probs: dict[str, float] | None,
                   record: OfficeRecord = NO_RECORD) -> Verdict:
    """Pure: the blended verdict, its confidence the office's share right unless the office's own
    filing (FILED_CONFIDENCE) or a normative document's 文号 decided it. A title the office filed
    before with other numbers is filed where it went (`again`). When the verdict goes against
    the item's own 栏目/主题分类 that share may lower the confidence, never raise it: the held-out
    items had their labels taken away, so they say nothing of how often a title word beats the
    office's filing (防汛应急演练 under 工作动态). A title that says nothing specific follows its
    source's record when that is surer (`by_source`)."""
    verdict = blend(tree, example, model, probs)
    if verdict.normative or verdict.confidence >= FILED_CONFIDENCE:
        return verdict
    if recurred := again(tree, example, verdict, record.recurrences):
        return recurred
    if verdict.dispute:
        return settle(tree, verdict, record.settled)
    if against_label(tree, example, verdict):
        lowered = calibrated(record.calibration, verdict)
        return lowered if lowered.confidence < verdict.confidence else verdict
    return by_source(tree, example, calibrated(record.calibration, verdict), record.sources)


def blend(tree: CatalogTree, example: Example, model: TextModel | None, probs: dict[str, float] | None) -> Verdict:
    """Pure: the verdict for one item given the model's probabilities for it (None: rules only)."""
    normative = signals.is_normative(example.title, example.meta)
    normative_leaf = tree.role("normative")
    if normative and normative_leaf:
        return Verdict(normative_leaf, 0.97, f"文号/标题/分类表明为行政规范性文件 → {tree.names[normative_leaf]}",
                       normative=True)
    scored = score(tree, example.title, example.body, example.meta)
    by_rules = rule_verdict(tree, scored)
    # The office's own filing (its 栏目/主题分类, the title agreeing) decides alone; when the title
    # disputes it, a person does.
    if model is None or probs is None or by_rules.confidence >= FILED_CONFIDENCE or by_rules.dispute:
        return replace(by_rules, normative=normative)
    # The model speaks for a leaf as far as it has seen that leaf filed (confirmed, or filed by the
    # office itself); about an item the rules give to a leaf it has hardly seen it has nothing to say.
    leaves = tree.leaves()
    if by_rules.category != tree.default and model.support.get(by_rules.category, 0) < LEAF_HALF:
        return replace(by_rules, normative=normative)
    others = rule_distribution(tree, scored)
    rest = sum(v for c, v in others.items() if c != by_rules.category) or 1.0
    rules = {c: (by_rules.confidence if c == by_rules.category else (1 - by_rules.confidence) * v / rest)
             for c, v in others.items()}
    raw = {c: _trust(model.support.get(c, 0)) * probs.get(c, 0.0) + (1 - _trust(model.support.get(c, 0))) * rules.get(c, 0.0)
           for c in (set(probs) | set(rules)) & leaves}
    total = sum(raw.values()) or 1.0
    best = max(sorted(raw), key=lambda c: raw[c])
    confidence = round(min(0.99, raw[best] / total), 3)
    similar = f"与本单位已归类的信息相似（{probs.get(best, 0.0):.0%}）"
    if best == by_rules.category and scored.scores:
        reason = by_rules.reason.replace(" → ", f"；{similar} → ", 1)
    elif scored.scores:
        reason = f"{similar}；关键词倾向{tree.names[by_rules.category]} → {tree.names[best]}"
    else:
        reason = f"{similar} → {tree.names[best]}"
    return Verdict(best, confidence, reason, normative, learned=True)


def _trust(support: int) -> float:
    return support / (support + LEAF_HALF)


def still_normative(tree: CatalogTree, verdict: Verdict) -> Verdict:
    """Pure: a document staff confirmed as normative, whose leaf left the tree (a new catalog), stays
    normative — offered under the new catalog's normative leaf when it has one — for staff to confirm;
    the new verdict alone would undo their filing (and the report's count) by its words."""
    leaf = tree.role("normative") or verdict.category
    return Verdict(leaf, min(verdict.confidence, 0.5), f"本单位曾确认为规范性文件，原类别已不在目录中 → {tree.names[leaf]}",
                   normative=True)


def again(tree: CatalogTree, example: Example, verdict: Verdict, recurrences: Recurrences) -> Verdict | None:
    """Pure: a recurring title filed where the office filed every earlier one of its shape, unless
    that goes against the item's own 栏目/主题分类 where its title's words do not point (the office
    may have moved such items since)."""
    before = filed_before(recurrences, example.title)
    if before is None or before[0] not in tree.leaves():
        return None
    leaf, times = before
    if against_label(tree, example, replace(verdict, category=leaf)) and leaf not in (verdict.dispute or ()):
        return None
    name = tree.names[leaf]
    return Verdict(leaf, RECURRING_CONFIDENCE, f"本单位同样的标题（数字不同）已归类 {times} 条，均归入{name} → {name}",
                   verdict.normative)


def settle(tree: CatalogTree, verdict: Verdict, settled: Settled) -> Verdict:
    """A disputed verdict filed the way the office files disputes against the same column — by the
    title's words or by the column, whatever the words (the question a dispute asks is whether that
    column is a filing) — unless this very kind went the other way; as sure as that record makes it:
    the share (k+1)/(n+2) of n such items of which k went that way (about 30, all alike, reach 0.97;
    items filed elsewhere count against both ways). With no record it waits as the rules left it."""
    if not verdict.dispute:
        return verdict
    title_leaf, filed_leaf = verdict.dispute
    own = _ways(verdict.dispute, settled.get(verdict.dispute, Counter()))
    record: Counter[str] = Counter()
    for sides, votes in settled.items():
        if sides[1] == filed_leaf:
            record.update(_ways(sides, votes))
    way = _way(record)
    if _way(own) not in (None, way):
        record, way = own, _way(own)
    if way is None:
        return verdict
    leaf, names = (title_leaf if way == "title" else filed_leaf), tree.names
    rule = "按标题所指归类" if way == "title" else f"按栏目归入{names[filed_leaf]}"
    return replace(verdict, category=leaf, confidence=round((record[way] + 1) / (record.total() + 2), 3),
                   reason=f"标题指向{names[title_leaf]}、本单位归入{names[filed_leaf]}；归入{names[filed_leaf]}而标题"
                          f"另有所指的信息，本单位已归类 {record.total()} 条（人工确认或公开目录），{record[way]} 条{rule}"
                          f" → {names[leaf]}")


def _ways(sides: tuple[str, str], votes: Counter[str]) -> Counter[str]:
    """A kind's record as the way each item went: by its title's words, by the office's column, or
    elsewhere (a third leaf, or a catalog filing that maps to none)."""
    title_leaf, filed_leaf = sides
    return Counter({"title": votes[title_leaf], "column": votes[filed_leaf],
                    "elsewhere": sum(votes.values()) - votes[title_leaf] - votes[filed_leaf]})


def _way(ways: Counter[str]) -> str | None:
    """The way more of a record's items went (title or column; None when neither ever did, or a tie)."""
    if ways["title"] == ways["column"]:
        return None
    return "title" if ways["title"] > ways["column"] else "column"


def by_source(tree: CatalogTree, example: Example, verdict: Verdict, sources: Sources) -> Verdict:
    """A title that says nothing specific (a 卫健 account's 爱耳日 post) filed as staff filed such
    titles of the same source, as sure as that record — (k+1)/(n+2) of n, k alike — when that is
    surer than the verdict; a department's account is about its area without naming it."""
    source = example.meta.get("source", "")
    votes = sources.get(source)
    if not votes or not silent(tree, example):
        return verdict
    leaf, chosen = max(sorted(votes.items()), key=lambda kv: kv[1])
    total = sum(votes.values())
    confidence = round((chosen + 1) / (total + 2), 3)
    if confidence <= verdict.confidence:
        return verdict
    name = tree.names[leaf]
    return replace(verdict, category=leaf, confidence=confidence,
                   reason=f"标题无明确依据；来源“{source}”的此类信息已确认 {total} 条，{chosen} 条归入{name} → {name}")


def office_calibration(tree: CatalogTree, examples: list[Example],
                       elsewhere: Sequence[Example] = ()) -> Calibration | None:
    """The map confidence → share right from the office's filed and confirmed items, held out
    fold by fold, and the items it filed elsewhere (`filed_elsewhere`: held out, never learned
    from, never right); None with too few, see calibrate.MIN_FILED."""
    def file(trained_on: Sequence[Example], held_out: Sequence[Example]) -> list[Verdict]:
        model = TextModel.train([e for e in trained_on if e.category != ELSEWHERE])
        probs = model.predict(held_out) if model else [None] * len(held_out)
        return [blend(tree, e, model, p) for e, p in zip(held_out, probs)]

    return fit(cross_validated([*examples, *elsewhere], file))

