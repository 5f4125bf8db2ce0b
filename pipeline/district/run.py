"""Every office's nightly job, concurrently, polite per host, each failure kept to its office.

Politeness is per host: each office's job fetches through its own client (pipeline/fetch/client.py)
at its own ``rate_per_host``, and all the clients of one district run share their per-host
request slots (``fetch.HostSlots``), so a host several offices fetch from (the district's
shared catalog, mp.weixin.qq.com behind every WeChat bridge feed) sees one polite client,
not one per office. At most ``[district] concurrency`` offices run at once, and of those only
one per core at a time merges, classifies and builds (CPU and memory; collecting is mostly
waiting on hosts), so memory grows with the cores, not with the offices. An office whose
config is wrong, whose store is locked or whose job breaks is recorded as failed, and the
others go on.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ..config import Config
from ..errors import XxgkError
from ..fetch.client import HostSlots
from ..nightly.lock import run_lock
from ..store import Store
from .config import District, OfficeEntry

log = logging.getLogger("xxgk.district")


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
    builders = threading.BoundedSemaphore(os.cpu_count() or 1)
    configs = {key: replace(c, fetch=replace(c.fetch, shared_slots=slots)) for key, c in configs.items()}
    by_key = {e.key: e for e in entries}

    def run_one(key: str) -> None:
        outcomes[key] = run_office(by_key[key], configs[key], full=full, after_job=after_job, after_collect=builders)
        on_done(outcomes[key])

    if configs:
        with ThreadPoolExecutor(min(district.concurrency, len(configs)), thread_name_prefix="office") as pool:
            for future in [pool.submit(run_one, key) for key in configs]:
                future.result()
    return [outcomes[e.key] for e in entries]


def run_office(entry: OfficeEntry, config: Config, *, full: bool = False, after_job: AfterJob | None = None,
               after_collect: threading.BoundedSemaphore | None = None) -> OfficeOutcome:
    """One office's nightly job (pipeline.nightly.job.run_sync); never raises."""
    from ..nightly.job import run_sync

    outcome = OfficeOutcome(entry.key, entry.name or config.office.name)
    started = time.monotonic()
    try:
        with run_lock(config.database), Store(config.database) as store:
            result = run_sync(config, store, full=full, command="district", after_collect=after_collect)
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
