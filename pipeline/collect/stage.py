"""Collect stage: run every configured source's collector and store what it yields.

Each source is independent: one that fails is recorded with its error and the
others go on. Posts are written in small transactions so a crash loses at most
the batch in flight; raw responses and validators go to the store via HttpCache.

Edits of any age are caught within a week: besides the posts published within
`recheck_days` (re-checked every run), every known post is re-checked once in
`recheck_cycle` (7) runs of its source — run k re-checks the posts whose slot, a stable
hash of the post id modulo the cycle, is k modulo the cycle — with conditional requests,
so a night costs about a seventh of the stored articles, mostly answered 304.

With [collect] recheck = "hourly" that share leaves the night (pipeline/collect/recheck.py: `xxgk recheck`
every hour takes the posts compared longest ago; each post's last re-check is kept in posts.rechecked_at):
the night then re-checks only the recent posts and the overdue ones, and its own share again after a day
without an hourly re-check — the week's guarantee never rests on the cron line alone.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sources import COLLECTORS
from sources.protocol import Capped, Context, Event, Gone, Listed, Note, Problem, Seen
from sources.parsing import PageParser

from ..config import Config, Source
from ..errors import INTERNAL, InternalError, XxgkError, failure_kind
from ..fetch.client import Fetcher
from ..fetch.politeness import HostSlots
from ..models import Post
from .images import archive_images
from ..store import ROBOTS_LIFETIME, HttpCache, Store, StoredRobots, iso, post_id, utcnow

CAPPED_WARNING = "list cut at max_pages"  # how the warning of a cut list begins

log = logging.getLogger("xxgk.collect")
BATCH = 200  # events per transaction
PROGRESS_EVERY = 25  # events between progress updates on a terminal
MAX_PROBLEMS_KEPT = 20
NOT_FETCH_FAILURES = {"unusable feed entry", "malformed feed", "unparseable page"}  # Problem kinds that are no fetch failure
HOURLY_KINDS = frozenset({"website", "catalog", "wechat_feed"})  # collectors that re-check a post by its own page
HOURLY_SPARE_DAYS = 2  # hourly runs go round every post this many days before it is overdue: a day spare
HOURLY_STALE = timedelta(days=1)  # no hourly re-check for longer: the night takes its own share again
# The earliest a post of a channel can have been published (WeChat official accounts 2012, Weibo 2009;
# government websites and catalogs from the 1990s); anything earlier is a CMS's empty date (1970, 1900).
EARLIEST = {"wechat": datetime(2012, 8, 1, tzinfo=timezone.utc), "weibo": datetime(2009, 8, 1, tzinfo=timezone.utc),
            "": datetime(1990, 1, 1, tzinfo=timezone.utc)}
FUTURE_SLACK = timedelta(days=1)  # a date a day ahead is a time zone's, not a mistake


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
    failure_kinds: list[str] = field(default_factory=list)  # … what failed, as errors.failure_kind names it
    warnings: list[str] = field(default_factory=list)
    capped_warning: str = ""  # the list was cut by the office's max_pages (also first of the warnings)
    empty_warning: str = ""  # the source listed nothing this run, though it had posts before
    rechecked: int = 0  # known posts due for a re-check this run (the recent ones and this run's share)
    failures: Counter[str] = field(default_factory=Counter)  # errors by what failed (not stored)

    @property
    def capped(self) -> bool:
        """Older posts were not collected: sync exits 1."""
        return bool(self.capped_warning)

    def row(self) -> dict[str, Any]:
        row = asdict(self)
        for kept_elsewhere in ("source", "rechecked", "failures"):
            row.pop(kept_elsewhere)
        return row


def make_fetcher(config: Config, cache: HttpCache | None, robots: StoredRobots | None = None) -> Fetcher:
    return Fetcher(config.fetch, config.allowed_hosts, cache=cache, log=logging.getLogger("xxgk.fetch"), robots=robots)


def kept_robots(store: Store, now: datetime, lists: bool) -> StoredRobots:
    """robots.txt kept in the store: a nightly run (``lists``) fetches every host's afresh and keeps it,
    an hourly re-check reuses one younger than a day (RFC 9309 §2.4) instead of asking each hour."""
    return StoredRobots(store, now, None if lists else ROBOTS_LIFETIME)


def collect_all(config: Config, store: Store, run_id: int, *, full: bool = False, only: set[str] | None = None,
                now: datetime | None = None, fetcher: Fetcher | None = None,
                progress: Callable[[str], None] = lambda s: None, hosts_at_once: bool = False) -> list[SourceOutcome]:
    """Run each source (or those named in `only`) and record its outcome on the run; with
    ``hosts_at_once`` (a district run), sources on different hosts side by side."""
    store.sync_sources([{"name": s.name, "kind": s.kind, "channel": s.channel, "url": s.url} for s in config.sources])
    wanted = [source for source in config.sources if not only or source.name in only]
    now = now or utcnow()
    outcomes = collect_sources(config, store, wanted, full=full, now=now, fetcher=fetcher, progress=progress,
                               hosts_at_once=hosts_at_once,
                               done=lambda outcome: store.record_source_run(run_id, outcome.source, outcome.row()))
    if config.archive_images:
        progress("archiving images")
        archive_night(config, store, now)
    return outcomes


def archive_night(config: Config, store: Store, now: datetime) -> None:
    """The night's images ([collect] archive_images): whatever happens to an image, the night goes on."""
    try:
        archive_images(config, store, now)
    except sqlite3.Error:  # the store itself: the run stops, exit 4
        raise
    except Exception:  # a bug here must not cost the night its items
        log.exception("archiving images failed; the posts are tried again next night")


