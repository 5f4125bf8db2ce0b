"""The one HTTP client: every request xxgk makes goes through ``Fetcher``.

Government sites are small, slow and sometimes fragile, and they are public
services: we fetch only the hosts the office's config names (redirects included),
obey robots.txt, go at most ``rate_per_host`` requests a second and
``per_host_concurrency`` at a time to each host, retry only what is worth retrying
(connection errors, 429, 5xx) with backoff, and cap every body's size. Conditional
requests (ETag / Last-Modified) keep a nightly run cheap when nothing changed.

Nothing waits forever: one request (its attempts, redirects and the waits between them)
has ``deadline`` seconds in all, counted from its first attempt; a collector's whole run
may be given a time budget (``Fetcher.budget``), past which its requests fail at once; a
``Retry-After`` delays only its host, and one longer than what is left is not waited for.

The transport is libcurl (pycurl), one handle per thread: a request costs about
0.07 ms of CPU against 0.4 ms for urllib3 with 8 threads on this machine kind, and
libcurl does its I/O without holding the interpreter lock, so the threads do not
queue for it. A crawl is CPU-bound on the client. Everything above the socket
(redirects, retries, robots.txt, the size cap, caching) is ours, so the transport
stays a detail of ``_attempt`` (and of curl.py, which reads what libcurl hands over). libcurl checks TLS against the same trust store as
Python's ``ssl`` module (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` included), never the one
compiled into the wheel. URLs are parsed and normalised with urllib3's parser.

Decoding is ours too (a page that names no charset is not UTF-8 by default):
see ``pipeline.fetch.decode.decode_body`` (re-exported here).

Errors are the ``FetchError`` subclasses of ``pipeline.errors``; their messages and
our logs never show credential query parameters (``redact_url``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import math
import queue
import random
import threading
import time
import urllib.robotparser
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol
from urllib.parse import urlencode, urljoin

import pycurl
from urllib3.exceptions import LocationParseError
from urllib3.util import Url, parse_url

from pipeline.errors import (
    FetchError,
    HostNotAllowed,
    HttpStatusError,
    RobotsDisallowed,
    TransportError,
    XxgkError,
    redact_url,
)

from ..config import FetchSettings  # re-exported: the API stays pipeline.fetch.client.FetchSettings
from .curl import BAD_ENCODING, TIMED_OUT, Exchange, kind_of, reason_of, trust_store
from .decode import decode_body  # re-exported: the API stays pipeline.fetch.client.decode_body
from .politeness import AllowList, HostLimiter, host_name, retry_after

__all__ = ["ConditionalCache", "Fetcher", "FetchSettings", "Response", "RobotsCache", "decode_body"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
ACCEPT_ENCODING = "gzip, deflate"  # libcurl decodes these
MAX_CRAWL_DELAY = 60.0  # seconds; a robots.txt Crawl-delay above this is capped


@dataclass(frozen=True)
class Response:
    """One successful answer (200, or 304 when ``not_modified``)."""

    url: str  # final URL after redirects
    status: int
    headers: Mapping[str, str]  # case-insensitive (urllib3's HTTPHeaderDict)
    content: bytes  # b"" when not_modified
    not_modified: bool
    etag: str | None
    last_modified: str | None

    def text(self) -> str:
        """The body as text, decoded per ``decode_body``; raises DecodeError."""
        return self._decoded[1]

    @property
    def encoding(self) -> str:
        """The codec ``text()`` uses (e.g. "utf-8", "gb18030"); raises DecodeError."""
        return self._decoded[0]

    @cached_property
    def _decoded(self) -> tuple[str, str]:
        return decode_body(self.content, self.headers.get("content-type"), url=self.url)


class ConditionalCache(Protocol):
    """Where validators live (the store implements this)."""

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(etag, last_modified) last seen for url, or (None, None)."""
        ...

    def record(self, url: str, response: Response) -> None:
        """Called after every 200 and 304 for the URL as requested."""
        ...


class RobotsCache(Protocol):
    """Where robots.txt outlives a run (the store's StoredRobots): an hourly run reuses a recent copy."""

    def fresh(self, url: str) -> str | None:
        """The kept body of the robots.txt at url ("" when it was absent) if still fresh, else None."""
        ...

    def keep(self, url: str, body: str) -> None:
        """Called after robots.txt was fetched (200), or found absent (4xx: body "")."""
        ...


