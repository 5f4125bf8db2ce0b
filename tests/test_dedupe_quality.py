"""The merge benchmark's measure and a small run of it: the labelled set merges at the target quality."""

from __future__ import annotations

from bench.merge import pair_scores, quality
from bench.mergeset import posts


def test_pair_scores_count_pairs_of_posts():
    truth = {"a": "x", "b": "x", "c": "x", "d": "y"}
    assert pair_scores(truth, {"a": 1, "b": 1, "c": 1, "d": 2}) == (1.0, 1.0, 3)
    precision, recall, n = pair_scores(truth, {"a": 1, "b": 1, "c": 2, "d": 2})
    assert (precision, recall, n) == (0.5, 1 / 3, 3)


def test_the_labelled_set_has_copies_and_look_alikes():
    sample = list(posts(600))
    titles = [p.title for _, p in sample]
    assert any(t.startswith("【") for t in titles) and any("例会" in t for t in titles)
    assert any("期）" in t for t in titles)  # the weekly series
    assert len({k for k, _ in sample}) < len(sample) * 0.7  # many posts are copies


def test_a_small_labelled_set_merges_at_the_target_quality():
    precision, recall, n, _ = quality(1500)
    assert n > 500
    assert precision >= 0.99 and recall >= 0.97
