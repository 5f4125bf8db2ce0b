"""Classification quality on a labelled held-out set.

The synthetic office of N items (demo.generate; truth.json knows each item's category) is
served on 127.0.0.1 and collected and merged by the real pipeline. 200 items, drawn at random,
are confirmed by a "person" (their true category, recorded as decisions); the classify stage
then trains on them and files the others, which are scored against the truth:

  classify: auto-accepted precision P (A of N accepted), macro-F1 F

Then the real titles of tests/data/real_titles.csv (published by real offices; see
tests/data/PROVENANCE.md), on their held-out third only (split by a hash of the title, chosen
before any tuning), filed as a new office would see them: cold (rules only, no labels) and after
a clerk confirmed 50 titles of the training split. The calibration table says, for each
confidence c, how many held-out titles got at least c and what share of those was right; the
auto-accept threshold for precision 0.98 is read off the same table on the titles it was fitted on.
Each title was labelled twice, blind: two readers for the titles read first, a reader and the
publisher's own column for the catalog rows a publisher filed (their label is the reader's). How
often two labellings agree (and Cohen's κ) is the ceiling a classifier of titles meets; the held-out
figures are printed on the titles both labellings file alike and against the publisher's column too.
Last, offices outside that set, labelled blind by reading: tests/data/development_offices.csv (offices
each measured once unseen, whose errors then shaped the rules, so they are development data now) and
tests/data/unseen_offices.csv (offices no title of which was read while building xxgk, all held
out) — filed by the title alone, then with the publisher's 栏目 as a collected copy carries it.
The confidence itself (pipeline/classify/rules.py) is fitted from the rules' evidence on the training
split and the development offices (`fitting_rows`); `python -m bench.classify fit` refits it and prints
the comparison with the margin alone, cross-validated with whole office families held out, which `make
bench` prints too.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bench.common import REPO, collected, confirm, item_truth, world

ITEMS = 1000
CONFIRMED = 200
SEED = 5


def collected_store(items: int) -> Path:
    """A store with the world collected and merged, by today's code (so never cached: ~10 s)."""
    config = collected(f"classify-{items}", world(items), (REPO / "demo" / "xxgk.toml").read_text(encoding="utf-8"))
    db = config.parent / "collected.db"
    (config.parent / "xxgk.db").rename(db)
    return db


def truth_of(store, items: int) -> dict[str, str]:
    """item id → true category, by the URLs of its copies (majority of its posts)."""
    truth = json.loads((world(items) / "truth.json").read_text(encoding="utf-8"))
    return item_truth(store, {c["url"]: t["category"] for t in truth["items"] for c in t["copies"]})


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro-averaged F1 over the true categories of (truth, predicted) pairs."""
    classes = sorted({t for t, _ in pairs})
    scores = []
    for c in classes:
        tp = sum(1 for t, p in pairs if t == c and p == c)
        fp = sum(1 for t, p in pairs if t != c and p == c)
        fn = sum(1 for t, p in pairs if t == c and p != c)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def evaluate(items: int = ITEMS, confirmed: int = CONFIRMED, seed: int = SEED, source: Path | None = None) -> dict:
    from pipeline import config as config_mod
    from pipeline.classify import classify
    from pipeline.store import Store

    source = source or collected_store(items)
    folder = source.parent
    work = folder / "eval.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    shutil.copy(source, work)
    config = config_mod.load(folder / "xxgk.toml")
    with Store(work) as store:
        truth = truth_of(store, items)
        ids = sorted(truth)
        random.Random(seed).shuffle(ids)
        train, held_out = ids[:confirmed], ids[confirmed:]
        confirm(store, {item_id: truth[item_id] for item_id in train})  # as a person would on the review page
        classify(config, store)
        got = dict(store.db.execute("SELECT id, category FROM items"))
        status = dict(store.db.execute("SELECT id, status FROM items"))
    pairs = [(truth[i], got[i]) for i in held_out]
    accepted = [i for i in held_out if status[i] == "auto"]
    right = sum(1 for i in accepted if got[i] == truth[i])
    return {"held_out": len(held_out), "accepted": len(accepted), "right": right,
            "precision": right / len(accepted) if accepted else 0.0, "macro_f1": macro_f1(pairs),
            "errors": Counter((truth[i], got[i]) for i in held_out if truth[i] != got[i])}


REAL_TITLES = REPO / "tests" / "data" / "real_titles.csv"
CONFIRMATIONS = 50
TARGET_PRECISION = 0.98
LEVELS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98)


DEVELOPMENT_OFFICES = REPO / "tests" / "data" / "development_offices.csv"
UNSEEN_OFFICES = REPO / "tests" / "data" / "unseen_offices.csv"


def real_titles(split: str) -> list[dict[str, str]]:
    return [row for row in _rows(REAL_TITLES) if row["split"] == split]


def unseen_titles() -> list[dict[str, str]]:
    """Real titles of offices none of whose titles was ever read while building xxgk (all held out)."""
    return _rows(UNSEEN_OFFICES)


def development_titles() -> list[dict[str, str]]:
    """Real titles of the offices first measured unseen, whose errors have since shaped the rules."""
    return _rows(DEVELOPMENT_OFFICES)


def _rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def meta_of(row: dict[str, str]) -> dict[str, str]:
    """What a row tells besides its title: a catalog row's 文号 (WeChat posts have none)."""
    return {"doc_number": row["doc_number"]} if row.get("doc_number") else {}


