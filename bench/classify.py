"""Classification quality on a labelled held-out set.

The synthetic office of N items (demo.generate; truth.json knows each item's category) is
served on 127.0.0.1 and collected and merged by the real pipeline. 200 items, drawn at random,
are confirmed by a "person" (their true category, recorded as decisions); the classify stage
then trains on them and files the others, which are scored against the truth:

  classify: auto-accepted precision P (A of N accepted), macro-F1 F
"""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bench.common import CACHE, REPO, world

ITEMS = 1000
CONFIRMED = 200
SEED = 5


def collected_store(items: int) -> Path:
    """A store with the world collected and merged, by today's code (so never cached: ~10 s)."""
    from demo.server import serve
    from pipeline import config as config_mod
    from pipeline.collect import collect_all
    from pipeline.dedupe import dedupe
    from pipeline.store import Store

    folder = CACHE / f"classify-{items}"
    db = folder / "collected.db"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    text = (REPO / "demo" / "xxgk.toml").read_text(encoding="utf-8")
    text = text.replace('database = "../output/xxgk-demo.db"', 'database = "building.db"')
    text = text.replace('output = "../output"', 'output = "output"')
    (folder / "xxgk.toml").write_text(text, encoding="utf-8")
    with serve(world(items)) as server:
        config = config_mod.load(folder / "xxgk.toml").with_resolve(server.address)
        with Store(config.database) as store:
            run_id = store.start_run("bench")
            collect_all(config, store, run_id)
            dedupe(config, store)
            store.finish_run(run_id, "ok", {})
    (folder / "building.db").rename(db)
    return db


def truth_of(store, items: int) -> dict[str, str]:
    """item id → true category, by the URLs of its copies (majority of its posts)."""
    from pipeline.normalize import url_identity

    truth = json.loads((world(items) / "truth.json").read_text(encoding="utf-8"))
    by_url = {url_identity(c["url"]): t["category"] for t in truth["items"] for c in t["copies"]}
    votes: dict[str, Counter] = {}
    rows = store.db.execute("SELECT ip.item_id, p.url FROM item_posts ip JOIN posts p ON p.id = ip.post_id")
    for item_id, url in rows:
        if url_identity(url) in by_url:
            votes.setdefault(item_id, Counter())[by_url[url_identity(url)]] += 1
    return {item_id: v.most_common(1)[0][0] for item_id, v in votes.items()}


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


def evaluate(items: int = ITEMS, confirmed: int = CONFIRMED, seed: int = SEED) -> dict:
    from pipeline import config as config_mod
    from pipeline.classify import classify
    from pipeline.store import Store

    source = collected_store(items)
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
        with store.transaction():
            for item_id in train:  # what a person would have done on the review page
                store.db.execute("UPDATE items SET category = ?, status = 'confirmed', confidence = 1 WHERE id = ?",
                                 [truth[item_id], item_id])
                store.db.execute("INSERT INTO decisions (at, who, item_id, kind, before, after, note) "
                                 "VALUES ('2025-01-01T00:00:00+00:00', 'bench', ?, 'accept', NULL, ?, '')",
                                 [item_id, truth[item_id]])
        classify(config, store)
        got = dict(store.db.execute("SELECT id, category FROM items"))
        status = dict(store.db.execute("SELECT id, status FROM items"))
    pairs = [(truth[i], got[i]) for i in held_out]
    accepted = [i for i in held_out if status[i] == "auto"]
    right = sum(1 for i in accepted if got[i] == truth[i])
    return {"held_out": len(held_out), "accepted": len(accepted), "right": right,
            "precision": right / len(accepted) if accepted else 0.0, "macro_f1": macro_f1(pairs),
            "errors": Counter((truth[i], got[i]) for i in held_out if truth[i] != got[i])}


def run() -> Iterable[str]:
    r = evaluate()
    yield (f"classify: auto-accepted precision {r['precision']:.3f} ({r['accepted']} of {r['held_out']} accepted), "
           f"macro-F1 {r['macro_f1']:.2f}")


if __name__ == "__main__":
    result = evaluate()
    print({k: v for k, v in result.items() if k != "errors"})
    for (t, p), n in result["errors"].most_common(15):
        print(f"  {t} → {p}: {n}")