def collect_sources(config: Config, store: Store, wanted: list[Source], *, full: bool, now: datetime,
                    fetcher: Fetcher | None = None, progress: Callable[[str], None] = lambda s: None,
                    hosts_at_once: bool = False, lists: bool = True,
                    done: Callable[[SourceOutcome], None] = lambda o: None) -> list[SourceOutcome]:
    """Each of `wanted` collected (``lists`` False: only re-checked, pipeline/collect/recheck.py); `done`
    is told each outcome (one after another: as soon as it is known, so a crash keeps the ones before)."""
    if hosts_at_once and fetcher is None and len(by_host(wanted)) > 1:
        finished = _hosts_side_by_side(config, store.path, by_host(wanted), full=full, now=now, lists=lists,
                                       progress=progress)
        outcomes = [finished[source.name] for source in wanted]
        for outcome in outcomes:
            done(outcome)
        return outcomes
    own_fetcher = fetcher is None
    robots = None
    if fetcher is None:
        cache, robots = HttpCache(store), kept_robots(store, now, lists)
        fetcher = make_fetcher(config, cache, robots)
    else:  # flush the cache the fetcher records into, or its responses would pile up unwritten
        cache = fetcher.cache if isinstance(fetcher.cache, HttpCache) else HttpCache(store)
    outcomes = []
    parser = PageParser(config.parse_workers)  # starts worker processes only for a big run
    try:
        for source in wanted:
            progress(f"{'collecting' if lists else 're-checking'} {source.name}")
            outcome = collect_source(source, store, fetcher, cache, full=full, now=now, tz=config.office.timezone,
                                     progress=progress, parser=parser, recheck=config.recheck, lists=lists)
            if robots is not None:
                robots.flush()
            done(outcome)
            outcomes.append(outcome)
    finally:
        parser.close()
        if own_fetcher:
            fetcher.close()
    return outcomes


def collect_run(config: Config, store: Store, *, full: bool = False, only: set[str] | None = None,
                progress: Callable[[str], None] = lambda s: None) -> list[SourceOutcome]:
    """The collect stage alone (`xxgk collect`) as one recorded run: `partial` when a source failed."""
    run_id = store.start_run("collect")
    outcomes = collect_all(config, store, run_id, full=full, only=only, progress=progress)
    failed = any(o.status != "ok" for o in outcomes)
    store.finish_run(run_id, "partial" if failed else "ok", {o.source: o.status for o in outcomes})
    return outcomes


