"""The collector protocol: what a collector is, the events it yields, the run context.

A collector is a generator `collect(source, ctx)` that yields:
  Post     a copy it found (the job stores it; unchanged ones are cheap)
  Seen     a known post still listed upstream (nothing fetched)
  Gone     a post withdrawn upstream (404/410, "已被发布者删除")
  Problem  one URL that failed; the collector goes on with the rest
  Note     something worth a warning that is not a failure (pages only scripts reach)
  Capped   the walk stopped at the office's page cap ([sources.X] max_pages) with pages left:
           older posts were not collected (a warning in `status`, exit 1 from `sync`)
  Listed   the listing was read this run (not a 304); `complete` when the collector walked
           all of it, so a known post missing from it may have been withdrawn upstream
A failure of the source as a whole (its list page or feed unreachable) is raised
as a FetchError / SourceError and recorded against the source by the job.
Collectors read pages with the one HTML toolkit, pipeline/htmltools.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from pipeline.errors import FetchError, HttpStatusError, failure_kind
from pipeline.errors import SourceError as SourceError  # re-exported: collectors raise it from here
from pipeline.models import Post

from .parsing import PageParser, ParseProblem

if TYPE_CHECKING:  # a page-parsing worker imports this module but never fetches: no HTTP transport there
    from pipeline.fetch.client import Fetcher


@dataclass(frozen=True)
class Seen:
    url: str


@dataclass(frozen=True)
class Gone:
    url: str
    reason: str


@dataclass(frozen=True)
class Problem:
    url: str
    message: str
    kind: str = "other"  # what failed (pipeline.errors.failure_kind): "unreachable host", "HTTP 503" …


@dataclass(frozen=True)
class Note:
    url: str
    message: str


@dataclass(frozen=True)
class Capped:
    url: str  # the first list page not read
    limit: int  # the cap, in list pages


@dataclass(frozen=True)
class Listed:
    complete: bool
    # The URLs the listing showed, when the collector also fetched posts it did not list (re-checks);
    # None: every post the collector yielded was listed.
    urls: frozenset[str] | None = None


Event = Post | Seen | Gone | Problem | Note | Capped | Listed


def article_event(url: str, outcome: object) -> Event:
    """What a fetched (and parsed) article page says: Gone (404/410, or the page says so),
    Problem (the fetch or the parse failed), Seen (a 304: unchanged), else the parsed Post."""
    if isinstance(outcome, HttpStatusError) and outcome.status in (404, 410):
        return Gone(url, f"HTTP {outcome.status}")
    if isinstance(outcome, FetchError):
        return Problem(url, str(outcome), failure_kind(outcome))
    if isinstance(outcome, ParseProblem):
        return Problem(url, outcome.message, "unparseable page")
    if isinstance(outcome, Gone):
        return Gone(url, outcome.reason)
    if isinstance(outcome, Post):
        return outcome
    return Seen(url)


@dataclass
class Context:
    """What a collector may use: the one HTTP client and what the store already knows."""

    fetcher: Fetcher
    known: dict[str, str | None] = field(default_factory=dict)  # canonical URL → withdrawn_at
    full: bool = False  # re-crawl everything (--full)
    now: datetime | None = None
    recheck_days: int = 30  # known articles this recent are re-checked for edits
    # Known, not withdrawn posts to re-check for edits this run (conditionally): those published
    # within recheck_days, and this run's share of the rest (pipeline/collect/stage.py: recheck cycle).
    recent: tuple[str, ...] = ()
    # The list was never walked to its end (a first run, or one cut short): walk all of it this
    # run, past pages of known posts, without trusting a 304 on page 1. Known posts are not re-fetched.
    walk_whole: bool = False
    # This run opens a re-check cycle: a collector that can re-check old posts only by walking its
    # whole listing (an API that holds the content) walks it now and yields every post, once a cycle.
    sweep: bool = False
    # False: an hourly re-check (`xxgk recheck`): no list or feed is read, only the posts in `recent`
    # are fetched (conditionally) and compared, as a nightly run re-checks them.
    lists: bool = True
    tz: tzinfo = field(kw_only=True)  # the office's zone ([office] timezone): a page's date without one is read there
    log: Callable[[str], None] = lambda message: None
    parser: PageParser = field(default_factory=lambda: PageParser(workers=0))  # where article pages are parsed

    def is_recent(self, when: datetime | None) -> bool:
        if when is None or self.now is None:
            return False
        return self.now - when <= timedelta(days=self.recheck_days)
