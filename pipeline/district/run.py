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
breaks is recorded as failed, and the others go on; a worker process that dies (the kernel's
out-of-memory killer) is replaced and the offices that were waiting on it are tried again.
The hourly re-check of every office (``xxgk district recheck``, [collect] recheck = "hourly") runs
the same way, side by side and polite per host, without the stages.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..errors import InternalError, LockHeld, XxgkError
from ..fetch.politeness import HostSlots
from ..nightly import logs
from ..nightly.health import failure_line
from ..nightly.lock import run_lock
from ..store import Store
from ..workdays import NOTICES
from .config import District, OfficeEntry

if TYPE_CHECKING:
    from ..collect import SourceOutcome
    from ..nightly.health import Alert

log = logging.getLogger("xxgk.district")
LOCKED_OUT = "本单位另一次运行正在进行（运行锁被占用），本次跳过；该次运行会完成本单位的采集"
STAGE_MB = 400  # what one worker may reach on a 2,000-item office's stages (docs/capacity.md: measured)


@dataclass
class OfficeOutcome:
    key: str
    name: str
    status: str = "ok"  # ok | partial (some source failed) | failed (the job did not run or broke) | skipped
    # (skipped: another run of the office holds its lock, or its re-checks are nightly)
    error: str = ""
    failed_sources: list[str] = field(default_factory=list)
    new_items: int = 0
    updated: int = 0  # posts stored as a new version (an edit)
    requests: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


AfterJob = Callable[[Config, Store], None]
# Alerts (pipeline/nightly/health.py) about the installation, not an office: every office raises them alike, so a
# district run says each once (as it logs the installation's notices once, workdays.NOTICES).
INSTALLATION_ALERTS = frozenset({"calendar"})


def about_the_installation(alert: Alert) -> bool:
    return alert.kind in INSTALLATION_ALERTS


def installation_alert_line(district: District, message: str) -> str:
    """How a district run and `district status` say such an alert, once: naming the district, not an office."""
    return f"ALERT {district.name}：{message}（本机安装的数据，各单位相同）"


def run_district(district: District, *, full: bool = False, only: Iterable[str] = (),
                 after_job: AfterJob | None = None,
                 on_done: Callable[[OfficeOutcome], None] = lambda o: None) -> list[OfficeOutcome]:
    """Run the nightly job of every office run by xxgk (or those in ``only``); outcomes in the district's order.
    A notice about the installation (the holiday data lacks next year) is logged once, not once per office
    (its alert, which each office raises, is printed once by the caller's ``after_job``: INSTALLATION_ALERTS)."""
    entries, configs, outcomes = _office_configs(district, only, on_done)
    by_key = {e.key: e for e in entries}
    if not configs:
        return [outcomes[e.key] for e in entries]
    with logs.once_per_run(NOTICES), stage_workers(stage_worker_count(len(configs))) as workers:
        def run_one(key: str) -> None:
            outcomes[key] = run_office(by_key[key], configs[key], full=full, after_job=after_job, workers=workers)
            on_done(outcomes[key])

        _side_by_side(district, list(configs), run_one)
    return [outcomes[e.key] for e in entries]


def recheck_district(district: District, *, only: Iterable[str] = (),
                     on_done: Callable[[OfficeOutcome], None] = lambda o: None) -> list[OfficeOutcome]:
    """Every office's hourly re-check (pipeline/collect/recheck.py), side by side and polite per host as
    the nightly run is; an office whose re-checks are nightly ([collect] recheck) is ``skipped``."""
    entries, configs, outcomes = _office_configs(district, only, on_done)
    by_key = {e.key: e for e in entries}

    def run_one(key: str) -> None:
        outcomes[key] = recheck_office(by_key[key], configs[key])
        on_done(outcomes[key])

    _side_by_side(district, list(configs), run_one)
    return [outcomes[e.key] for e in entries]


def _office_configs(district: District, only: Iterable[str], on_done: Callable[[OfficeOutcome], None]
                    ) -> tuple[list[OfficeEntry], dict[str, Config], dict[str, OfficeOutcome]]:
    """The offices run by xxgk (or those in ``only``), their configs made ready for a district run, and the
    outcomes of those whose config could not be read (failed, told to ``on_done``)."""
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
    return entries, configs, outcomes


def _side_by_side(district: District, keys: list[str], run_one: Callable[[str], None]) -> None:
    """``run_one`` for each office, at most [district] concurrency at once."""
    if not keys:
        return
    with ThreadPoolExecutor(min(district.concurrency, len(keys)), thread_name_prefix="office") as pool:
        for future in [pool.submit(run_one, key) for key in keys]:
            future.result()


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