def filed(rows: list[dict[str, str]], model=None, *, with_column: bool = False,
          labels: dict[str, str] | None = None, confirmed: list[dict[str, str]] | None = None) -> list[tuple[float, bool]]:
    """(confidence, right?) of each title as the classifier files it (the title, and a catalog
    row's 文号, is all it has; `with_column`: the publisher's 栏目 too, as a collected copy carries it;
    `labels`: the office's `[classify.labels]`, column name → leaf; `confirmed`: titles staff have
    confirmed, each office's titles from one source, the office's own)."""
    from pipeline.classify import OfficeRecord, classify_one, load_tree
    from pipeline.classify.model import Example
    from pipeline.classify.recurring import recurring_records
    from pipeline.classify.records import source_records

    tree = load_tree(labels=labels)
    sourced = confirmed is not None

    def meta(row: dict[str, str]) -> dict[str, str]:
        return (meta_of(row) | ({"column": row["column"]} if with_column and row["column"] else {})
                | ({"source": row["office"]} if sourced else {}))

    staff = [Example(r["title"], "", meta(r), r["label"]) for r in confirmed or []]
    sources, recurrences = source_records(tree, staff), recurring_records(staff)
    verdicts = [classify_one(tree, row["title"], "", meta(row), model,
                             OfficeRecord(sources=sources, recurrences=recurrences))
                for row in rows]
    return [(v.confidence, v.category == row["label"]) for v, row in zip(verdicts, rows)]


def calibration(results: list[tuple[float, bool]]) -> list[tuple[float, int, float]]:
    """(c, items with confidence >= c, share of them right) per level."""
    table = []
    for level in LEVELS:
        chosen = [right for confidence, right in results if confidence >= level]
        table.append((level, len(chosen), sum(chosen) / len(chosen) if chosen else 1.0))
    return table


def threshold_for(results: list[tuple[float, bool]], precision: float = TARGET_PRECISION) -> float:
    """The lowest confidence whose accepted items reach `precision` (1.0 when none does)."""
    for confidence in sorted({round(c, 3) for c, _ in results}):
        chosen = [right for c, right in results if c >= confidence]
        if chosen and sum(chosen) / len(chosen) >= precision:
            return confidence
    return 1.0


def fitting_rows() -> list[dict[str, str]]:
    """The titles the confidence table is fitted on: the training split and the development offices
    (never the held-out third, never the unseen offices). The more kinds of office it has seen, the
    less a verdict's evidence is taken for surer than it is in an office it has not."""
    return real_titles("train") + development_titles()


