"""The run index's bulk pairing and screens agree with the plain rules they stand for."""

from __future__ import annotations

import random

import numpy as np

from pipeline.merge import index as mi
from pipeline.merge import rules
from pipeline.merge import similarity as sim


def window_of(posts: list[tuple[int, dict[int, int]]]) -> mi._Window:
    """A window of posts given as (published at, {key: kind}), in time order."""
    keys = [(key, pos, kind) for pos, (_, kinds) in enumerate(posts) for key, kind in kinds.items()]
    n = len(posts)
    return mi._Window(np.arange(1, n + 1, dtype=np.int64), np.array([at for at, _ in posts], np.int64),
                      np.zeros(n, np.uint64), np.zeros((n, sim.BINS), np.uint32), np.zeros(n, bool),
                      np.array([k for k, _, _ in keys], np.int64), np.array([p for _, p, _ in keys], np.int64),
                      np.array([kind for _, _, kind in keys], np.int8))


def test_shared_key_pairs_are_every_pair_sharing_a_key_within_the_window():
    rng = random.Random(7)
    window = 10
    posts = []
    at = 0
    for _ in range(300):
        at += rng.choice((0, 0, 1, 2, 5))
        kinds = {rng.randrange(15): rng.choice((mi.EXACT, mi.BAND, mi.END)) for _ in range(rng.randrange(4))}
        posts.append((at, kinds))
    first_new = 120  # posts before it were paired with each other already
    old, new, how = mi.shared_key_pairs(window_of(posts), first_new, window)
    got = {(o, n): h for o, n, h in zip(old.tolist(), new.tolist(), how.tolist())}
    want = {}
    for n in range(first_new, len(posts)):
        for o in range(n):
            shared = posts[o][1].keys() & posts[n][1].keys()
            if shared and posts[n][0] - posts[o][0] <= window:
                want[(o, n)] = min(posts[n][1][k] for k in shared)
    assert len(want) > 100 and got == want


def test_number_masks_never_see_a_conflict_the_rules_do_not():
    rng = random.Random(3)
    for _ in range(2000):
        a = frozenset(rng.choice((1, 2, 3, 12, 2019, 2020, 64, 66, 5599)) for _ in range(rng.randrange(4)))
        b = frozenset(rng.choice((1, 2, 3, 12, 2019, 2020, 64, 66, 5599)) for _ in range(rng.randrange(4)))
        ma, mb = mi.number_mask(a), mi.number_mask(b)
        if ma & ~mb and mb & ~ma:
            assert sim.numbers_conflict(a, b)


def test_other_titles_and_texts_never_merge_below_the_least_body_estimate():
    body = "兴华街道松江社区组织开展防汛应急演练，街道班子成员及社区工作人员六十余人参加，检验预警发布与人员转移。" * 2
    this = rules.sketch_of("a", 0, "兴华街道松江社区开展防汛应急演练", sim.normalise_body(body), None)
    for title in ("兴华街道松江社区开展防汛演练", "兴华街道中兴社区开展消防安全培训"):
        other = rules.sketch_of("b", 3600, title, sim.normalise_body(body + "另有说明。"), None)
        for estimate in (0.0, 0.5, rules.LEAST_BODY - 1 / sim.BINS):
            assert rules.judge(this, other, 86400, estimate=estimate) is None


def test_a_contained_title_below_the_least_body_estimate_merges_only_on_overlapping_bodies():
    # Issue 13: a copy with paragraphs dropped has a low Jaccard estimate but lies inside the full
    # text; merge/index.py screens such pairs on rules.body_overlap, not on LEAST_BODY.
    body = "兴华街道松江社区组织开展防汛应急演练，街道班子成员及社区工作人员六十余人参加，检验预警发布与人员转移。" * 2
    this = rules.sketch_of("a", 0, "兴华街道松江社区开展防汛应急演练", sim.normalise_body(body), None)
    other = rules.sketch_of("b", 3600, "【工作动态】兴华街道松江社区开展防汛应急演练（图）", sim.normalise_body(body + "另有说明。"),
                            None)
    assert rules.judge(this, other, 86400, estimate=0.1) is None  # overlap below LOOSE_OVERLAP
    for estimate in (0.5, rules.LEAST_BODY - 1 / sim.BINS):
        overlap = rules.body_overlap(estimate, this.body_chars, other.body_chars)
        verdict = rules.judge(this, other, 86400, estimate=estimate)
        assert overlap >= rules.LOOSE_OVERLAP and verdict is not None and verdict.check == "overlap"