class StageWorkers:
    """The worker processes the offices' stages run in. A worker that dies (killed for memory, a
    crash in a library) breaks its whole pool, and with it every office waiting there: the pool is
    then replaced and each of those offices tried again in the new one, up to RETRIES times, so
    one office's crash never fails the others' night."""

    RETRIES = 2

    def __init__(self, count: int, start: Callable[[], ProcessPoolExecutor]) -> None:
        self.count = count
        self._start = start
        self._pool = start()
        self._lock = threading.Lock()

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a worker process; its result (or its exception)."""
        tries = 0
        while True:
            pool = self._pool
            try:
                return pool.submit(fn, *args).result()
            except BrokenProcessPool:
                tries += 1
                if tries > self.RETRIES:
                    raise InternalError("a stage worker process died (out of memory?) on every try") from None
                self._replace(pool)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:  # the first office to see it replaces it; the others reuse the new one
                log.error("a stage worker process died; starting new workers, the offices waiting are tried again")
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = self._start()

    def shutdown(self) -> None:
        self._pool.shutdown()


@contextmanager
def stage_workers(count: int) -> Iterator[StageWorkers]:
    """``count`` worker processes (spawned: a fork would copy the collecting threads' state)
    whose log records are handled here, by this process's handlers (its log file, its terminal)."""
    context = multiprocessing.get_context("spawn")
    records = context.Queue()
    relay = logging.handlers.QueueListener(records, _Relay())
    relay.start()
    workers = StageWorkers(count, lambda: ProcessPoolExecutor(
        count, mp_context=context, initializer=_worker_logging,
        initargs=(records, logging.getLogger().getEffectiveLevel())))
    try:
        yield workers
    finally:
        workers.shutdown()
        relay.stop()
        records.close()


class _Relay(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


def _worker_logging(records, level: int) -> None:  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    root.handlers = [logging.handlers.QueueHandler(records)]
    root.setLevel(level)


def _stages_in(workers: StageWorkers):  # type: ignore[no-untyped-def]
    """run_sync's ``stages``: the office's merge, classify and build, run by a worker process."""
    def stages(config: Config, store: Store, progress: Callable[[str], None]):  # type: ignore[no-untyped-def]
        portable = replace(config, fetch=replace(config.fetch, shared_slots=None))  # the slots hold a lock
        return workers.call(_process_office, portable)
    return stages


def _process_office(config: Config):  # type: ignore[no-untyped-def]
    """In a worker: the office's own store, the stages, then everything let go."""
    from ..nightly.job import process

    with Store(config.database) as store:
        return process(config, store)


def run_office(entry: OfficeEntry, config: Config, *, full: bool = False, after_job: AfterJob | None = None,
               workers: StageWorkers | None = None) -> OfficeOutcome:
    """One office's nightly job (pipeline.nightly.job.run_sync); never raises."""
    from ..nightly.job import process, run_sync

    def job(outcome: OfficeOutcome) -> None:
        with ExitStack() as held:
            try:
                held.enter_context(run_lock(config.database))
            except LockHeld:  # the office's own run (`xxgk sync`, started by staff) collects this night itself
                outcome.status, outcome.error = "skipped", LOCKED_OUT
                return
            store = held.enter_context(Store(config.database))
            result = run_sync(config, store, full=full, command="district", hosts_at_once=True,
                              stages=_stages_in(workers) if workers is not None else process)
            if after_job is not None:
                after_job(config, store)
        outcome.new_items = result.dedupe.get("new_items", 0)
        _sources_told(outcome, result.outcomes)

    return _guarded(entry, config, "the nightly job", job)


def recheck_office(entry: OfficeEntry, config: Config) -> OfficeOutcome:
    """One office's hourly re-check; ``skipped`` when its re-checks are nightly or a run holds its lock."""
    from ..collect import hourly_sources, recheck_run

    def job(outcome: OfficeOutcome) -> None:
        if not hourly_sources(config):
            outcome.status, outcome.error = "skipped", "本单位每晚复查（[collect] recheck = \"nightly\"）"
            return
        try:
            with run_lock(config.database), Store(config.database) as store:
                _sources_told(outcome, recheck_run(config, store, hosts_at_once=True))
        except LockHeld:  # its nightly run: it re-checks what is due itself
            outcome.status, outcome.error = "skipped", LOCKED_OUT

    return _guarded(entry, config, "the re-check", job)


def _sources_told(outcome: OfficeOutcome, sources: list[SourceOutcome]) -> None:
    failed = [o for o in sources if o.status != "ok"]
    outcome.failed_sources = [o.source for o in failed]
    outcome.requests = sum(o.requests for o in sources)
    outcome.updated = sum(o.updated for o in sources)
    if failed:
        outcome.status = "partial"
        outcome.error = "；".join(f"{o.source}：{failure_line(o.failure_kinds, o.error)}" for o in failed)


def _guarded(entry: OfficeEntry, config: Config, what: str, job: Callable[[OfficeOutcome], None]) -> OfficeOutcome:
    """``job`` filling in the office's outcome, timed; an error (or a bug) fails this office only."""
    outcome = OfficeOutcome(entry.key, entry.name or config.office.name)
    started = time.monotonic()
    try:
        job(outcome)
    except XxgkError as e:
        outcome.status, outcome.error = "failed", str(e)
    except Exception as e:  # a bug met by one office must not stop the district's night
        log.exception("office %s: %s broke", entry.key, what)
        outcome.status, outcome.error = "failed", f"internal error: {type(e).__name__}: {e}"
    outcome.seconds = time.monotonic() - started
    return outcome