def office_family(row: dict[str, str]) -> str:
    """Offices one system published or one crawl gathered count as one (平潭 and its bureaus, the 42
    Shanghai 街镇 of one platform, 海淀's offices of one crawl …); a WeChat account or a stored page's
    office stands alone. Cross-validation holds out whole families: a new office is a new family."""
    repo = row["source"].removeprefix("github:").split(":")[0]
    return row["office"] if repo == "hellodword/wechat-feeds" or repo.startswith("search tool") else repo


def training_evidence() -> tuple[list[dict[str, float]], list[int], list[str]]:
    """The rules' evidence for each title of `fitting_rows`, whether the rules filed it right and its
    office family (titles a 文号 marks normative are filed by that alone, never by this confidence)."""
    from pipeline.classify import is_normative, load_tree
    from pipeline.classify.rules import evidence, rule_verdict, score

    tree = load_tree()
    features, rights, families = [], [], []
    for row in fitting_rows():
        if is_normative(row["title"], meta_of(row)):
            continue
        scored = score(tree, row["title"], "", meta_of(row))
        features.append(evidence(tree, scored))
        rights.append(int(rule_verdict(tree, scored).category == row["label"]))
        families.append(office_family(row))
    return features, rights, families


EVIDENCE_C = 10.0  # weak regularisation: eight numbers fitted on ~700 titles


def fit_evidence(features: list[dict[str, float]], rights: list[int]):
    """Evidence → score (logistic regression) → share right (isotonic on the score)."""
    import numpy as np
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    names = list(features[0])
    x = np.array([[f[n] for n in names] for f in features])
    regression = LogisticRegression(C=EVIDENCE_C, max_iter=1000).fit(x, rights)
    weights = {"bias": float(regression.intercept_[0]), **dict(zip(names, map(float, regression.coef_[0])))}
    # y_min: a handful of wrong titles at the bottom never makes a verdict "certainly wrong"
    isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.05, y_max=1.0).fit(regression.decision_function(x), rights)
    return weights, isotonic


def calibration_steps(isotonic) -> list[tuple[float, float]]:
    """The isotonic map as (least score, share right) steps, shares to two places."""
    steps: dict[float, float] = {}
    for z, share in zip(isotonic.X_thresholds_, isotonic.y_thresholds_):
        steps.setdefault(round(float(share), 2), round(float(z), 2))
    return sorted((z, share) for share, z in steps.items())


def cross_validated(features: list[dict[str, float]], rights: list[int], families: list[str],
                    folds: int = 5) -> dict:
    """Out-of-fold confidences, whole office families held out at a time (GroupKFold), for the
    margin alone (isotonic, as before) and for the whole evidence: Brier score, log-loss and the share
    right above each level — what the table claims of an office it was not fitted on."""
    import numpy as np
    from sklearn.isotonic import IsotonicRegression
    from sklearn.model_selection import GroupKFold

    y = np.array(rights)
    margins = np.array([f["margin"] for f in features])
    names = list(features[0])
    x = np.array([[f[n] for n in names] for f in features])
    out = {"margin": np.zeros(len(y)), "evidence": np.zeros(len(y))}
    for train, test in GroupKFold(folds).split(x, y, groups=families):
        alone = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(margins[train], y[train])
        out["margin"][test] = alone.predict(margins[test])
        weights, isotonic = fit_evidence([features[i] for i in train], [rights[i] for i in train])
        z = np.array([weights["bias"] + sum(weights[n] * features[i][n] for n in names) for i in test])
        out["evidence"][test] = isotonic.predict(z)
    figures = {}
    for name, shares in out.items():
        p = np.clip(shares, 1e-3, 1 - 1e-3)
        figures[name] = {"brier": float(np.mean((p - y) ** 2)),
                         "log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
                         "calibration": calibration(list(zip(p.tolist(), y.astype(bool).tolist())))}
    return figures


