"""The real-title evaluation set (tests/data/real_titles.csv, see its PROVENANCE.md) and the
confidence calibration fitted on its training split."""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from pathlib import Path

import pytest

from bench.classify import (calibration_steps, development_titles, fit_evidence, labelling_agreement, real_titles,
                             training_evidence, unseen_titles)
from pipeline.classify import load_tree
from pipeline.classify import rules

CSV = Path(__file__).parent / "data" / "real_titles.csv"
COLUMNS = ["title", "label", "office", "channel", "url", "source", "split", "doc_number", "column", "column_leaf",
           "second_reading"]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS  # every row says where it came from and how it was filed
        return list(reader)


def test_every_row_is_a_real_title_with_its_provenance(rows):
    leaves = load_tree().leaves()
    assert len(rows) >= 600 and len({r["office"] for r in rows}) >= 3
    assert len({r["title"] for r in rows}) == len(rows)
    for r in rows:
        assert r["title"].strip() and r["office"] and r["url"].startswith("http") and r["source"], r
        assert r["label"] in leaves and r["second_reading"] in leaves, r
        assert r["column_leaf"] in leaves if r["column"] else not r["column_leaf"], r
        assert r["channel"] in {"wechat", "website", "catalog"}, r


@pytest.mark.parametrize("offices", [development_titles, unseen_titles])
def test_the_offices_outside_the_set_are_real_titles_it_never_had(rows, offices):
    """All held out: no office, no title of theirs in real_titles.csv (nor in the other such set); each
    row says where it came from (its source: a crawl's file at a commit, or an index file; and its page
    when the crawl kept one) and what the blind reader filed it under (and whether the reader was unsure)."""
    chosen, leaves = offices(), load_tree().leaves()
    other = unseen_titles() if offices is development_titles else development_titles()
    assert len(chosen) >= 250 and len({r["office"] for r in chosen}) >= 3
    assert not {r["office"] for r in chosen} & ({r["office"] for r in rows} | {r["office"] for r in other})
    assert not {r["title"] for r in chosen} & ({r["title"] for r in rows} | {r["title"] for r in other})
    assert len({r["title"] for r in chosen}) == len(chosen)
    for r in chosen:
        assert r["title"].strip() and r["office"] and r["source"], r
        assert r["url"].startswith("http") or not r["url"], r  # empty: the crawl kept no address
        assert r["label"] in leaves and r["unsure"] in {"0", "1"} and r["channel"] in {"wechat", "website", "catalog"}, r


def test_the_held_out_third_is_fixed_by_the_title_alone(rows):
    for r in rows:
        expected = "test" if int(hashlib.sha1(r["title"].encode("utf-8")).hexdigest(), 16) % 3 == 0 else "train"
        assert r["split"] == expected, r["title"]
    assert len(real_titles("train")) + len(real_titles("test")) == len(rows)


def test_rows_the_publisher_filed_name_its_column_and_its_source(rows):
    """The catalog rows the publisher filed itself: at least 300 from at least five offices, each
    naming its column and its archived page; one column name is one leaf (mapped once per column,
    never per title); their label is the blind reader's, as the issue asks (labelled by reading)."""
    filed = [r for r in rows if r["column"]]
    assert len(filed) >= 300 and len({r["office"] for r in filed}) >= 5
    leaf_of: dict[str, set[str]] = defaultdict(set)
    for r in filed:
        assert r["channel"] in {"catalog", "website"} and "@" in r["source"] and r["url"].startswith("http"), r
        assert r["label"] == r["second_reading"], r
        leaf_of[r["column"]].add(r["column_leaf"])
    assert all(len(leaves) == 1 for leaves in leaf_of.values()), leaf_of


def test_agreement_of_two_labellings_is_the_share_alike_and_cohens_kappa():
    """κ = (p_o − p_e) / (1 − p_e): 3 of 4 alike (p_o 0.75); by chance (½·¼ + ½·¾) = 0.5; κ 0.5."""
    def row(first: str, second: str, column: bool) -> dict[str, str]:
        return {"label": first, "second_reading": second if not column else first,
                "column_leaf": second if column else ""}

    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]
    got = labelling_agreement([row(a, b, False) for a, b in pairs] + [row(a, a, True) for a, _ in pairs])
    assert got["two readers"] == (4, 0.75, pytest.approx(0.5))
    assert got["a reader and the publisher's column"] == (4, 1.0, pytest.approx(1.0))


def test_the_confidence_table_is_the_one_the_training_split_gives():
    """rules.EVIDENCE_WEIGHTS and CALIBRATION are what `python -m bench.classify fit` fits today:
    a change of keywords without a refit fails here."""
    features, rights, _ = training_evidence()
    weights, isotonic = fit_evidence(features, rights)
    assert {k: round(v, 2) for k, v in weights.items()} == pytest.approx(rules.EVIDENCE_WEIGHTS, abs=0.011)
    flat = [x for step in calibration_steps(isotonic) for x in step]
    assert flat == pytest.approx([x for step in rules.CALIBRATION for x in step], abs=0.011)


def test_confidence_never_falls_as_the_evidence_grows_and_a_title_alone_stays_below_the_offices_filing():
    shares = [share for _, share in rules.CALIBRATION]
    assert shares == sorted(shares)
    tree = load_tree()
    for title in ("关于徐超同志任职的通知", "关于2021年3月城乡低保审批结果的通知", "无题"):
        verdict = rules.rule_verdict(tree, rules.score(tree, title, "", {}))
        assert 0 < verdict.confidence <= rules.TITLE_CONFIDENCE_CAP < rules.FILED_CONFIDENCE
    filed = rules.rule_verdict(tree, rules.score(tree, "关于徐超同志任职的通知", "", {"column": "人事任免"}))
    assert filed.category == "rsrm" and filed.confidence == rules.FILED_CONFIDENCE
