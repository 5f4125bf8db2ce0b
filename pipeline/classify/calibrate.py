"""Honest confidence for one office: what share of its verdicts at a confidence are right.

A blended confidence (rules and model probabilities mixed) is not "share right". The office's
own filed items (its catalog rows' 主题分类, its website columns, its staff confirmations) say
what it is: held out fold by fold, each is filed as the WeChat and Weibo posts are seen (title
and body, no 主题分类 or 栏目) by a model trained on the other folds, and the (confidence, right?)
pairs give an isotonic map confidence → share right, used for the items the office's own filing
does not decide and its text model helped file. A verdict of the rules alone already carries the
share right the general table found across many offices; the office's record of such verdicts
corrects it in proportion to how much of it there is. Too few filed items, and no map is made
(today's confidence stands).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .model import Example
from .rules import Verdict

MIN_FILED = 30  # below this a map would be guesswork: the confidence stays as it was
FOLDS = 5
SAMPLE = 600  # items held out at most: a map needs hundreds, and the cost must not grow with the office
MAX_CONFIDENCE = 0.99
# How many of an office's own verdicts the general table's step is worth when the office's record
# corrects a rules verdict: offices differ from one another about as much as 5 of one office's titles
# show (the median over the table's steps, estimated on the office families it was fitted on by
# `python -m bench.classify fit`).
TABLE_WEIGHT = 5

Outcome = tuple[float, bool, bool]  # (confidence, right?, did the office's text model take part?)

# train on some examples, file others as the unlabelled channels see them
FileHeldOut = Callable[[Sequence[Example], Sequence[Example]], list[Verdict]]


@dataclass(frozen=True)
class Calibration:
    """Steps (least raw confidence, share right at or above it), rising, for verdicts the office's
    text model took part in; how many items measured; and per confidence of the rules alone (the
    general table's steps), how many held-out verdicts the rules made alone at it and how many were
    right."""

    steps: tuple[tuple[float, float], ...]
    measured: int
    rules_alone: tuple[tuple[float, int, int], ...] = ()


def cross_validated(examples: Sequence[Example], file: FileHeldOut, folds: int = FOLDS,
                    sample: int = SAMPLE, seed: int = 0) -> list[Outcome]:
    """Pure but for `file`: (confidence, right?, learned?) of each sampled example, filed by a model
    that never saw it, from its title and body alone."""
    chosen = list(examples)
    random.Random(seed).shuffle(chosen)  # a fixed seed: the same office gives the same map
    chosen = chosen[:sample]
    results = []
    for k in range(folds):
        held_out = chosen[k::folds]
        trained_on = [e for i, e in enumerate(chosen) if i % folds != k]
        unlabelled = [Example(e.title, e.body, {}) for e in held_out]
        for example, verdict in zip(held_out, file(trained_on, unlabelled)):
            results.append((verdict.confidence, verdict.category == example.category, verdict.learned))
    return results


def fit(results: Sequence[tuple[float, bool]] | Sequence[Outcome], least: int = MIN_FILED) -> Calibration | None:
    """Pure: an isotonic map raw confidence → share right, or None from fewer than `least` items.

    Each step's share is (right + 1) / (items + 2) (Laplace's rule of succession), fitted again so
    it never falls as confidence rises: 20 of 20 right is not yet "100 % right", and a step must
    hold many items before it clears a high bar."""
    if len(results) < least:
        return None
    from sklearn.isotonic import IsotonicRegression

    ordered = sorted((c, r) for c, r, *_ in results)
    raw = [c for c, _ in ordered]
    right = [float(r) for _, r in ordered]
    shares = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit_transform(raw, right)
    blocks: list[list[float]] = []  # [least raw, items, right] per run of equal fitted share
    for c, r, share in zip(raw, right, shares):
        if blocks and abs(share - blocks[-1][3]) < 1e-12:
            blocks[-1][1] += 1
            blocks[-1][2] += r
        else:
            blocks.append([c, 1, r, share])
    smoothed = IsotonicRegression(y_min=0.0, y_max=1.0).fit_transform(
        [b[0] for b in blocks], [(b[2] + 1) / (b[1] + 2) for b in blocks], sample_weight=[b[1] for b in blocks])
    steps = tuple((round(float(b[0]), 3), round(min(MAX_CONFIDENCE, float(s)), 3)) for b, s in zip(blocks, smoothed))
    return Calibration(steps, len(results), rules_record(results))


def rules_record(results: Sequence[tuple[float, bool]] | Sequence[Outcome]) -> tuple[tuple[float, int, int], ...]:
    """Pure: per confidence of the rules alone, (confidence, verdicts, right) — outcomes without a
    learned flag count as the rules' own."""
    counts: dict[float, list[int]] = {}
    for confidence, right, *learned in results:
        if not any(learned):
            tally = counts.setdefault(round(confidence, 3), [0, 0])
            tally[0] += 1
            tally[1] += bool(right)
    return tuple((c, n, k) for c, (n, k) in sorted(counts.items()))


def share_right(calibration: Calibration, confidence: float) -> float:
    """Pure: the share right at a raw confidence: the step at or below it (interpolating would
    claim more than the held-out items showed), the lowest step below them all."""
    return max((share for least, share in calibration.steps if confidence >= least),
               default=calibration.steps[0][1])


def corrected(table: float, verdicts: int, right: int) -> float:
    """Pure: the general table's share right for a rules verdict, corrected by the office's record of
    `right` of `verdicts` such verdicts. Lower when the record is worse, as the table weighed as
    TABLE_WEIGHT of the office's verdicts makes it; higher only as far as the record alone shows
    ((k+1)/(n+2)): 12 of 12 right is no proof that a 0.93 step is 0.98 in this office (平潭, 50
    confirmed: such lifts accepted 平潭's 公租房 notices as 社会救助)."""
    mean = (right + TABLE_WEIGHT * table) / (verdicts + TABLE_WEIGHT)
    if mean > table:
        mean = max(table, min(mean, (right + 1) / (verdicts + 2)))
    return round(min(MAX_CONFIDENCE, mean), 3)


def calibrated(calibration: Calibration | None, verdict: Verdict) -> Verdict:
    """Pure: the verdict with the office's share right as its confidence, said in the reason: from
    the map when the office's text model helped file it; for the rules alone, the general table's
    share corrected by the office's record at that confidence (`TABLE_WEIGHT`)."""
    if calibration is None:
        return verdict
    if verdict.learned:
        share = share_right(calibration, verdict.confidence)
        note = f"本单位已归类信息交叉检验：同等把握的归类 {share:.0%} 正确"
    else:
        record = {c: (n, k) for c, n, k in calibration.rules_alone}.get(round(verdict.confidence, 3))
        if record is None:
            return verdict
        share = corrected(verdict.confidence, *record)
        n, k = record
        note = f"本单位已归类信息交叉检验：同等依据的归类 {n} 条中 {k} 条正确，可信度 {share:.0%}"
    why, arrow, leaf = verdict.reason.rpartition(" → ")
    reason = f"{why}；{note}{arrow}{leaf}" if arrow else f"{verdict.reason}（{note}）"
    return replace(verdict, confidence=share, reason=reason)
