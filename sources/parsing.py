"""Where fetched article pages are parsed: in this process, or in worker processes beside it.

Parsing an article (lxml, selectors, nh3) is most of a crawl's CPU, and in one process it
competes for the interpreter lock with the fetcher's threads. So a big run (a first crawl,
a `--full` re-crawl) hands pages to worker processes and gets the events back in the order
the pages were fetched. The fetcher, its politeness limits and the store stay in this
process. Small runs, such as a nightly run or most tests, never start a worker: the first
INLINE_PAGES pages of a run are parsed here.

A parse function is a module-level `parse(page, *args) -> Event` (so a worker can import
it). A SourceError or FetchError it raises comes back as a Problem on the page's listed URL.
If a worker dies, the pages still waiting are parsed here instead, so nothing is lost.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from pipeline.fetch.decode import decode_body
from pipeline.errors import FetchError, XxgkError

log = logging.getLogger("xxgk.collect")

INLINE_PAGES = 100  # pages a run parses in this process before it starts workers
BATCH = 16  # pages sent to a worker at once: one round trip each, not one per page
WINDOW = 128  # pages handed out and not yet given back: bounds memory and keeps workers busy


@dataclass(frozen=True)
class Page:
    """A fetched page as a parse function sees it (small enough to send to a worker)."""

    listed_url: str  # the URL the collector asked for: the post's identity
    url: str  # the final URL, after redirects
    content: bytes
    content_type: str | None

    def text(self) -> str:
        """The body decoded (pipeline.fetch.decode rules); raises DecodeError."""
        return decode_body(self.content, self.content_type, url=self.url)[1]


@dataclass(frozen=True)
class ParseProblem:
    """A page that could not be parsed (what the collector reports as a Problem)."""

    message: str


def default_workers() -> int:
    """Worker processes for a big run: one per core beside the one fetching (none on one core)."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def _exit_with_parent() -> None:
    """Worker side: exit when the collecting process is gone. A worker waits on a queue it holds
    both ends of, so a killed run (cron's timeout, the OOM killer) would otherwise leave it forever."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        def watch() -> None:
            parent.join()
            os._exit(1)

        threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _run(parse: Callable[..., Any], page: Page, args: tuple[Any, ...]) -> Any:
    # Our errors do not all pickle (their __init__ takes more than a message): send the text back.
    try:
        return parse(page, *args)
    except (XxgkError, FetchError) as e:
        return ParseProblem(str(e))


def _run_batch(parse: Callable[..., Any], pages: list[Page], args: tuple[Any, ...]) -> list[Any]:
    return [_run(parse, page, args) for page in pages]


class _Batch:
    """Pages bound for one worker round trip; each waiting page knows its batch and place."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.future: Future[list[Any]] | _Done | None = None

    def done(self) -> bool:
        return self.future is not None and self.future.done()


class PageParser:
    """Parses fetched pages for one collect run; `close()` stops its workers."""

    def __init__(self, workers: int | None = None, inline_pages: int = INLINE_PAGES) -> None:
        self.workers = default_workers() if workers is None else workers
        if multiprocessing.current_process().daemon:
            self.workers = 0  # a daemonic process may not start any
        self._inline_left = inline_pages
        self._pool: ProcessPoolExecutor | None = None

    def parsed(self, fetched: Iterable[tuple[str, Any]], parse: Callable[..., Any],
               *args: Any) -> Iterator[tuple[str, Any]]:
        """(url, outcome) for each (url, fetch result), in the same order.

        outcome is parse(Page, *args)'s event (or a ParseProblem) for a response with a
        body; anything else (a FetchError, a 304) is passed through as it came.
        """
        waiting: deque[tuple[str, Any, int]] = deque()  # (url, a result or its _Batch, place in the batch)
        batch = _Batch()
        for url, result in fetched:
            if isinstance(result, FetchError) or result.not_modified:  # else a pipeline.fetch.client.Response
                waiting.append((url, result, -1))
            else:
                page = Page(url, result.url, result.content, result.headers.get("content-type"))
                if self._inline():
                    waiting.append((url, _run(parse, page, args), -1))
                else:
                    if batch.future is not None:  # sent early, to free the head of a long wait
                        batch = _Batch()
                    batch.pages.append(page)
                    waiting.append((url, batch, len(batch.pages) - 1))
                    if len(batch.pages) >= BATCH:
                        self._send(batch, parse, args)
                        batch = _Batch()
            while waiting and (_ready(waiting[0]) or len(waiting) > WINDOW):
                yield self._outcome(waiting.popleft(), parse, args)
        while waiting:
            yield self._outcome(waiting.popleft(), parse, args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> PageParser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _inline(self) -> bool:
        if self.workers < 1:
            return True
        self._inline_left -= 1
        return self._inline_left >= 0

    def _send(self, batch: _Batch, parse: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if self.workers >= 1:
            try:
                if self._pool is None:
                    # spawn, not fork: this process has fetcher threads and an open database.
                    self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=_exit_with_parent)
                batch.future = self._pool.submit(_run_batch, parse, batch.pages, args)
                return
            except Exception as e:  # no processes here (a daemon, a sandbox, a broken pool): parse in this one
                self._give_up_workers(f"{type(e).__name__}: {e}")
        batch.future = _Done(_run_batch(parse, batch.pages, args))

    def _outcome(self, waiting: tuple[str, Any, int], parse: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
        url, held, place = waiting
        if not isinstance(held, _Batch):
            return url, held
        if held.future is None:  # still filling: send it as it is
            self._send(held, parse, args)
        assert held.future is not None  # _send always sets it
        try:
            return url, held.future.result()[place]
        except BrokenProcessPool as e:
            self._give_up_workers(f"a worker died ({e})")
            held.future = _Done(_run_batch(parse, held.pages, args))
            return url, held.future.result()[place]

    def _give_up_workers(self, why: str) -> None:
        if self.workers:
            log.warning("page-parsing workers unavailable (%s); parsing the rest in this process", why)
        self.workers = 0
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _ready(waiting: tuple[str, Any, int]) -> bool:
    held = waiting[1]
    return not isinstance(held, _Batch) or held.done()


class _Done:
    """A finished result that looks like a Future (a batch parsed here after the workers failed)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def done(self) -> bool:
        return True

    def result(self) -> Any:
        return self.value