def by_host(sources: list[Source]) -> list[list[Source]]:
    """The sources grouped by the host of their URL, in the config's order."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        groups.setdefault(urlsplit(source.url).hostname or "", []).append(source)
    return list(groups.values())


def _hosts_side_by_side(config: Config, database: Path, groups: list[list[Source]], *, full: bool, now: datetime,
                        lists: bool, progress: Callable[[str], None]) -> dict[str, SourceOutcome]:
    """Each host's sources one after another, the hosts side by side (a district's first crawl is
    then as long as its busiest host's, not the sum of its hosts'). Each host's thread has its own
    store connection (SQLite's are one thread's) and fetcher; the fetchers share their per-host
    slots, so a host two groups reach (an article host behind two feeds) still sees one polite client."""
    settings = config.fetch if config.fetch.shared_slots else replace(config.fetch, shared_slots=HostSlots())
    shared = replace(config, fetch=settings)

    def collect_group(group: list[Source]) -> list[SourceOutcome]:
        with Store(database) as own:
            cache, robots = HttpCache(own), kept_robots(own, now, lists)
            fetcher = make_fetcher(shared, cache, robots)
            parser = PageParser(config.parse_workers)
            try:
                outcomes = []
                for source in group:
                    progress(f"collecting {source.name}")
                    outcomes.append(collect_source(source, own, fetcher, cache, full=full, now=now,
                                                   tz=config.office.timezone, progress=progress, parser=parser,
                                                   recheck=config.recheck, lists=lists))
                    robots.flush()
                return outcomes
            finally:
                parser.close()
                fetcher.close()

    with ThreadPoolExecutor(len(groups), thread_name_prefix="host") as pool:
        return {outcome.source: outcome for outcomes in pool.map(collect_group, groups) for outcome in outcomes}


def collect_source(source: Source, store: Store, fetcher: Fetcher, cache: HttpCache, *, full: bool,
                   now: datetime, tz: tzinfo, progress: Callable[[str], None] = lambda s: None,
                   parser: PageParser | None = None, recheck: str = "nightly", lists: bool = True) -> SourceOutcome:
    """One source's run: its lists and what is due a re-check (``lists`` False: an hourly re-check, only
    its share of the stored posts; ``recheck``: the office's [collect] recheck)."""
    outcome = SourceOutcome(source.name)
    known = store.known_post_urls(source.name)
    run = store.completed_runs(source.name)
    hourly = rechecked_hourly(recheck, source)
    due = hourly_share(store.recheck_queue(source.name), source.recheck_cycle) if not lists else \
        due_tonight(store, source, now, run, hourly)
    outcome.rechecked = len(due)
    ctx = Context(fetcher=fetcher, known=known, full=full, now=now, tz=tz, recheck_days=source.recheck_days,
                  recent=due, walk_whole=lists and not store.walked_whole(source.name, source.url),
                  sweep=lists and bool(source.recheck_cycle) and run % source.recheck_cycle == 0,
                  lists=lists, parser=parser or PageParser(workers=0))
    due_set = frozenset(due)
    requests_before = fetcher.stats["requests"]
    tally = _Tally()
    batch: list[Event] = []
    try:
        with fetcher.budget():  # [fetch] source_budget: a stalled host cannot hold the run (and its lock)
            for seen, event in enumerate(COLLECTORS[source.kind](source, ctx), 1):
                tally.see(event)
                batch.append(event)
                if seen % PROGRESS_EVERY == 0:
                    progress(f"collecting {source.name}: {seen} checked")
                if len(batch) >= BATCH:
                    _store_events(store, batch, outcome, now, source, due_set)
                    cache.flush()  # raw bodies wait in memory until flushed: keep that to a batch's worth
                    batch = []
        _store_events(store, batch, outcome, now, source, due_set)
        cache.flush()
        if tally.read_list:
            _judge_missing(store, source, tally.listed, tally.complete, now, outcome)
        if tally.read_list and tally.complete:
            store.mark_walked_whole(source.name, source.url)
    except sqlite3.Error:  # the store itself (a full disk, a damaged page), not this source: the run stops, exit 4
        raise
    except Exception as e:  # an XxgkError fails the source; a bug in one collector must not stop the others
        bug = isinstance(e, InternalError) or not isinstance(e, XxgkError)
        if bug:
            log.exception("collector %s crashed", source.name)
        _fail(outcome, store, batch, cache, source, now, due_set,
              f"internal error: {type(e).__name__}: {e}" if bug else str(e), INTERNAL if bug else failure_kind(e))
    outcome.requests = fetcher.stats["requests"] - requests_before
    _judge_failing(outcome)
    active = sum(1 for withdrawn in known.values() if withdrawn is None)
    if not lists:
        if outcome.status == "ok":
            store.mark_hourly_recheck(source.name, now)
        return outcome
    if outcome.status == "ok" and active and not tally.listed and (tally.read_list or outcome.errors):
        outcome.empty_warning = (f"the source listed no posts this run, though it had {active} before "
                                 f"(has the page changed? check its selectors)")
        outcome.warnings.insert(0, outcome.empty_warning)
    return outcome


class _Tally:
    """What a collector's events said about its listing this run."""

    def __init__(self) -> None:
        self.listed: set[str] = set()  # URLs of posts the source showed (new, unchanged, gone …)
        self.read_list = False  # the listing was read (not a 304)
        self.complete = False  # … and walked to its end

    def see(self, event: object) -> None:
        if isinstance(event, (Post, Seen, Gone)):
            self.listed.add(event.url)
        elif isinstance(event, Listed):
            self.read_list = True
            self.complete = self.complete or event.complete
            if event.urls is not None:  # re-checked posts the list no longer shows are not "listed"
                self.listed = set(event.urls)


