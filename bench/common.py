"""What the benchmarks share: synthetic offices on disk, a loopback server, measuring.

Worlds are generated once into .cache/bench/ (outside /tmp, where creating files is
slow on this machine kind) and reused: the generator is deterministic.
"""

from __future__ import annotations

import resource
import shutil
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "bench"


def world(items: int) -> Path:
    """The synthetic office of `items` items (generated on first use)."""
    from demo.generate import generate

    root = CACHE / f"world-{items}"
    if not (root / "truth.json").exists():
        root.mkdir(parents=True, exist_ok=True)
        generate(root, items=items)
    return root


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def stopwatch() -> Any:
    result = {"seconds": 0.0}
    start = time.perf_counter()
    try:
        yield result
    finally:
        result["seconds"] = time.perf_counter() - start


def in_subprocess(func: Callable[..., Any], *args: Any) -> Any:
    """Run func in a fresh process so its peak memory is its own (spawned, not forked: a forked
    child starts with the parent's resident pages, so an earlier section's memory would count)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(func, args)


def collected(folder_name: str, root: Path, config_text: str) -> Path:
    """The office of the web world at `root` collected and merged into a fresh store; its config."""
    from demo.server import serve
    from pipeline import config as config_mod
    from pipeline.collect import collect_all
    from pipeline.merge import dedupe
    from pipeline.store import Store

    folder = CACHE / folder_name
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
    """Items confirmed into the given categories, as a person would on the review page."""
    with store.transaction():
        for item_id, category in categories.items():
            store.db.execute("UPDATE items SET category = ?, status = 'confirmed', confidence = 1 WHERE id = ?",
                             [category, item_id])
            store.db.execute("INSERT INTO decisions (at, who, item_id, kind, before, after, note) "
                             "VALUES ('2025-01-01T00:00:00+00:00', 'bench', ?, 'accept', NULL, ?, '')",
                             [item_id, category])
