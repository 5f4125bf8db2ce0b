"""District benchmark: a district of synthetic offices on loopback, each under host names of
its own (through [fetch] resolve), the per-host rate limit on; the first sync of them all,
then a no-change night, through pipeline/district/run.py.

    district first sync: 30 offices, T s (politeness bound B s), peak M MB
    district first sync CPU: … collecting, … in the stage workers, … the loopback server; sizes
    district re-check: 30 offices, R requests a day in 24 hourly runs, busiest host H per run, T s per run
    district no-change night: 30 offices, R requests, T s
    district no-change night detail: … lists, feeds and robots.txt, … articles; CPU …, bound, peak

The offices re-check hourly ([collect] recheck = "hourly", pipeline/collect/recheck.py): between the
first sync and the no-change night, one day of `xxgk district recheck` runs (24, back to back, in
this process, each timed, their CPU seconds averaged: what an hourly cron line costs), after which the night re-checks no stored article but the
recent and overdue ones (none here).

The politeness bound is the busiest host's requests at its rate_per_host (the first request
waits for nobody): no polite crawl of that host can be faster. Each office is the demo
world of ITEMS items (demo.generate) served under its own website, catalog and feed hosts
(symlinked folders); the WeChat source is left out, its articles being on the one host
mp.weixin.qq.com the offices share (which the shared per-host slots would then serialise).
The sync runs in a fresh process; the peak memory printed is its own plus its stage workers'
at the same moment (sampled), the CPU seconds its own and its workers' (docs/capacity.md
turns them into what a quiet machine gives).

Scale: XXGK_BENCH_DISTRICT=OFFICESxITEMS (default 30x2000), XXGK_BENCH_RATE requests per
second per host (default 2: twice the office default, so the bound is 13 minutes, not 26).
The last of ``make bench``'s sections: about 20 minutes on two cores (3 of them the day of hourly re-checks) (docs/capacity.md);
``python -m bench district`` runs it alone.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .common import CACHE, REPO, peak_mb, stopwatch, world

SCALE = os.environ.get("XXGK_BENCH_DISTRICT", "30x2000")
RATE = float(os.environ.get("XXGK_BENCH_RATE", "2"))
HOURS = 24  # hourly re-checks between the first sync and the no-change night: one day's
HOSTS = {"www.xinghua.gov.test": "www.o{k:02d}.gov.test", "xxgk.cyq.gov.test": "xxgk.o{k:02d}.gov.test",
         "rss.bridge.test": "rss.o{k:02d}.test"}

# The server, in its own process: prints its URL, then per-host request counts (and resets
# them), how many of them were article pages (t<date>_<n>.html in the demo world: the rest are
# list pages, feeds and robots.txt) and its CPU seconds so far, for every line it reads.
SERVER = """
import json, re, resource, sys
from collections import Counter
from pathlib import Path
from demo.server import serve
with serve(Path(sys.argv[1])) as srv:
    print(srv.address, flush=True)
    for _ in sys.stdin:
        hosts = Counter()
        for key, n in srv.paths.items():
            hosts[key.split("/", 1)[0]] += n
        articles = sum(n for key, n in srv.paths.items() if re.search(r"/t[0-9]+_[0-9]+[.]html$", key))
        srv.reset_counts()
        use = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"hosts": hosts, "articles": articles, "cpu": use.ru_utime + use.ru_stime}), flush=True)
"""


def scale() -> tuple[int, int]:
    offices, items = (int(n) for n in SCALE.lower().split("x"))
    return offices, items


def district_world(offices: int, items: int) -> Path:
    """One folder of host folders: each office's hosts are symlinks to the world of ``items``."""
    base = world(items)
    root = CACHE / f"district-{offices}x{items}"
    root.mkdir(parents=True, exist_ok=True)
    for k in range(offices):
        for host, alias in HOSTS.items():
            link = root / alias.format(k=k)
            if not link.exists():
                link.symlink_to(base / host, target_is_directory=True)
    return root


def office_config(k: int, address: str) -> str:
    text = (REPO / "demo" / "xxgk.toml").read_text(encoding="utf-8")
    text = re.sub(r"\[sources\.wechat\]\n(.+\n)+?\n", "", text)  # see the module docstring
    for host, alias in HOSTS.items():
        text = text.replace(host, alias.format(k=k))
    text = text.replace('database = "../output/xxgk-demo.db"', f'database = "db/o{k:02d}.db"')
    text = text.replace("rate_per_host = 0 ", f"rate_per_host = {RATE} ")
    text = text.replace("concurrency = 8\nper_host_concurrency = 8", "concurrency = 4\nper_host_concurrency = 1")
    text = text.replace('parse_workers = "auto"', 'parse_workers = 0\nrecheck = "hourly"')  # thirty offices, two cores
    text = re.sub(r'(\nkind = "[a-z_]+"\n)', r"\1max_pages = 100000\n", text)
    resolve = "\n".join(f'"{alias.format(k=k)}" = "http://{address}"' for alias in HOSTS.values())
    return text + f"\n[fetch.resolve]\n{resolve}\n"


