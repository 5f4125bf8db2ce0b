"""Crawl benchmark: a full crawl of a 10,000-item synthetic office, then a no-change night.

The world (demo.generate, a quarter of the website in GBK) is served by demo.server in a
separate process on 127.0.0.1; the crawl runs in its own process too, so its peak memory
is its own: the peak printed is the crawl's plus that of its page-parsing worker
(sources/parsing.py), an upper bound of the two together. Politeness limits are lifted for
loopback by config (rate 0) and the concurrency is Scrapy's default (16 in total, 8 per host).

    crawl full: 10000 items, N pages/s, peak M MB
    crawl no-change night: N requests, N articles, N s
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from .common import REPO, peak_mb, stopwatch, world

ITEMS = 10_000


def _serve(root: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "demo.server", str(root), "--port", "0"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()  # "serving DIR on http://127.0.0.1:PORT  (hosts: …)"
    address = line.split("http://", 1)[1].split()[0] if "http://" in line else ""
    if not address:
        proc.kill()
        raise RuntimeError(f"demo.server did not start: {line!r}")
    return proc, address


def _config(folder: str, address: str):
    from pipeline import config as config_mod

    text = (REPO / "demo" / "xxgk.toml").read_text(encoding="utf-8")
    text = text.replace('database = "../output/xxgk-demo.db"', 'database = "bench.db"').replace(
        'output = "../output"', 'output = "output"')
    text = text.replace("concurrency = 8\nper_host_concurrency = 8", "concurrency = 16\nper_host_concurrency = 8")
    path = Path(folder) / "xxgk.toml"
    path.write_text(text, encoding="utf-8")
    config = config_mod.load(path).with_resolve(address)
    return replace(config, sources=tuple(replace(s, max_pages=100_000) for s in config.sources))


def _crawl(folder: str, address: str) -> dict:
    """One collect run (in a fresh process): requests, articles fetched, seconds, peak MB, posts stored."""
    from pipeline.collect import collect_all, make_fetcher
    from pipeline.store import HttpCache, Store

    config = _config(folder, address)
    with Store(config.database) as store:
        fetcher = make_fetcher(config, HttpCache(store))
        articles = {"n": 0}
        fetch_many = fetcher.fetch_many

        def counting(urls, **options):  # articles are what collectors fetch in bulk
            for url, result in fetch_many(urls, **options):
                articles["n"] += 1
                yield url, result

        fetcher.fetch_many = counting
        with stopwatch() as took:
            outcomes = collect_all(config, store, store.start_run("bench"), fetcher=fetcher)
        fetcher.close()
        posts = store.db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    failed = [f"{o.source}: {o.error}" for o in outcomes if o.status != "ok"]
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the parsers, ended by now
    return {"requests": fetcher.stats["requests"], "articles": articles["n"], "seconds": took["seconds"],
            "peak": peak_mb() + workers_peak, "posts": posts, "failed": failed}


def _in_fresh_process(folder: str, address: str) -> dict:
    # spawn, not fork: the crawler's peak memory must not include this process's. Not an
    # mp.Pool: its processes are daemons, which may not start the crawl's parsing worker.
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_crawl, folder, address).result()


def run() -> Iterable[str]:
    root = world(ITEMS)
    server, address = _serve(root)
    try:
        with tempfile.TemporaryDirectory(dir=REPO / ".cache" / "bench") as folder:
            os.sync()  # earlier runs' writes are flushed before the clock starts (see bench/build.py)
            full = _in_fresh_process(folder, address)
            if full["failed"]:
                raise RuntimeError("; ".join(full["failed"]))
            yield (f"crawl full: {ITEMS} items, {full['requests'] / full['seconds']:.0f} pages/s, "
                   f"peak {full['peak']:.0f} MB")
            night = _in_fresh_process(folder, address)
            yield (f"crawl no-change night: {night['requests']} requests, {night['articles']} articles, "
                   f"{night['seconds']:.2f} s")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    os.chdir(REPO)
    for line in run():
        print(line, flush=True)