class _Deadline:
    """When one request must be over: ``seconds`` after its first attempt starts, and never
    after the source's budget (``budget_end``, on time.monotonic; None: no budget)."""

    def __init__(self, seconds: float, budget_end: float | None) -> None:
        self.seconds, self.budget_end = seconds, budget_end
        self.at: float | None = None
        self.by_budget = False  # the budget, not the deadline, is what ends this request

    def begin(self) -> float:
        """Start the clock (at the first attempt); seconds left."""
        if self.at is None:
            self.at = time.monotonic() + self.seconds
            if self.budget_end is not None and self.budget_end < self.at:
                self.at, self.by_budget = self.budget_end, True
        return self.left()

    def left(self) -> float:
        return math.inf if self.at is None else self.at - time.monotonic()

    def why(self) -> str:
        if self.by_budget:
            return "the source's time budget for this run is spent ([fetch] source_budget)"
        return f"no answer within the {self.seconds:g} s deadline ([fetch] deadline)"


class _Transient(XxgkError):
    """An attempt failed in a way worth retrying (connection, timeout, truncated body); caught
    by the retry loop, which raises a TransportError of the same ``kind`` when it gives up."""

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass(frozen=True)
class _Answer:
    url: Url
    status: int
    headers: Mapping[str, str]
    content: bytes


# ---------------------------------------------------------------- the client