def table_weight() -> dict[float, tuple[int, float]]:
    """Per step of the table, (families, M): how many of one office's verdicts the step is worth —
    the beta-binomial prior strength p(1-p)/v - 1, v the spread of the share right between office
    families (at least 3 titles there) less what chance alone spreads it (method of moments)."""
    import statistics

    from pipeline.classify.rules import confidence_of

    features, rights, families = training_evidence()
    by_step: dict[float, dict[str, list[int]]] = {}
    for f, right, family in zip(features, rights, families):
        by_step.setdefault(round(confidence_of(f), 3), {}).setdefault(family, []).append(right)
    out = {}
    for step, by_family in sorted(by_step.items()):
        every = [r for rs in by_family.values() for r in rs]
        share = sum(every) / len(every)
        enough = [rs for rs in by_family.values() if len(rs) >= 3]
        if len(enough) < 3 or share in (0.0, 1.0):
            continue
        spread = statistics.pvariance([sum(rs) / len(rs) for rs in enough])
        chance = statistics.mean(share * (1 - share) / len(rs) for rs in enough)
        if spread > chance:
            out[step] = (len(enough), share * (1 - share) / (spread - chance) - 1)
    return out


def recurring_fit() -> tuple[int, int]:
    """(right, titles): going through each office's titles of the training split and the development
    offices in order, the titles whose shape the office had used before, every earlier one filed
    alike, and how many of them were filed alike again (recurring.RECURRING_CONFIDENCE is
    (right+1)/(titles+2))."""
    from pipeline.classify.recurring import filed_before, recurring_records
    from pipeline.classify.model import Example

    earlier: dict[str, list[Example]] = {}
    right = titles = 0
    for row in fitting_rows():
        before = earlier.setdefault(row["office"], [])
        if found := filed_before(recurring_records(before), row["title"]):
            titles += 1
            right += found[0] == row["label"]
        before.append(Example(row["title"], "", {}, row["label"]))
    return right, titles


def fit_calibration() -> dict:
    """The table behind pipeline/classify/rules.EVIDENCE_WEIGHTS and CALIBRATION, fitted on
    `fitting_rows`, with the cross-validated comparison (by office family) that goes with it."""
    features, rights, families = training_evidence()
    weights, isotonic = fit_evidence(features, rights)
    return {"weights": {k: round(v, 2) for k, v in weights.items()}, "steps": calibration_steps(isotonic),
            "cross_validated": cross_validated(features, rights, families)}


def confirmed_model(rows: list[dict[str, str]], count: int = CONFIRMATIONS, seed: int = SEED):
    """The text model after a clerk confirmed `count` titles of the training split."""
    from pipeline.classify.model import Example, TextModel

    chosen = random.Random(seed).sample(rows, min(count, len(rows)))
    return TextModel.train([Example(row["title"], "", meta_of(row), row["label"]) for row in chosen])


OWN_LEAST = 90  # titles an office needs for "50 of its own confirmed, the rest filed" to say much
OWN_FILED = 40  # of a development office's titles, the last this many (in a fixed shuffle) are filed


def after_own_confirmations(offices: dict[str, tuple[list[dict[str, str]], list[dict[str, str]]]],
                            count: int = CONFIRMATIONS, draws: tuple[int, ...] = (1, 2, 3)) -> dict:
    """The nightly job's own way after staff confirmed `count` of an office's titles: the text model
    trained on them and the office's calibration cross-validated on them (`verdict.office_calibration`),
    then the office's other titles filed. `offices`: name → (titles staff may confirm, titles filed)."""
    from pipeline.classify import OfficeRecord, classify_one, load_tree
    from pipeline.classify.model import Example, TextModel
    from pipeline.classify.recurring import recurring_records
    from pipeline.classify.verdict import office_calibration

    tree = load_tree()
    results: list[tuple[float, bool]] = []
    cold: list[tuple[float, bool]] = []
    for pool, to_file in offices.values():
        cold += filed(to_file)
        for draw in draws:
            lessons = [Example(r["title"], "", meta_of(r), r["label"]) for r in random.Random(draw).sample(pool, count)]
            model = TextModel.train(lessons)
            calibration = office_calibration(tree, lessons) if model else None
            recurrences = recurring_records(lessons)
            verdicts = [classify_one(tree, r["title"], "", meta_of(r), model,
                                        OfficeRecord(calibration, recurrences=recurrences))
                        for r in to_file]
            results += [(v.confidence, v.category == r["label"]) for v, r in zip(verdicts, to_file)]
    return {**figures(results), "offices": len(offices), "cold": figures(cold), "draws": len(draws)}


