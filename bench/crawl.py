"""Crawl benchmark: a full crawl of a 10,000-item synthetic office, a no-change night, then
seven nights with edits at random ages.

The world (demo.generate, a quarter of the website in GBK) is served by demo.server in a
separate process on 127.0.0.1 (from a hard-linked copy, so the edits leave the cached world
alone); the crawl runs in its own process too, so its peak memory is its own: the peak printed
is the crawl's plus that of its page-parsing worker (sources/parsing.py), an upper bound of the
two together. Politeness limits are lifted for loopback by config (rate 0) and the concurrency
is Scrapy's default (16 in total, 8 per host).

    crawl full: 10000 items, N pages/s, peak M MB
    crawl no-change night: N requests (L lists, feeds and robots.txt, at most 2 per source; K weekly re-checks
                           of P stored posts), A answered 304, K articles, N s
    edits caught: N of M within 7 nights, requests per night R
    edits caught (hourly re-checks): N of M within 7 nights, requests per night R, per hourly run H

A no-change night includes its share of the weekly re-check (pipeline/collect/stage.py): about a
seventh of the stored articles, fetched conditionally. Issue 3's target (at most 2 requests per
source, no article) now holds for the list and feed requests; the re-checks come on top. With
[collect] recheck = "hourly" (the last line) they leave the night for 23 hourly runs a day.
"""

from __future__ import annotations

import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from .common import REPO, peak_mb, stopwatch, world

ITEMS = 10_000
EDITS = 60  # articles edited before the 7 nights, chosen at random among all stored ones
NIGHTS = 7