def recheck_slot(pid: str, cycle: int) -> int:
    """Which run of a cycle re-checks a post: its id is a SHA-1 prefix, so slots are even and stable."""
    return int(pid[1:9], 16) % cycle


def due_posts(posts: list[tuple[str, str, str | None]], since: datetime, run: int, cycle: int, *,
              rechecked: dict[str, str | None] | None = None, overdue_before: datetime | None = None,
              own_share: bool = True) -> tuple[str, ...]:
    """URLs of the known posts (id, url, published_at) to re-check on a source's `run`-th run:
    those published since `since`, and those whose slot is this run's (every post once a cycle).

    With hourly re-checks (`rechecked`: post id → when last compared with its page), a post last
    re-checked before `overdue_before` is due whatever its slot, and the slot's share is taken only
    with `own_share` (no hourly re-check ran lately) — or for a post whose last re-check is not known."""
    since_s, slot = iso(since), run % cycle if cycle else -1
    overdue_s = iso(overdue_before) if overdue_before is not None else ""

    def weekly(pid: str) -> bool:
        by_slot = recheck_slot(pid, cycle) == slot
        when = rechecked.get(pid) if rechecked is not None else None
        if when is None:
            return by_slot
        return (own_share and by_slot) or when < overdue_s

    return tuple(url for pid, url, published in posts
                 if (published is not None and published >= since_s) or (cycle and weekly(pid)))


def due_tonight(store: Store, source: Source, now: datetime, run: int, hourly: bool) -> tuple[str, ...]:
    """What a nightly run re-checks: the recent posts, and its share of the rest — with hourly re-checks,
    only the overdue ones, and its share too after a day without an hourly re-check (cron line missing,
    machine down), so nothing waits longer than the cycle."""
    since = now - timedelta(days=source.recheck_days)
    posts = store.active_posts(source.name)
    if not hourly:
        return due_posts(posts, since, run, source.recheck_cycle)
    last = store.hourly_recheck_at(source.name)
    return due_posts(posts, since, run, source.recheck_cycle, rechecked=store.rechecked_times(source.name),
                     overdue_before=now - timedelta(days=source.recheck_cycle - 1),
                     own_share=last is None or now - last > HOURLY_STALE)


def rechecked_hourly(recheck: str, source: Source) -> bool:
    """Whether this source's old posts are re-checked by `xxgk recheck` ([collect] recheck = "hourly"):
    only kinds that re-check a post by its own page; feeds and the WeChat API keep the nightly share."""
    return recheck == "hourly" and source.kind in HOURLY_KINDS and source.recheck_cycle > 0


def hourly_share(queue: list[tuple[str, str]], cycle: int) -> tuple[str, ...]:
    """URLs an hourly re-check takes from (id, url) longest unchecked first: enough to go round every post
    in cycle - HOURLY_SPARE_DAYS days of hourly runs."""
    runs = max(1, cycle - HOURLY_SPARE_DAYS) * 24
    return tuple(url for _, url in queue[:math.ceil(len(queue) / runs)])


def _judge_failing(outcome: SourceOutcome) -> None:
    """A source that brought nothing new while most of what it fetched failed is failing, not ok
    (a WeChat article host unreachable for nights was "ok … errors 57"): say what failed. Pages
    fetched but not understood (selectors) and dropped feed entries are not fetch failures."""
    fetch_failures = {kind: n for kind, n in outcome.failures.items() if kind not in NOT_FETCH_FAILURES}
    failed = sum(fetch_failures.values())
    tried = failed + outcome.unchanged + outcome.withdrawn
    if outcome.status != "ok" or outcome.new or outcome.updated or not failed or failed * 2 <= tried:
        return
    by_count = sorted(fetch_failures.items(), key=lambda kv: -kv[1])
    what = ", ".join(f"{kind} ×{n}" for kind, n in by_count)
    example = next((w for w in outcome.warnings if ": " in w), "")
    outcome.status, outcome.failure_kinds = "failed", [kind for kind, _ in by_count]
    outcome.error = f"没有新信息，{tried} 个页面中 {failed} 个无法获取（{what}）" + (f"；例如 {example}" if example else "")
    log.warning("source %s failed: %s", outcome.source, outcome.error)