def own_offices() -> dict[str, dict[str, tuple[list[dict[str, str]], list[dict[str, str]]]]]:
    """Offices with enough titles to confirm 50 and file the rest: the development offices (each
    office's titles in a fixed shuffle, the last OWN_FILED filed, 50 confirmed from the others), and the held-out
    third's largest office family (50 of its training titles confirmed, its held-out titles filed)."""
    by_office: dict[str, list[dict[str, str]]] = {}
    for row in development_titles():
        by_office.setdefault(row["office"], []).append(row)
    development = {}
    for office, rows in by_office.items():
        if len(rows) >= OWN_LEAST:
            shuffled = random.Random(SEED).sample(rows, len(rows))
            development[office] = (shuffled[:-OWN_FILED], shuffled[-OWN_FILED:])
    train, held_out = real_titles("train"), real_titles("test")
    family = Counter(office_family(r) for r in held_out).most_common(1)[0][0]
    return {"development": development,
            "held-out": {family: ([r for r in train if office_family(r) == family],
                                  [r for r in held_out if office_family(r) == family])}}


def real_evaluation() -> dict:
    from pipeline.config import DEFAULTS_AUTO_ACCEPT

    train, held_out = real_titles("train"), real_titles("test")
    model = confirmed_model(train)
    out = {"held_out": len(held_out), "threshold": DEFAULTS_AUTO_ACCEPT,
           "train_threshold": threshold_for(filed(fitting_rows()))}
    runs = {"cold start": filed(held_out), f"after {CONFIRMATIONS} confirmations": filed(held_out, model)}
    out["after the office's own"] = figures(filed(held_out, confirmed=train))
    for name, results in runs.items():
        out[name] = {**figures(results), "calibration": calibration(results)}
    cold = runs["cold start"]
    out["by channel"] = {channel: figures([r for r, row in zip(cold, held_out) if row["channel"] == channel])
                         for channel in sorted({row["channel"] for row in held_out})}
    alike = [row for row in held_out if other_labelling(row) == row["label"]]
    out["labellings agree"] = figures(filed(alike))
    by_column = [{**row, "label": row["column_leaf"]} for row in held_out if row["column_leaf"]]
    out["publisher's column"] = figures(filed(by_column))
    out["agreement"] = labelling_agreement(real_titles("train") + held_out)
    out["development"] = office_figures(development_titles())
    out["unseen"] = office_figures(unseen_titles(), UNSEEN_COLUMN_LABELS, UNSEEN_SOURCE_COLUMNS)
    older, newer = halves(unseen_titles())
    out["unseen, half confirmed"] = {"cold start": figures(filed(newer)), "after": figures(filed(newer, confirmed=older))}
    out["cross-validated"] = cross_validated(*training_evidence())
    out["own confirmations"] = {name: after_own_confirmations(offices) for name, offices in own_offices().items()}
    return out


