"""Every office's nightly job, concurrently, polite per host, each failure kept to its office.

Politeness is per host: each office's job fetches through its own client (pipeline/fetch/client.py)
at its own ``rate_per_host``, and all the clients of one district run share their per-host
request slots (``fetch.HostSlots``), so a host several offices fetch from (the district's
shared catalog, mp.weixin.qq.com behind every WeChat bridge feed) sees one polite client,
not one per office. At most ``[district] concurrency`` offices run at once; they collect in
threads of this process (collecting is mostly waiting on hosts; an office's sources on
different hosts side by side, its pages parsed in its thread), and hand the stages after
collecting (merge, classify, build: CPU and memory) to a few worker processes — one per core,
fewer when memory is short — so every core works, and memory grows with the workers, not with
the offices: an office's items are loaded by one worker, for that office only, and let go
before its next office. An office whose config is wrong, whose store is locked or whose job
breaks is recorded as failed, and the others go on.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from ..config import Config
from ..errors import XxgkError
from ..fetch.client import HostSlots
from ..nightly.lock import run_lock
from ..store import Store
from .config import District, OfficeEntry

log = logging.getLogger("xxgk.district")
STAGE_MB = 400  # what one worker may reach on a 2,000-item office's stages (docs/capacity.md: measured)


@dataclass
class OfficeOutcome:
    key: str
    name: str
    status: str = "ok"  # ok | partial (some source failed) | failed (the job did not run or broke)
    error: str = ""
    failed_sources: list[str] = field(default_factory=list)
    new_items: int = 0
    requests: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


AfterJob = Callable[[Config, Store], None]


def run_district(district: District, *, full: bool = False, only: Iterable[str] = (),
                 after_job: AfterJob | None = None,
                 on_done: Callable[[OfficeOutcome], None] = lambda o: None) -> list[OfficeOutcome]:
    """Run the nightly job of every office run by xxgk (or those in ``only``); outcomes in the district's order."""
    wanted = set(only)
    entries = [e for e in district.offices if e.uses_xxgk and (not wanted or e.key in wanted)]
    outcomes: dict[str, OfficeOutcome] = {}
    configs: dict[str, Config] = {}
    for entry in entries:
        try:
            configs[entry.key] = district.office_config(entry)
        except XxgkError as e:
            outcomes[entry.key] = OfficeOutcome(entry.key, entry.name or entry.key, "failed", str(e))
            on_done(outcomes[entry.key])
    slots = HostSlots()  # one polite client per host, whichever offices fetch from it
    # parse_workers "auto" (None) is one process per core per office: thirty offices, thirty processes; in a
    # district the cores are the stage workers', pages are parsed in the collecting threads
    configs = {key: replace(c, fetch=replace(c.fetch, shared_slots=slots),
                            parse_workers=0 if c.parse_workers is None else c.parse_workers)
               for key, c in configs.items()}
    by_key = {e.key: e for e in entries}
    if not configs:
        return [outcomes[e.key] for e in entries]
    with stage_workers(stage_worker_count(len(configs))) as workers:
        def run_one(key: str) -> None:
            outcomes[key] = run_office(by_key[key], configs[key], full=full, after_job=after_job, workers=workers)
            on_done(outcomes[key])

        with ThreadPoolExecutor(min(district.concurrency, len(configs)), thread_name_prefix="office") as pool:
            for future in [pool.submit(run_one, key) for key in configs]:
                future.result()
    return [outcomes[e.key] for e in entries]


def stage_worker_count(offices: int) -> int:
    """Worker processes for the stages after collecting: one per core, as many as memory
    holds at STAGE_MB each, never more than the offices."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, offices, available_mb() // STAGE_MB))


def available_mb() -> int:
    """Memory the kernel can give without swapping (MemAvailable); unknown: no limit from it."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return 1 << 30


@contextmanager
def stage_workers(count: int) -> Iterator[Executor]:
    """``count`` worker processes (spawned: a fork would copy the collecting threads' state)
    whose log records are handled here, by this process's handlers (its log file, its terminal)."""
    context = multiprocessing.get_context("spawn")
    records = context.Queue()
    relay = logging.handlers.QueueListener(records, _Relay())
    relay.start()
    try:
        with ProcessPoolExecutor(count, mp_context=context, initializer=_worker_logging,
                                 initargs=(records, logging.getLogger().getEffectiveLevel())) as pool:
            yield pool
    finally:
        relay.stop()
        records.close()


class _Relay(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


def _worker_logging(records, level: int) -> None:  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    root.handlers = [logging.handlers.QueueHandler(records)]
    root.setLevel(level)


def _stages_in(workers: Executor):  # type: ignore[no-untyped-def]
    """run_sync's ``stages``: the office's merge, classify and build, run by a worker process."""
    def stages(config: Config, store: Store, progress: Callable[[str], None]):  # type: ignore[no-untyped-def]
        portable = replace(config, fetch=replace(config.fetch, shared_slots=None))  # the slots hold a lock
        return workers.submit(_process_office, portable).result()
    return stages


def _process_office(config: Config):  # type: ignore[no-untyped-def]
    """In a worker: the office's own store, the stages, then everything let go."""
    from ..nightly.job import process

    with Store(config.database) as store:
        return process(config, store)


def run_office(entry: OfficeEntry, config: Config, *, full: bool = False, after_job: AfterJob | None = None,
               workers: Executor | None = None) -> OfficeOutcome:
    """One office's nightly job (pipeline.nightly.job.run_sync); never raises."""
    from ..nightly.job import process, run_sync

    outcome = OfficeOutcome(entry.key, entry.name or config.office.name)
    started = time.monotonic()
    try:
        with run_lock(config.database), Store(config.database) as store:
            result = run_sync(config, store, full=full, command="district", hosts_at_once=True,
                              stages=_stages_in(workers) if workers is not None else process)
            if after_job is not None:
                after_job(config, store)
        outcome.failed_sources = [o.source for o in result.failed_sources]
        outcome.new_items = result.dedupe.get("new_items", 0)
        outcome.requests = sum(o.requests for o in result.outcomes)
        if outcome.failed_sources:
            outcome.status = "partial"
            outcome.error = "；".join(f"{o.source}: {o.error}" for o in result.failed_sources)
    except XxgkError as e:
        outcome.status, outcome.error = "failed", str(e)
    except Exception as e:  # a bug met by one office must not stop the district's night
        log.exception("office %s: the nightly job broke", entry.key)
        outcome.status, outcome.error = "failed", f"internal error: {type(e).__name__}: {e}"
    outcome.seconds = time.monotonic() - started
    return outcome