def _judge_missing(store: Store, source: Source, listed: set[str], complete: bool, now: datetime,
                   outcome: SourceOutcome) -> None:
    """Count runs that walked the whole list without a post; withdraw it after `missing_runs` of them.

    Only complete walks count: an incremental run that stopped at known posts, or a feed
    that shows only its latest entries, says nothing about older posts.
    """
    listed_ids = {post_id(source.channel, url) for url in listed}
    rows = store.db.execute(
        "SELECT id, url, missed_runs FROM posts WHERE source = ? AND withdrawn_at IS NULL", [source.name]).fetchall()
    with store.transaction():
        for pid, url, missed in rows:
            if pid in listed_ids:
                if missed:
                    store.db.execute("UPDATE posts SET missed_runs = 0 WHERE id = ?", [pid])
            elif complete:
                missed += 1
                store.db.execute("UPDATE posts SET missed_runs = ? WHERE id = ?", [missed, pid])
                if missed >= source.missing_runs and store.withdraw_post(
                        source.channel, url, f"no longer listed upstream ({missed} runs)", now):
                    outcome.withdrawn += 1


def _fail(outcome: SourceOutcome, store: Store, batch: list[Event], cache: HttpCache, source: Source, now: datetime,
          due: frozenset[str], message: str, kind: str) -> None:
    _store_events(store, batch, outcome, now, source, due)  # what was read before the failure is kept
    cache.flush()
    cache.forget(source.url)  # so the next run re-reads the list instead of trusting a 304
    outcome.status, outcome.error, outcome.failure_kinds = "failed", message, [kind]
    log.warning("source %s failed: %s", source.name, message)


def _store_events(store: Store, events: list[Event], outcome: SourceOutcome, now: datetime, source: Source,
                  due: frozenset[str] = frozenset()) -> None:
    """Store a batch of events; a re-check answered 304 (a Seen of a post in `due`) is stamped as done
    (a fetched post is stamped by save_post)."""
    if not events:
        return
    channel = source.channel
    rechecked = [post_id(channel, e.url) for e in events if isinstance(e, Seen) and e.url in due]
    with store.transaction():
        store.mark_rechecked(rechecked, now)
        for event in events:
            if isinstance(event, Post):
                post, doubt = dated_plausibly(with_column(event, source.column), now)
                if doubt:
                    _warn(outcome, doubt)
                result = store.save_post(post, now)
                setattr(outcome, result, getattr(outcome, result) + 1)
            elif isinstance(event, Seen):
                outcome.unchanged += 1
            elif isinstance(event, Gone):
                if store.withdraw_post(channel, event.url, event.reason, now):
                    outcome.withdrawn += 1
                elif not store.db.execute("SELECT 1 FROM posts WHERE id = ?", [post_id(channel, event.url)]).fetchone():
                    _warn(outcome, f"{event.url}: {event.reason} (gone before it was ever collected)")
            elif isinstance(event, Problem):
                outcome.errors += 1
                outcome.failures[event.kind] += 1
                _warn(outcome, f"{event.url}: {event.message}")
                log.info("problem in %s: %s: %s", outcome.source, event.url, event.message)
            elif isinstance(event, Note):
                _warn(outcome, f"{event.url}: {event.message}")
            elif isinstance(event, Capped):
                outcome.capped_warning = (f"{CAPPED_WARNING} = {event.limit} list pages, before {event.url}: "
                                          f"older posts were not collected (raise or remove max_pages)")
                outcome.warnings.insert(0, outcome.capped_warning)  # first, so it is never the one cut off


def dated_plausibly(post: Post, now: datetime) -> tuple[Post, str]:
    """Pure: a post whose date cannot be its publication (1970-01-01, a CMS's empty date; a date to come;
    a WeChat post before WeChat) loses it, and is dated by when it was first collected — else its
    year, its 索引号's year and its place at the top of every feed would follow the bad date for good.
    Returns the post and the warning for the night's record ("" when the date is plausible)."""
    when = post.published_at
    earliest = EARLIEST.get(post.channel, EARLIEST[""])
    if when is None or earliest <= when <= now + FUTURE_SLACK:
        return post, ""
    return replace(post, published_at=None), (f"{post.url}: 发布日期 {when.date()} 不可信（早于 {earliest.year} 年或晚于今天），"
                                              f"按首次采集的日期计")


def with_column(post: Post, column: str) -> Post:
    """The source's configured column (栏目) on a post whose page names none: a hint for classifying."""
    if not column or post.meta.get("column"):
        return post
    return replace(post, meta={**post.meta, "column": column})


def _warn(outcome: SourceOutcome, message: str) -> None:
    if len(outcome.warnings) < MAX_PROBLEMS_KEPT:
        outcome.warnings.append(message)