# What the unseen offices' staff would write in [classify.labels] for the columns their titles came
# from that the default catalog does not know, read off the column names alone before any title was
# (round 6: WeChat accounts, no columns).
UNSEEN_COLUMN_LABELS: dict[str, str] = {}
# A department's account publishes its one area without naming it (a 疾控 account's health advice, a
# 司法 account's mediations): a source may say which column it is (`[sources.NAME] column`). The
# unseen departments whose name says one area of the catalog, and that column, chosen from the
# account names alone before the one score; departments of several areas (人社, 市场监管) or of none
# (统计, 网信, 网警, 公安, 税务, 12345) have none.
UNSEEN_SOURCE_COLUMNS = {"深圳疾控": "卫生健康", "临沂疾控": "卫生健康", "天门疾控": "卫生健康",
                         "临沂兰山银雀山街道卫生服务中心": "卫生健康", "金雀山街道社区卫生服务中心": "卫生健康",
                         "上海市司法局": "公共法律服务"}


def halves(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(older, newer): each office's titles split in two in the order collected, a feed's newest
    first — the older half is what staff confirmed, the newer what comes next."""
    by_office: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_office.setdefault(row["office"], []).append(row)
    cut = {office: len(titles) // 2 for office, titles in by_office.items()}
    return ([r for office, titles in by_office.items() for r in titles[cut[office]:]],
            [r for office, titles in by_office.items() for r in titles[:cut[office]]])


def office_figures(rows: list[dict[str, str]], labels: dict[str, str] | None = None,
                   source_columns: dict[str, str] | None = None) -> dict:
    """Offices outside the real-title set: by the title alone (all titles, and those the reader was
    sure of), the calibration table, and with the publisher's 栏目 as a collected copy carries it
    (mapped by the default catalog, and by the offices' own `labels` too), and with a department
    account's area as its source's column (`source_columns`, office → column)."""
    results = filed(rows)
    sourced = [{**row, "column": row["column"] or (source_columns or {}).get(row["office"], "")} for row in rows]
    return {"offices": len({row["office"] for row in rows}), **figures(results), "calibration": calibration(results),
            "sure": figures([r for r, row in zip(results, rows) if row["unsure"] == "0"]),
            "with column": figures(filed(rows, with_column=True)) if any(row["column"] for row in rows) else None,
            "with labels": figures(filed(rows, with_column=True, labels=labels)) if labels else None,
            "with sources": figures(filed(sourced, with_column=True, labels=labels)) if source_columns else None}


def other_labelling(row: dict[str, str]) -> str:
    """The row's second labelling: the publisher's column (mapped) for a row it filed, else the blind
    second reader's leaf (the row's label is then the first reader's)."""
    return row["column_leaf"] or row["second_reading"]


def labelling_agreement(rows: list[dict[str, str]]) -> dict[str, tuple[int, float, float]]:
    """How often two labellings of the same titles agree — two readers; a reader and the publisher's
    column — as (titles, share alike, Cohen's κ): the ceiling no classifier of titles can pass."""
    from sklearn.metrics import cohen_kappa_score

    kinds = {"two readers": [r for r in rows if not r["column_leaf"]],
             "a reader and the publisher's column": [r for r in rows if r["column_leaf"]]}
    out = {}
    for kind, chosen in kinds.items():
        first, second = [r["label"] for r in chosen], [other_labelling(r) for r in chosen]
        out[kind] = (len(chosen), sum(a == b for a, b in zip(first, second)) / len(chosen),
                     float(cohen_kappa_score(first, second)))
    return out


def figures(results: list[tuple[float, bool]]) -> dict:
    """Top-1, the share auto-accepted at the default threshold and its precision."""
    from pipeline.config import DEFAULTS_AUTO_ACCEPT

    accepted = [right for confidence, right in results if confidence >= DEFAULTS_AUTO_ACCEPT]
    return {"n": len(results), "top1": sum(right for _, right in results) / len(results),
            "accepted": len(accepted) / len(results),
            "precision": sum(accepted) / len(accepted) if accepted else 1.0}


def speed(source: Path) -> dict:
    """Seconds (wall, CPU) of classify on a collected office: its first run, then a night on which one
    item changed (the first run's fit of the text model and calibration kept: classify/fitting.py).
    The libraries are imported first: a nightly job pays for that once, whatever it classifies."""
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.linear_model  # noqa: F401

    from pipeline import config as config_mod
    from pipeline.classify import classify
    from pipeline.store import Store

    work = source.parent / "speed.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    shutil.copy(source, work)
    config = config_mod.load(source.parent / "xxgk.toml")
    out = {}
    with Store(work) as store:
        for night in ("first run", "one changed"):
            if night == "one changed":
                store.db.execute("UPDATE items SET classified_hash = NULL WHERE id = (SELECT MIN(id) FROM items)")
            cpu, wall = time.process_time(), time.perf_counter()
            counts = classify(config, store)
            out[night] = (time.perf_counter() - wall, time.process_time() - cpu, counts["classified"])
        out["filed"] = store.db.execute("SELECT examples FROM model_runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    return out


def run() -> Iterable[str]:
    source = collected_store(ITEMS)
    r = evaluate(source=source)
    yield (f"classify: auto-accepted precision {r['precision']:.3f} ({r['accepted']} of {r['held_out']} accepted), "
           f"macro-F1 {r['macro_f1']:.2f}")
    s = speed(source)
    (first, first_cpu, _), (night, night_cpu, changed) = s["first run"], s["one changed"]
    yield (f"classify speed: {ITEMS}-item office, first run {first:.1f} s (CPU {first_cpu:.1f} s; the model and "
           f"calibration fitted on {s['filed']} filed items), a night with {changed} changed item {night:.2f} s "
           f"(CPU {night_cpu:.2f} s)")
    yield from real_lines()


def real_lines() -> Iterable[str]:
    real = real_evaluation()
    for name in ("cold start", f"after {CONFIRMATIONS} confirmations"):
        x = real[name]
        yield (f"classify (real titles, {name}): top-1 {x['top1']:.2f}, auto-accepted {x['accepted']:.0%} "
               f"at precision {x['precision']:.2f}")
        yield (f"classify (real titles, {name}) calibration on {real['held_out']} held-out: "
               + ", ".join(f"≥{c:.2f}: {n} right {share:.2f}" for c, n, share in x["calibration"]))
    yield ("classify (real titles, cold start) by channel: " + "; ".join(
        f"{channel} {x['n']} top-1 {x['top1']:.2f}, auto-accepted {x['accepted']:.0%} at precision {x['precision']:.2f}"
        for channel, x in real["by channel"].items()))
    yield ("classify (real titles): labellings agree — " + "; ".join(
        f"{kind} on {share:.0%} of {n} (κ {kappa:.2f})" for kind, (n, share, kappa) in real["agreement"].items()))
    for name in ("labellings agree", "publisher's column"):
        x = real[name]
        subset = ("titles both labellings file alike" if name == "labellings agree"
                  else "against the publisher's column")
        yield (f"classify (real titles, cold start, {subset}): top-1 {x['top1']:.2f}, auto-accepted "
               f"{x['accepted']:.0%} at precision {x['precision']:.2f} ({x['n']} held-out)")
    x = real["after the office's own"]
    yield (f"classify (real titles, held-out, each office's training titles confirmed as from its one source): "
           f"top-1 {x['top1']:.2f}, auto-accepted {x['accepted']:.0%} at precision {x['precision']:.2f}")
    x = real["development"]
    yield (f"classify (real titles, development offices, cold start): top-1 {x['top1']:.2f}, auto-accepted "
           f"{x['accepted']:.0%} at precision {x['precision']:.2f} ({x['n']} titles, {x['offices']} offices; first "
           "measured unseen, their errors have shaped the rules since)")
    unseen = real["unseen"]
    yield (f"classify (real titles, unseen offices, cold start): top-1 {unseen['top1']:.2f}, auto-accepted "
           f"{unseen['accepted']:.0%} at precision {unseen['precision']:.2f} ({unseen['n']} titles, "
           f"{unseen['offices']} offices)")
    yield ("classify (real titles, unseen offices) calibration: "
           + ", ".join(f"≥{c:.2f}: {n} right {share:.2f}" for c, n, share in unseen["calibration"]))
    x = unseen["sure"]
    yield (f"classify (real titles, unseen offices, titles the reader was sure of): top-1 {x['top1']:.2f}, "
           f"auto-accepted {x['accepted']:.0%} at precision {x['precision']:.2f} ({x['n']} titles)")
    seconds = {"with column": "with the publisher's column as collected",
               "with labels": "their columns mapped in [classify.labels] ("
                              + ", ".join(f"{k} → {v}" for k, v in UNSEEN_COLUMN_LABELS.items()) + ")",
               "with sources": f"and {len(UNSEEN_SOURCE_COLUMNS)} single-area department accounts given their area "
                               "as the source's column"}
    for key, how in seconds.items():  # only what the offices' rows and their config give
        if x := unseen[key]:
            yield (f"classify (real titles, unseen offices, {how}): top-1 {x['top1']:.2f}, "
                   f"auto-accepted {x['accepted']:.0%} at precision {x['precision']:.2f}")
    x, y = real["unseen, half confirmed"]["cold start"], real["unseen, half confirmed"]["after"]
    yield (f"classify (real titles, unseen offices, the older half of each account's titles confirmed): the newer "
           f"{x['n']} top-1 {x['top1']:.2f} → {y['top1']:.2f}, auto-accepted {x['accepted']:.0%} → {y['accepted']:.0%} "
           f"at precision {y['precision']:.2f}")
    for name, x in real["own confirmations"].items():
        c, offices = x["cold"], f"{x['offices']} office" + "s" * (x["offices"] > 1)
        yield (f"classify (real titles, {name}, an office after {CONFIRMATIONS} of its own confirmations, as the "
               f"nightly job files): top-1 {c['top1']:.2f} → {x['top1']:.2f}, auto-accepted {c['accepted']:.0%} → "
               f"{x['accepted']:.0%} at precision {x['precision']:.2f} ({c['n']} titles, {offices}, {x['draws']} draws)")
    cv = real["cross-validated"]
    yield ("classify (real titles, training split and development offices, cross-validated by office family): "
           "confidence from the rules' evidence "
           f"Brier {cv['evidence']['brier']:.3f}, log-loss {cv['evidence']['log_loss']:.3f} (the margin alone "
           f"{cv['margin']['brier']:.3f}, {cv['margin']['log_loss']:.3f}); "
           + ", ".join(f"≥{c:.2f}: {n} right {share:.2f}" for c, n, share in cv["evidence"]["calibration"]))
    yield (f"classify (real titles): auto-accept threshold {real['threshold']:.2f} in use; "
           f"{real['train_threshold']:.2f} reaches precision {TARGET_PRECISION} on the titles the table was fitted on")


if __name__ == "__main__":
    import sys

    if "fit" in sys.argv[1:]:
        fitted = fit_calibration()
        print("EVIDENCE_WEIGHTS =", fitted["weights"])
        print("CALIBRATION =", tuple(fitted["steps"]))
        right, titles = recurring_fit()
        print(f"RECURRING_CONFIDENCE = {(right + 1) / (titles + 2):.2f} ({right} of {titles} recurring titles filed alike)")
        print("TABLE_WEIGHT per step (office families, M):",
              ", ".join(f"{step}: {n} {m:.1f}" for step, (n, m) in table_weight().items()))
        for name, x in fitted["cross_validated"].items():
            print(f"cross-validated by office family on the titles fitted, {name}: Brier {x['brier']:.3f}, log-loss {x['log_loss']:.3f}; "
                  + ", ".join(f"≥{c:.2f}: {n} right {share:.3f}" for c, n, share in x["calibration"]))
        raise SystemExit
    if "real" in sys.argv[1:]:
        for line in real_lines():
            print(line)
        raise SystemExit
    result = evaluate()
    print({k: v for k, v in result.items() if k != "errors"})
    for (t, p), n in result["errors"].most_common(15):
        print(f"  {t} → {p}: {n}")
