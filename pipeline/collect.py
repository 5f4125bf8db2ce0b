"""Collect stage: run every configured source's collector and store what it yields.

Each source is independent: one that fails is recorded with its error and the
others go on. Posts are written in small transactions so a crash loses at most
the batch in flight; raw responses and validators go to the store via HttpCache.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sources import COLLECTORS
from sources.base import Context, Gone, Problem, Seen

from .config import Config, Source
from .errors import XxgkError
from .fetch import Fetcher
from .models import Post
from .store import HttpCache, Store, utcnow

log = logging.getLogger("xxgk.collect")
BATCH = 200  # events per transaction
MAX_PROBLEMS_KEPT = 20


@dataclass
class SourceOutcome:
    source: str
    status: str = "ok"  # ok | failed
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    errors: int = 0  # URLs that failed while the source as a whole went on
    requests: int = 0
    error: str = ""  # why the source failed
    warnings: list[str] = field(default_factory=list)

    def row(self) -> dict:
        row = asdict(self)
        row.pop("source")
        return row


def make_fetcher(config: Config, cache: HttpCache | None) -> Fetcher:
    return Fetcher(config.fetch, config.allowed_hosts, cache=cache, log=logging.getLogger("xxgk.fetch"))


def collect_all(config: Config, store: Store, run_id: int, *, full: bool = False, only: set[str] | None = None,
                now: datetime | None = None, fetcher: Fetcher | None = None,
                progress: Callable[[str], None] = lambda s: None) -> list[SourceOutcome]:
    """Run each source (or those named in `only`) and record its outcome on the run."""
    store.sync_sources([{"name": s.name, "kind": s.kind, "channel": s.channel, "url": s.url} for s in config.sources])
    cache = HttpCache(store)
    own_fetcher = fetcher is None
    fetcher = fetcher or make_fetcher(config, cache)
    outcomes = []
    try:
        for source in config.sources:
            if only and source.name not in only:
                continue
            progress(f"collecting {source.name}")
            outcome = collect_source(source, store, fetcher, cache, full=full, now=now or utcnow(),
                                     tz=config.office.timezone)
            store.record_source_run(run_id, source.name, outcome.row())
            outcomes.append(outcome)
    finally:
        if own_fetcher:
            fetcher.close()
    return outcomes


def collect_source(source: Source, store: Store, fetcher: Fetcher, cache: HttpCache, *, full: bool,
                   now: datetime, tz) -> SourceOutcome:
    outcome = SourceOutcome(source.name)
    ctx = Context(fetcher=fetcher, known=store.known_post_urls(source.name), full=full, now=now, tz=tz)
    requests_before = fetcher.stats["requests"]
    batch: list = []
    try:
        for event in COLLECTORS[source.kind](source, ctx):
            batch.append(event)
            if len(batch) >= BATCH:
                _store_events(store, batch, outcome, now, source.channel)
                batch = []
        _store_events(store, batch, outcome, now, source.channel)
        cache.flush()
    except XxgkError as e:
        _fail(outcome, store, batch, cache, source, now, str(e))
    except Exception as e:  # a bug in one collector must not stop the others
        log.exception("collector %s crashed", source.name)
        _fail(outcome, store, batch, cache, source, now, f"internal error: {type(e).__name__}: {e}")
    outcome.requests = fetcher.stats["requests"] - requests_before
    if outcome.status == "ok" and ctx.known and not (outcome.new or outcome.updated or outcome.unchanged) \
            and outcome.errors and not outcome.withdrawn:
        outcome.warnings.append("no post could be read this run, though the source had posts before")
    return outcome


def _fail(outcome: SourceOutcome, store: Store, batch: list, cache: HttpCache, source: Source, now, message: str):
    _store_events(store, batch, outcome, now, source.channel)  # what was read before the failure is kept
    cache.flush()
    cache.forget(source.url)  # so the next run re-reads the list instead of trusting a 304
    outcome.status, outcome.error = "failed", message
    log.warning("source %s failed: %s", source.name, message)


def _store_events(store: Store, events: list, outcome: SourceOutcome, now: datetime, channel: str) -> None:
    if not events:
        return
    with store.transaction():
        for event in events:
            if isinstance(event, Post):
                result = store.save_post(event, now)
                setattr(outcome, result, getattr(outcome, result) + 1)
            elif isinstance(event, Seen):
                outcome.unchanged += 1
            elif isinstance(event, Gone):
                if store.withdraw_post(channel, event.url, event.reason, now):
                    outcome.withdrawn += 1
            elif isinstance(event, Problem):
                outcome.errors += 1
                if len(outcome.warnings) < MAX_PROBLEMS_KEPT:
                    outcome.warnings.append(f"{event.url}: {event.message}")
                log.info("problem in %s: %s: %s", outcome.source, event.url, event.message)