def _serve(root: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "demo.server", str(root), "--port", "0"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()  # "serving DIR on http://127.0.0.1:PORT  (hosts: …)"
    address = line.split("http://", 1)[1].split()[0] if "http://" in line else ""
    if not address:
        proc.kill()
        raise RuntimeError(f"demo.server did not start: {line!r}")
    return proc, address


def _config(folder: str, address: str, recheck: str = "nightly"):
    from dataclasses import replace

    from pipeline import config as config_mod

    text = (REPO / "demo" / "xxgk.toml").read_text(encoding="utf-8")
    text = text.replace('database = "../output/xxgk-demo.db"', 'database = "bench.db"').replace(
        'output = "../output"', 'output = "output"')
    text = text.replace("concurrency = 8\nper_host_concurrency = 8", "concurrency = 16\nper_host_concurrency = 8")
    path = Path(folder) / "xxgk.toml"
    path.write_text(text, encoding="utf-8")
    config = config_mod.load(path).with_resolve(address)
    return replace(config, recheck=recheck)


def _crawl(folder: str, address: str, now: datetime | None = None, recheck: str = "nightly") -> dict:
    """One collect run (in a fresh process): requests, articles fetched, seconds, peak MB, posts stored."""
    from pipeline.collect import collect_all, make_fetcher
    from pipeline.store import HttpCache, Store

    config = _config(folder, address, recheck)
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
            outcomes = collect_all(config, store, store.start_run("bench"), fetcher=fetcher, now=now)
        fetcher.close()
        posts = store.db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    failed = [f"{o.source}: {o.error}" for o in outcomes if o.status != "ok"]
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the parsers, ended by now
    return {"requests": fetcher.stats["requests"], "articles": articles["n"], "seconds": took["seconds"],
            "peak": peak_mb() + workers_peak, "posts": posts, "failed": failed,
            "not_modified": fetcher.stats["not_modified"], "rechecked": sum(o.rechecked for o in outcomes)}


def _edit_articles(folder: str, root: Path, count: int) -> tuple[dict[str, int], datetime]:
    """Edit `count` stored article pages at random (any age) in the served copy: post id → its
    version before. Also the latest publication date, so the nights can come after it."""
    from pipeline.store import Store

    with Store(Path(folder) / "bench.db") as store:
        rows = store.db.execute("SELECT id, url, version FROM posts WHERE channel IN ('website', 'catalog', 'wechat') "
                                "AND withdrawn_at IS NULL ORDER BY id").fetchall()
        latest = store.db.execute("SELECT MAX(published_at) FROM posts").fetchone()[0]
    edited: dict[str, int] = {}
    for pid, url, version in random.Random(13).sample(rows, len(rows)):
        if len(edited) == count:
            break
        page = root / re.sub(r"^https?://", "", url).split("?")[0]
        if page.is_file() and _edit(page):
            edited[pid] = version
    return edited, datetime.fromisoformat(latest)


def _edit(page: Path) -> bool:
    """A correction at the top of the article's text; the file is replaced, so a hard link's
    original (the cached world) stays as it was."""
    raw = page.read_bytes()
    encoding = "gb18030" if b"charset=gbk" in raw[:2000].lower() or b"charset=gb2312" in raw[:2000].lower() else "utf-8"
    text = raw.decode(encoding)
    found = re.search(r"(class=\"TRS_Editor\"|id=\"zoom\"|id=\"js_content\")[^>]*>(.*?)<p[^>]*>", text, re.S)
    if not found:
        return False
    edited = text[:found.end()] + "（更正）" + text[found.end():]
    tmp = page.with_name(page.name + ".edit")
    tmp.write_bytes(edited.encode(encoding))
    tmp.replace(page)
    return True


def _caught(folder: str, edited: dict[str, int]) -> int:
    from pipeline.store import Store

    with Store(Path(folder) / "bench.db") as store:
        return sum(1 for pid, before in edited.items()
                   if store.db.execute("SELECT version FROM posts WHERE id = ?", [pid]).fetchone()[0] > before)


def _hours(folder: str, address: str, start: datetime, hours: int) -> dict:
    """`hours` hourly re-checks (pipeline/collect/recheck.py), the first an hour after `start`: requests, failures."""
    from pipeline.collect import recheck_run
    from pipeline.store import Store

    config = _config(folder, address, "hourly")
    requests, failed = 0, []
    with Store(config.database) as store:
        for hour in range(1, hours + 1):
            outcomes = recheck_run(config, store, now=start + timedelta(hours=hour))
            requests += sum(o.requests for o in outcomes)
            failed += [f"{o.source}: {o.error}" for o in outcomes if o.status != "ok"]
    return {"requests": requests, "failed": failed}


def _in_fresh_process(folder: str, address: str, now: datetime | None = None, recheck: str = "nightly") -> dict:
    return _fresh(_crawl, folder, address, now, recheck)


def _fresh(job, *args) -> dict:  # type: ignore[no-untyped-def]
    # spawn, not fork: the crawler's peak memory must not include this process's. Not an
    # mp.Pool: its processes are daemons, which may not start the crawl's parsing worker.
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(job, *args).result()


def run() -> Iterable[str]:
    cached = world(ITEMS)
    with tempfile.TemporaryDirectory(dir=REPO / ".cache" / "bench") as folder:
        root = Path(folder) / "world"
        shutil.copytree(cached, root, copy_function=os.link)  # edits replace files: the cache stays whole
        server, address = _serve(root)
        try:
            os.sync()  # earlier runs' writes are flushed before the clock starts (see bench/build.py)
            full = _in_fresh_process(folder, address)
            if full["failed"]:
                raise RuntimeError("; ".join(full["failed"]))
            yield (f"crawl full: {ITEMS} items, {full['requests'] / full['seconds']:.0f} pages/s, "
                   f"peak {full['peak']:.0f} MB")
            night = _in_fresh_process(folder, address)
            lists = night["requests"] - night["articles"]
            yield (f"crawl no-change night: {night['requests']} requests ({lists} lists, feeds and robots.txt, "
                   f"at most 2 per source; {night['articles']} weekly re-checks of {night['posts']} stored posts), "
                   f"{night['not_modified']} answered 304, {night['articles']} articles, {night['seconds']:.2f} s")
            yield _edit_nights(folder, address, root)
            yield _edit_nights_hourly(folder, address, root)
        finally:
            server.terminate()
            server.wait(timeout=10)


def _edit_nights(folder: str, address: str, root: Path) -> str:
    """EDITS articles of random ages edited, then NIGHTS nightly runs (the clock injected: the
    nights come a month after the last publication, so the recent window holds none of them)."""
    edited, latest = _edit_articles(folder, root, EDITS)
    requests = []
    for n in range(1, NIGHTS + 1):
        outcome = _in_fresh_process(folder, address, latest + timedelta(days=45 + n))
        if outcome["failed"]:
            raise RuntimeError("; ".join(outcome["failed"]))
        requests.append(outcome["requests"])
    return (f"edits caught: {_caught(folder, edited)} of {len(edited)} within {NIGHTS} nights, "
            f"requests per night {sum(requests) / len(requests):.0f}")


def _edit_nights_hourly(folder: str, address: str, root: Path) -> str:
    """The same with [collect] recheck = "hourly", after the nightly nights: EDITS articles edited again,
    then NIGHTS days of 23 hourly re-checks and a night."""
    edited, latest = _edit_articles(folder, root, EDITS)
    nights, hours = [], []
    for n in range(1, NIGHTS + 1):
        night = latest + timedelta(days=45 + NIGHTS + n)
        day = _fresh(_hours, folder, address, night - timedelta(days=1), 23)
        outcome = _in_fresh_process(folder, address, night, "hourly")
        if outcome["failed"] or day["failed"]:
            raise RuntimeError("; ".join(outcome["failed"] + day["failed"]))
        nights.append(outcome["requests"])
        hours.append(day["requests"] / 23)
    return (f"edits caught (hourly re-checks): {_caught(folder, edited)} of {len(edited)} within {NIGHTS} nights, "
            f"requests per night {sum(nights) / len(nights):.0f}, per hourly run {sum(hours) / len(hours):.0f}")


if __name__ == "__main__":
    os.chdir(REPO)
    for line in run():
        print(line, flush=True)
