"""`xxgk recheck`: the re-checks for edits spread over the day ([collect] recheck = "hourly").

Run every hour, it re-checks a share of the stored posts of each website, catalog and WeChat-bridge
source — those compared with their page longest ago, enough to go round every post in
recheck_cycle - 2 days — with the nightly run's own re-check path (pipeline/collect/stage.py with
no list read): conditional requests, an edit stored as a new version of its post (the item is
marked for the next nightly run to merge and publish), a page gone withdrawn. The run is recorded
as a run `recheck` (its counts in the summary), not as a source run, so a source's nightly record,
its re-check cycle and its health are what the nights made them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..config import Config
from ..fetch.client import Fetcher
from ..store import Store, utcnow
from .stage import SourceOutcome, collect_sources, rechecked_hourly


def hourly_sources(config: Config) -> list[str]:
    """The sources `xxgk recheck` takes care of (none with [collect] recheck = "nightly")."""
    return [source.name for source in config.sources if rechecked_hourly(config.recheck, source)]


def recheck_run(config: Config, store: Store, *, now: datetime | None = None, fetcher: Fetcher | None = None,
                progress: Callable[[str], None] = lambda s: None, hosts_at_once: bool = False) -> list[SourceOutcome]:
    """One hourly re-check of the office, recorded as a run `recheck`: `partial` when a source failed."""
    store.sync_sources([{"name": s.name, "kind": s.kind, "channel": s.channel, "url": s.url} for s in config.sources])
    wanted = [source for source in config.sources if rechecked_hourly(config.recheck, source)]
    run_id = store.start_run("recheck")
    outcomes: list[SourceOutcome] = []
    status = "failed"
    try:
        outcomes = collect_sources(config, store, wanted, full=False, now=now or utcnow(), fetcher=fetcher,
                                   progress=progress, hosts_at_once=hosts_at_once, lists=False)
        status = "partial" if any(o.status != "ok" for o in outcomes) else "ok"
    finally:
        store.finish_run(run_id, status, {"recheck": {o.source: summary(o) for o in outcomes}})
    return outcomes


def summary(outcome: SourceOutcome) -> dict[str, Any]:
    keys = ("status", "rechecked", "updated", "unchanged", "withdrawn", "errors", "requests", "error")
    return {key: getattr(outcome, key) for key in keys}
