"""What a new office's first run asks of staff (issue 14): offices built differently, each served on
127.0.0.1, collected, merged and classified by the real pipeline with no staff decision yet; the
share of items waiting for review and the precision of the auto-accepted ones against the truth:

  classify (first run, OFFICE): R% of N wait for review; auto-accepted precision P (A accepted); the
  leaf offered to staff right for S% of those waiting

The demo office (兴华街道 2020), the 1,000-item synthetic office (demo.generate), and the
adversarial office of bench/adversarial.py (recurring titles, shared catalog; its report seed),
the latter also after a clerk confirmed 50 of its items (their true category).
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterable
from pathlib import Path

from bench.common import CACHE, REPO, collected, confirm, item_truth, world

ADVERSARIAL_ITEMS = 600
CONFIRMATIONS = 50
SEED = 5


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
    waiting = [(i, c) for i, c, status in rows if status == "review" and i in truth]
    return {"items": len(rows), "review": sum(status == "review" for _, _, status in rows),
            "accepted": len(accepted), "right": sum(truth[i] == c for i, c in accepted),
            "suggested right": sum(truth[i] == c for i, c in waiting) / len(waiting) if waiting else 1.0}


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
        yield name, collected(f"first-run-{name.split()[0]}", root, demo_config), by_url, 0
    root = CACHE / f"world-adversarial-{ADVERSARIAL_ITEMS}"
    shutil.rmtree(root, ignore_errors=True)
    truth = adversarial.write_world(root, ADVERSARIAL_ITEMS, seed=adversarial.REPORT_SEED)
    category = {d.key: d.category for d in adversarial.Adversary(adversarial.REPORT_SEED).docs(ADVERSARIAL_ITEMS)}
    by_url = {c["url"]: category[t["key"]] for t in truth["items"] for c in t["copies"]}
    config = collected("first-run-adversarial", root, adversarial.office_config(demo_config))
    yield f"adversarial office {ADVERSARIAL_ITEMS}", config, by_url, 0
    yield f"adversarial office {ADVERSARIAL_ITEMS}, after {CONFIRMATIONS} confirmations", config, by_url, CONFIRMATIONS


def run() -> Iterable[str]:
    for name, config, by_url, confirmations in offices():
        r = first_run(config, by_url, confirmations)
        precision = r["right"] / r["accepted"] if r["accepted"] else 1.0
        yield (f"classify (first run, {name}): {r['review'] / r['items']:.0%} of {r['items']} wait for review; "
               f"auto-accepted precision {precision:.3f} ({r['accepted']} accepted); "
               f"the leaf offered to staff right for {r['suggested right']:.0%} of those waiting")


if __name__ == "__main__":
    for line in run():
        print(line)