def write_district(folder: Path, offices: int, address: str) -> Path:
    blocks = ['[district]\nname = "基准区"\noutput = "output"\nconcurrency = %d\n' % offices]
    for k in range(offices):
        (folder / f"o{k:02d}").mkdir()
        (folder / f"o{k:02d}" / "xxgk.toml").write_text(office_config(k, address), encoding="utf-8")
        blocks.append(f'[offices.o{k:02d}]\nconfig = "o{k:02d}/xxgk.toml"\n')
    path = folder / "district.toml"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def _sync(path: str) -> dict:
    """One district sync (in a fresh process): seconds, peak MB of it and its workers, CPU seconds, failures."""
    from pipeline.district.config import load_district
    from pipeline.district.run import run_district

    memory = _TreeMemory()
    with memory, stopwatch() as took:
        outcomes = run_district(load_district(path))
    used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return {"seconds": took["seconds"], "peak": max(memory.peak, peak_mb()), "peak_main": peak_mb(),
            "peak_workers": memory.workers,
            "cpu_main": used[0].ru_utime + used[0].ru_stime, "cpu_workers": used[1].ru_utime + used[1].ru_stime,
            "failed": [f"{o.key}: {o.error}" for o in outcomes if o.status == "failed"]}


class _TreeMemory:
    """The peak of this process's resident memory plus its live children's (the stage workers),
    sampled every SAMPLE seconds from /proc: each one's own peak (ru_maxrss) would add peaks that
    did not happen at the same time."""

    SAMPLE = 0.1

    def __init__(self) -> None:
        import threading

        self.peak = self.workers = 0.0  # all together; the workers alone
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        import multiprocessing

        while not self._stop.wait(self.SAMPLE):
            workers = sum(_rss_mb(p.pid) for p in multiprocessing.active_children())
            self.workers = max(self.workers, workers)
            self.peak = max(self.peak, _rss_mb(os.getpid()) + workers)


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):  # gone meanwhile
        pass
    return 0.0


def _mb(folder: Path, pattern: str) -> float:
    return sum(f.stat().st_size for f in folder.rglob(pattern) if f.is_file() and not f.is_symlink()) / 2**20


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _recheck(path: Path) -> list[str]:
    """One hourly re-check of every office (`xxgk district recheck`): the offices that failed."""
    from pipeline.district.config import load_district
    from pipeline.district.run import recheck_district

    return [f"{o.key}: {o.error}" for o in recheck_district(load_district(path)) if o.status in ("failed", "partial")]


def _in_fresh_process(path: Path) -> dict:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_sync, str(path)).result()


def run() -> Iterable[str]:
    offices, items = scale()
    root = district_world(offices, items)
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(root)], cwd=REPO, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    articles = {"n": 0}  # of the requests counts() last read

    def counts() -> tuple[dict[str, int], float]:
        server.stdin.write("\n")
        server.stdin.flush()
        said = json.loads(server.stdout.readline())
        articles["n"] = said["articles"]
        return said["hosts"], said["cpu"]

    try:
        address = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory(dir=CACHE) as folder:
            path = write_district(Path(folder), offices, address)
            _, served = counts()  # nothing yet: resets
            first = _in_fresh_process(path)
            if first["failed"]:
                raise RuntimeError("; ".join(first["failed"][:3]))
            hosts, serving = counts()
            bound = max((n - 1) / RATE for n in hosts.values()) if RATE else 0.0
            yield (f"district first sync: {offices} offices, {first['seconds']:.0f} s "
                   f"(politeness bound {bound:.0f} s), peak {first['peak']:.0f} MB")
            yield (f"district first sync CPU: {first['cpu_main']:.0f} s collecting (one process, peak "
                   f"{first['peak_main']:.0f} MB), {first['cpu_workers']:.0f} s in the stage workers (peak "
                   f"{first['peak_workers']:.0f} MB together), {serving - served:.0f} s the loopback server; "
                   f"{sum(hosts.values())} requests; stores {_mb(Path(folder), '*.db*'):.0f} MB, "
                   f"outputs {_mb(Path(folder) / 'output', '*'):.0f} MB")
            day, busiest, took = [], [], []
            cpu = _cpu()
            for _ in range(HOURS):
                with stopwatch() as run:
                    rechecked = _recheck(path)
                if rechecked:
                    raise RuntimeError("; ".join(rechecked[:3]))
                hosts, _ = counts()
                day.append(sum(hosts.values()))
                busiest.append(max(hosts.values(), default=0))
                took.append(run["seconds"])
            yield (f"district re-check: {offices} offices, {sum(day)} requests a day in {HOURS} hourly runs, "
                   f"busiest host {max(busiest)} per run, {sum(took) / len(took):.1f} s per run "
                   f"(longest {max(took):.1f} s, CPU {(_cpu() - cpu) / HOURS:.1f} s)")
            _, serving = counts()
            night = _in_fresh_process(path)
            hosts, served = counts()
            yield (f"district no-change night: {offices} offices, {sum(hosts.values())} requests, "
                   f"{night['seconds']:.1f} s")
            bound = max((n - 1) / RATE for n in hosts.values()) if RATE else 0.0
            yield (f"district no-change night detail: {sum(hosts.values()) - articles['n']} lists, feeds and robots.txt, "
                   f"{articles['n']} articles (the weekly re-checks ran hourly: the night re-checks only the recent "
                   f"and overdue posts); "
                   f"CPU {night['cpu_main'] + night['cpu_workers']:.0f} s (xxgk), {served - serving:.0f} s (server), "
                   f"politeness bound {bound:.0f} s, peak {night['peak']:.0f} MB")
    finally:
        server.stdin.close()
        server.wait(timeout=10)


if __name__ == "__main__":
    os.chdir(REPO)
    for line in run():
        print(line, flush=True)