class Fetcher:
    """Fetches allowed URLs politely; one per run, shared by every collector (thread-safe)."""

    def __init__(
        self,
        settings: FetchSettings,
        allowed_hosts: Iterable[str],
        cache: ConditionalCache | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        log: logging.Logger | None = None,
        robots: RobotsCache | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.robots = robots
        self.stats: Counter[str] = Counter()
        self._allowed = AllowList(allowed_hosts)
        self._resolve = {host_name(h): addr for h, addr in settings.resolve.items()}
        self._clock = clock
        self._sleep = sleep
        self._log = log or logging.getLogger(__name__)
        self._random = random.Random()
        self._trust = trust_store()
        self._handles = threading.local()  # one libcurl handle per thread: it keeps that thread's connections
        self._all_handles: list[pycurl.Curl] = []
        # "Expect:" off: no 100-continue round trip before a POST body.
        self._headers = {"User-Agent": settings.user_agent, "Expect": ""}
        self._limiter = HostLimiter(settings.rate_per_host, clock, sleep, settings.shared_slots)
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._in_flight = threading.BoundedSemaphore(settings.concurrency)
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._robots_skipped_warned: set[str] = set()
        self._budget_end: float | None = None  # time.monotonic() past which requests fail (Fetcher.budget)

    # -- public

    @contextlib.contextmanager
    def budget(self, seconds: float | None = None) -> Iterator[None]:
        """Requests made inside end at the latest ``seconds`` from now (default [fetch]
        source_budget); later ones fail at once. Sources run one at a time, so one budget."""
        previous = self._budget_end
        self._budget_end = time.monotonic() + (self.settings.source_budget if seconds is None else seconds)
        try:
            yield
        finally:
            self._budget_end = previous

    def get(self, url: str, *, conditional: bool = True, obey_robots: bool | None = None) -> Response:
        """Fetch one URL (following allowed redirects); raises a FetchError subclass."""
        validators = self._validators(url, conditional)
        result = self._fetch(url, validators, obey_robots)
        if isinstance(result, FetchError):
            raise result
        self._record(url, result)
        return result

    def fetch_many(
        self, urls: Iterable[str], *, conditional: bool | Callable[[str], bool] = True,
        obey_robots: bool | None = None,
    ) -> Iterator[tuple[str, Response | FetchError]]:
        """Fetch many URLs concurrently; yields (url, Response or FetchError) as each completes.

        `urls` is read lazily (a window ahead of the answers), so it may be a generator
        that finds more URLs as it goes. `conditional` may be decided per URL.
        The cache is consulted and updated in the calling thread, never in a worker
        (a store's SQLite connection belongs to the thread that opened it).
        """
        workers = self.settings.concurrency
        pending: dict[Future[Response | FetchError], str] = {}
        finished: queue.SimpleQueue[Future[Response | FetchError]] = queue.SimpleQueue()
        todo = iter(urls)
        pool = self._executor()
        try:
            while True:
                # A bounded window in flight, so a long iterable streams.
                for url in itertools.islice(todo, 2 * workers - len(pending)):
                    validators = self._validators(url, conditional(url) if callable(conditional) else conditional)
                    future = pool.submit(self._fetch, url, validators, obey_robots)
                    pending[future] = url
                    future.add_done_callback(finished.put)
                if not pending:
                    return
                future = finished.get()  # the next to finish, whichever it is
                url = pending.pop(future)
                result = future.result()
                if isinstance(result, Response):
                    self._record(url, result)
                yield url, result
        finally:
            for future in pending:
                future.cancel()

    def _executor(self) -> ThreadPoolExecutor:
        """One worker pool for the fetcher's life: collectors call fetch_many once per list page."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.settings.concurrency,
                                                thread_name_prefix="xxgk-fetch")
            return self._pool

    def post_json(self, url: str, payload: Mapping[str, Any]) -> Response:
        """POST a JSON body to an API (the WeChat publishing API); raises a FetchError subclass.

        An API is not a crawled page: robots.txt does not govern it, redirects are not
        followed, and its answers (access tokens among them) never reach the cache or
        the raw-response store. Retries, the rate limit and the size cap apply as for GET.
        """
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return self._post(url, body, {"Content-Type": "application/json", "Accept": "application/json"}, None)

    def post_form(self, url: str, fields: Mapping[str, str], *, obey_robots: bool | None = None) -> Response:
        """POST form fields (UTF-8, urlencoded) to a site's list endpoint, as its own page script
        does (Hanweb's dataproxy.jsp); raises a FetchError subclass.

        A list endpoint is crawled like a page: robots.txt applies (obey_robots as for get()).
        A POST is never conditional and is not followed through redirects; retries, the rate
        limit and the size cap apply as for GET. Its answers do not reach the cache.
        """
        body = urlencode(fields).encode("ascii")
        obey = self.settings.obey_robots if obey_robots is None else obey_robots
        return self._post(url, body, {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}, obey)

    def _post(self, url: str, body: bytes, headers: Mapping[str, str], obey_robots: bool | None) -> Response:
        """One POST (no redirects followed); obey_robots None: robots.txt is not asked."""
        try:
            target = self._parse(url, url)
            self._check_allowed(url, target, redirected=False)
            if obey_robots:
                self._check_robots(url, target)
            elif obey_robots is False:
                self._warn_robots_skipped(_host_of(target))
            answer = self._send_with_retries(url, target, headers, self._deadline(), "POST", body)
            if not 200 <= answer.status < 300:
                raise HttpStatusError(url, answer.status)
        except FetchError as exc:
            self._count("errors")
            raise exc
        return Response(url=answer.url.url, status=answer.status, headers=answer.headers, content=answer.content,
                        not_modified=False, etag=None, last_modified=None)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        with self._lock:  # a later request (a fetcher is reusable) sets up fresh handles
            handles, self._all_handles, self._handles = self._all_handles, [], threading.local()
        for handle in handles:
            handle.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- one URL, hop by hop

    def _validators(self, url: str, conditional: bool) -> tuple[str | None, str | None]:
        if conditional and self.cache is not None:
            return self.cache.validators(url)
        return None, None

    def _record(self, url: str, response: Response) -> None:
        if self.cache is not None:
            self.cache.record(url, response)

    def _fetch(
        self, url: str, validators: tuple[str | None, str | None], obey_robots: bool | None
    ) -> Response | FetchError:
        """get() without the cache, returning its error (safe to run in a worker thread)."""
        obey = self.settings.obey_robots if obey_robots is None else obey_robots
        try:
            return self._get(url, validators, obey_robots=obey)
        except FetchError as exc:
            self._count("errors")
            self._log.debug("fetch failed: %s", exc)
            return exc

    def _get(
        self, url: str, validators: tuple[str | None, str | None] = (None, None), *, obey_robots: bool | None
    ) -> Response:
        """Follow url's redirects to an answer. obey_robots=None is the robots.txt fetch itself."""
        etag, last_modified = validators
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        current = self._parse(url, url)
        chain = [current]
        deadline = self._deadline()  # one for the whole chain of redirects
        while True:
            self._check_allowed(url, current, redirected=len(chain) > 1)
            if obey_robots:
                self._check_robots(url, current)
            elif obey_robots is False:
                self._warn_robots_skipped(_host_of(current))
            answer = self._send_with_retries(url, current, headers, deadline)
            location = answer.headers.get("location")
            if answer.status not in REDIRECT_STATUSES or not location:
                break
            if len(chain) > self.settings.max_redirects:
                raise TransportError(url, f"more than {self.settings.max_redirects} redirects", "redirects")
            target = self._parse(url, location, base=current)
            if target in chain:
                hops = " → ".join(redact_url(u.url) for u in [*chain, target])
                raise TransportError(url, f"redirect loop: {hops}", "redirects")
            chain.append(target)
            current = target

        final = answer.url.url
        if answer.status == 304:
            if not headers:
                raise HttpStatusError(url, 304, reason="HTTP 304 to a request that was not conditional")
            self._count("not_modified")
            response = Response(
                url=final, status=304, headers=answer.headers, content=b"", not_modified=True,
                etag=answer.headers.get("etag") or etag,
                last_modified=answer.headers.get("last-modified") or last_modified,
            )
        elif 200 <= answer.status < 300:
            response = Response(
                url=final, status=answer.status, headers=answer.headers, content=answer.content,
                not_modified=False, etag=answer.headers.get("etag"),
                last_modified=answer.headers.get("last-modified"),
            )
        else:  # 1xx/3xx we cannot use (e.g. 300, or a redirect without Location)
            raise HttpStatusError(url, answer.status)
        return response

    def _parse(self, url: str, raw: str, base: Url | None = None) -> Url:
        try:
            parsed = _normal_url(urljoin(base.url, raw) if base is not None else raw)
        except (LocationParseError, UnicodeError, ValueError) as exc:
            raise FetchError(url, f"invalid URL {redact_url(raw)!r}: {exc}") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise FetchError(url, f"not an http(s) URL: {redact_url(parsed.url)}")
        return parsed

    def _check_allowed(self, url: str, target: Url, *, redirected: bool) -> None:
        host = _host_of(target)
        if self._allowed.admits(host):
            return
        where = f"redirected to {redact_url(target.url)}; " if redirected else ""
        raise HostNotAllowed(url, f"{where}host {host!r} is not in the allow-list")

    # -- attempts and retries

    def _deadline(self) -> _Deadline:
        return _Deadline(self.settings.deadline, self._budget_end)

    def _send_with_retries(self, url: str, target: Url, headers: Mapping[str, str], deadline: _Deadline,
                           method: str = "GET", body: bytes | None = None) -> _Answer:
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                answer = self._attempt(url, target, headers, deadline, method, body)
            except _Transient as exc:
                why, delay = str(exc), self._backoff(attempt)
                # the last attempt, or a wait that would pass the deadline: give up now
                if attempt + 1 == attempts or delay >= deadline.left():
                    tail = f" after {attempt + 1} attempts" if attempt else ""
                    raise TransportError(url, f"{exc}{tail}", exc.kind) from None
            else:
                if answer.status != 429 and not 500 <= answer.status <= 599:
                    if answer.status >= 400:
                        raise HttpStatusError(url, answer.status, attempts=attempt + 1)
                    return answer
                why = f"HTTP {answer.status}"
                asked = retry_after(answer.headers)
                if asked is None:
                    delay = self._backoff(attempt)
                else:  # only this host waits, and no longer than the cap
                    delay = min(asked, self.settings.max_retry_after)
                    self._limiter.defer(_host_of(target), self._clock() + min(delay, self.settings.deadline))
                if attempt + 1 == attempts or delay >= deadline.left():
                    raise HttpStatusError(url, answer.status, attempts=attempt + 1)
            self._count("retries")
            self._log.info("%s: %s; retrying in %.1f s", redact_url(target.url), why, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff
        return base * 2.0**attempt + self._random.uniform(0, base)

    def _attempt(self, url: str, target: Url, headers: Mapping[str, str], deadline: _Deadline,
                 method: str = "GET", body: bytes | None = None) -> _Answer:
        """One request: wait for a host slot and the rate limit, then a global slot; read capped."""
        host = _host_of(target)
        curl = self._handle()
        self._prepare(curl, target, headers, body)
        exchange = Exchange(url, self.settings.max_bytes)
        curl.setopt(pycurl.HEADERFUNCTION, exchange.header_line)
        curl.setopt(pycurl.WRITEFUNCTION, exchange.write)
        with self._host_slot(host):
            self._limiter.wait(host)
            left = deadline.begin()
            if left <= 0:
                raise TransportError(url, deadline.why(), "timeout")
            curl.setopt(pycurl.TIMEOUT_MS, max(1, math.ceil(left * 1000)))  # the whole transfer
            with self._in_flight:
                self._count("requests")
                if self._log.isEnabledFor(logging.DEBUG):
                    self._log.debug("%s %s", method, redact_url(target.url))
                try:
                    curl.perform()  # without the interpreter lock, but for the two callbacks
                except pycurl.error as exc:
                    if exchange.too_large is not None:
                        raise exchange.too_large from None
                    if not exchange.hung_up:
                        code, message = exc.args if len(exc.args) == 2 else (0, str(exc))
                        if code in TIMED_OUT and deadline.left() <= 0:
                            raise TransportError(url, deadline.why(), "timeout") from None
                        if code in BAD_ENCODING:  # the server sends the same broken bytes again: no retry
                            raise TransportError(url, reason_of(code, message)) from None
                        raise _Transient(reason_of(code, message), kind_of(code)) from None
                finally:
                    self._count("bytes", curl.getinfo(pycurl.SIZE_DOWNLOAD_T))
        return _Answer(target, exchange.status, exchange.headers(), bytes(exchange.body))

    def _handle(self) -> pycurl.Curl:
        """This thread's libcurl handle, set up once with what every request shares."""
        curl = getattr(self._handles, "curl", None)
        if curl is None:
            curl = self._handles.curl = pycurl.Curl()
            timeout = self.settings.timeout
            options = {
                pycurl.NOSIGNAL: 1,  # timeouts without signals: we run in threads
                pycurl.PROTOCOLS: pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS,
                pycurl.FOLLOWLOCATION: 0,  # redirects are ours: each hop is checked
                pycurl.PATH_AS_IS: 1,  # the URL as normalised here, not squashed again
                pycurl.PROXY: "",  # environment proxies are not used (as before with urllib3)
                pycurl.HTTP_VERSION: pycurl.CURL_HTTP_VERSION_1_1,
                pycurl.ACCEPT_ENCODING: ACCEPT_ENCODING,
                pycurl.CONNECTTIMEOUT_MS: max(1, round(timeout * 1000)),
                # A server that sends nothing for `timeout` seconds is given up on (libcurl counts
                # whole seconds here, so never less than one).
                pycurl.LOW_SPEED_LIMIT: 1,
                pycurl.LOW_SPEED_TIME: max(1, math.ceil(timeout)),
                **self._trust,
            }
            for option, value in options.items():
                curl.setopt(option, value)
            with self._lock:
                self._all_handles.append(curl)
        return curl

    def _prepare(self, curl: pycurl.Curl, target: Url, headers: Mapping[str, str], body: bytes | None) -> None:
        """Set the handle's URL, headers, address (resolve applied) and method for target."""
        sent = {**self._headers, **headers}
        url, connect_to = target.url, []
        address = self._resolve.get(_host_of(target))
        if address is not None:
            # "http://ADDR:PORT" also drops TLS: a loopback test server standing in for an https host.
            # Otherwise TLS still names (and checks) the real host: only the address changes.
            plain = address.startswith("http://")
            addr_host, _, addr_port = address.removeprefix("http://").rpartition(":")
            if plain and target.scheme == "https":
                url = target._replace(scheme="http").url
            connect_to = [f"{target.host}::{addr_host}:{addr_port}"]
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.CONNECT_TO, connect_to)
        curl.setopt(pycurl.HTTPHEADER, [f"{name}: {value}" if value else f"{name}:" for name, value in sent.items()])
        if body is None:
            curl.setopt(pycurl.HTTPGET, 1)
        else:
            curl.setopt(pycurl.POSTFIELDS, body)

    def _host_slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            slot = self._host_slots.get(host)
            if slot is None:
                slot = self._host_slots[host] = threading.BoundedSemaphore(self.settings.per_host_concurrency)
            return slot

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.stats[key] += n

    # -- robots.txt

    def _check_robots(self, url: str, target: Url) -> None:
        rules = self._robots_for(target)
        # RobotFileParser's own attributes, which typeshed does not list
        if not rules.entries and rules.default_entry is None and not rules.disallow_all:  # type: ignore[attr-defined]
            return  # no rules at all (no robots.txt, or an empty one): everything is allowed
        if not rules.can_fetch(self.settings.user_agent, target.url):
            raise RobotsDisallowed(url, f"robots.txt of {target.host} disallows {redact_url(target.url)}")

    def _robots_for(self, target: Url) -> urllib.robotparser.RobotFileParser:
        origin = target._replace(path="/robots.txt", query=None, fragment=None)
        key = origin.url
        with self._lock:
            lock = self._robots_locks.setdefault(key, threading.Lock())
        with lock:  # one fetch per origin even when many threads ask at once
            rules = self._robots.get(key)
            if rules is None:
                rules = self._robots[key] = self._load_robots(origin)
        return rules

    def _load_robots(self, robots_url: Url) -> urllib.robotparser.RobotFileParser:
        kept = self.robots.fresh(robots_url.url) if self.robots is not None else None
        if kept is not None:  # a copy a recent run fetched (RFC 9309 §2.4: up to 24 hours)
            return self._robots_rules(robots_url, kept)
        where = redact_url(robots_url.url)
        try:
            response = self._get(robots_url.url, obey_robots=None)
        except HttpStatusError as exc:
            if exc.status >= 500:  # not kept: the next run asks again
                self._log.warning("%s: %s; treating every path as allowed", where, exc.reason)
                return self._robots_rules(robots_url, "")
            # RFC 9309 §2.3.1.3: 4xx means "no rules"
            self._log.debug("%s: HTTP %s, no rules", where, exc.status)
            body = ""
        except FetchError as exc:
            self._log.warning("%s unavailable (%s); treating every path as allowed", where, exc.reason)
            return self._robots_rules(robots_url, "")
        else:
            # RFC 9309: robots.txt is UTF-8; a BOM would otherwise hide the first User-agent line.
            body = response.content.decode("utf-8-sig", errors="replace")
        if self.robots is not None:
            self.robots.keep(robots_url.url, body)
        return self._robots_rules(robots_url, body)

    def _robots_rules(self, robots_url: Url, body: str) -> urllib.robotparser.RobotFileParser:
        """The rules of a robots.txt body ("": none, everything allowed); its Crawl-delay slows the host."""
        rules = urllib.robotparser.RobotFileParser(robots_url.url)
        rules.parse(body.splitlines())
        delay = rules.crawl_delay(self.settings.user_agent)
        if delay:
            self._limiter.slow_down(_host_of(robots_url), min(float(delay), MAX_CRAWL_DELAY))
        return rules

    def _warn_robots_skipped(self, host: str) -> None:
        with self._lock:
            if host in self._robots_skipped_warned:
                return
            self._robots_skipped_warned.add(host)
        self._log.warning("not checking robots.txt for %s (obey_robots is off)", host)


def _host_of(target: Url) -> str:
    """The host of a URL Fetcher._parse accepted (it refuses one without)."""
    assert target.host is not None
    return target.host


def _normal_url(raw: str) -> Url:
    """raw parsed and normalised: scheme and host lower case, IDNA host, non-ASCII percent-encoded,
    no fragment, no default port, "/" for an empty path (so equal URLs compare equal)."""
    parsed = parse_url(raw)
    port = None if parsed.port == DEFAULT_PORTS.get(parsed.scheme or "") else parsed.port
    return parsed._replace(port=port, path=parsed.path or "/", fragment=None)
