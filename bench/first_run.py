"""What a new office's first run asks of staff (issue 14): offices built differently, each served on
127.0.0.1, collected, merged and classified by the real pipeline with no staff decision yet; the
share of items waiting for review and the precision of the auto-accepted ones against the truth:

  classify (first run, OFFICE): R% of N wait for review; auto-accepted precision P (A accepted)

The demo office (兴华街道 2020), the 1,000-item synthetic office (demo.generate), and the
adversarial office of bench/adversarial.py (recurring titles, shared catalog; its report seed),
the latter also after a clerk confirmed 50 of its items (their true category).
"""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bench.common import CACHE, REPO, world

ADVERSARIAL_ITEMS = 600
CONFIRMATIONS = 50
SEED = 5


def collected(name: str, root: Path, config_text: str) -> Path:
    """The office of the web world at `root` collected and merged into a fresh store; its config."""
    from demo.server import serve
    from pipeline import config as config_mod
    from pipeline.collect import collect_all
    from pipeline.merge import dedupe
    from pipeline.store import Store

    folder = CACHE / f"first-run-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    text = config_text.replace('database = "../output/xxgk-demo.db"', 'database = "xxgk.db"')
    (folder / "xxgk.toml").write_text(text.replace('output = "../output"', 'output = "output"'), encoding="utf-8")
    with serve(root) as server:
        config = config_mod.load(folder / "xxgk.toml").with_resolve(server.address)
        with Store(config.database) as store:
            run_id = store.start_run("bench")
            collect_all(config, store, run_id)
            dedupe(config, store)
            store.finish_run(run_id, "ok", {})
    return folder / "xxgk.toml"


def item_truth(store, by_url: dict[str, str]) -> dict[str, str]:
    """item id → true category, by the URLs of its copies (majority of its posts)."""
    from pipeline.normalize import url_identity

    by_url = {url_identity(u): c for u, c in by_url.items()}
    votes: dict[str, Counter] = {}
    for item_id, url in store.db.execute("SELECT ip.item_id, p.url FROM item_posts ip JOIN posts p ON p.id = ip.post_id"):
        if url_identity(url) in by_url:
            votes.setdefault(item_id, Counter())[by_url[url_identity(url)]] += 1
    return {item_id: v.most_common(1)[0][0] for item_id, v in votes.items()}


def confirm(store, categories: dict[str, str]) -> None:
    """Items confirmed into the given categories, as a person would on the review page (the same
    steps as bench/classify.py's evaluate, which could call this)."""
    with store.transaction():
        for item_id, category in categories.items():
            store.db.execute("UPDATE items SET category = ?, status = 'confirmed', confidence = 1 WHERE id = ?",
                             [category, item_id])
            store.db.execute("INSERT INTO decisions (at, who, item_id, kind, before, after, note) "
                             "VALUES ('2025-01-01T00:00:00+00:00', 'bench', ?, 'accept', NULL, ?, '')",
                             [item_id, category])


def first_run(config_path: Path, by_url: dict[str, str], confirmations: int = 0) -> dict:
    """Classify the collected office (after `confirmations` items confirmed with their truth);
    the share waiting and the auto-accepted precision over the items not confirmed."""
    from pipeline import config as config_mod
    from pipeline.classify import classify
    from pipeline.store import Store

    config = config_mod.load(config_path)
    with Store(config.database) as store:
        truth = item_truth(store, by_url)
        confirm(store, {i: truth[i] for i in random.Random(SEED).sample(sorted(truth), confirmations)})
        classify(config, store, force=True)
        rows = store.db.execute("SELECT id, category, status FROM items WHERE merged_into IS NULL "
                                "AND status != 'confirmed'").fetchall()
    accepted = [(i, c) for i, c, status in rows if status == "auto" and i in truth]
    return {"items": len(rows), "review": sum(status == "review" for _, _, status in rows),
            "accepted": len(accepted), "right": sum(truth[i] == c for i, c in accepted)}


def offices() -> Iterable[tuple[str, Path, dict[str, str], int]]:
    """(name, config, copy URL → true category, confirmations) of each office measured."""
    from bench import adversarial
    from demo.generate import generate

    demo_config = (REPO / "demo" / "xxgk.toml").read_text(encoding="utf-8")
    for name, root in (("demo office", None), ("1000-item office", world(1000))):
        if root is None:
            root = CACHE / "world-demo"
            if not (root / "truth.json").exists():
                root.mkdir(parents=True, exist_ok=True)
                generate(root)
        truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
        by_url = {c["url"]: t["category"] for t in truth["items"] for c in t["copies"]}
        yield name, collected(name.split()[0], root, demo_config), by_url, 0
    root = CACHE / f"world-adversarial-{ADVERSARIAL_ITEMS}"
    shutil.rmtree(root, ignore_errors=True)
    truth = adversarial.write_world(root, ADVERSARIAL_ITEMS, seed=adversarial.REPORT_SEED)
    category = {d.key: d.category for d in adversarial.Adversary(adversarial.REPORT_SEED).docs(ADVERSARIAL_ITEMS)}
    by_url = {c["url"]: category[t["key"]] for t in truth["items"] for c in t["copies"]}
    config = collected("adversarial", root, adversarial.office_config(demo_config))
    yield f"adversarial office {ADVERSARIAL_ITEMS}", config, by_url, 0
    yield f"adversarial office {ADVERSARIAL_ITEMS}, after {CONFIRMATIONS} confirmations", config, by_url, CONFIRMATIONS


def run() -> Iterable[str]:
    for name, config, by_url, confirmations in offices():
        r = first_run(config, by_url, confirmations)
        precision = r["right"] / r["accepted"] if r["accepted"] else 1.0
        yield (f"classify (first run, {name}): {r['review'] / r['items']:.0%} of {r['items']} wait for review; "
               f"auto-accepted precision {precision:.3f} ({r['accepted']} accepted)")


if __name__ == "__main__":
    for line in run():
        print(line)
