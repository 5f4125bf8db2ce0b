"""The one HTTP client: every request xxgk makes goes through ``Fetcher``.

Government sites are small, slow and sometimes fragile, and they are public
services: we fetch only the hosts the office's config names (redirects included),
obey robots.txt, go at most ``rate_per_host`` requests a second and
``per_host_concurrency`` at a time to each host, retry only what is worth retrying
(connection errors, 429, 5xx) with backoff, and cap every body's size. Conditional
requests (ETag / Last-Modified) keep a nightly run cheap when nothing changed.

Decoding is ours, not httpx's (httpx assumes UTF-8 when a page names no charset):
see ``pipeline.decode.decode_body`` (re-exported here).

Errors are the ``FetchError`` subclasses of ``pipeline.errors``; their messages and
our logs never show credential query parameters (``redact_url``).
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import re
import threading
import time
import urllib.robotparser
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any, Protocol

import httpx

from pipeline.errors import (
    ConfigError,
    FetchError,
    HostNotAllowed,
    HttpStatusError,
    RobotsDisallowed,
    TooLarge,
    TransportError,
    redact_url,
)

from .decode import decode_body  # re-exported: the API stays pipeline.fetch.decode_body

__all__ = ["ConditionalCache", "Fetcher", "FetchSettings", "Response", "decode_body"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_CRAWL_DELAY = 60.0  # seconds; a robots.txt Crawl-delay above this is capped


@dataclass(frozen=True)
class FetchSettings:
    """How politely and how patiently to fetch. Config fills these from the office's TOML."""

    user_agent: str = "xxgk/0.1 (+mailto:webmaster@example.invalid)"
    rate_per_host: float = 1.0  # max requests per second per host; 0 = unlimited
    concurrency: int = 4  # max requests in flight in total
    per_host_concurrency: int = 1
    timeout: float = 20.0  # seconds, for each of connect / read / write (httpx semantics)
    retries: int = 3  # extra attempts on connection errors, 429 and 5xx
    backoff: float = 1.0  # base seconds: backoff * 2**attempt + jitter in [0, backoff]
    max_retry_after: float = 120.0  # cap on a server's Retry-After
    max_bytes: int = 10 * 1024 * 1024  # size cap per response body (after content decoding)
    obey_robots: bool = True
    max_redirects: int = 5
    # host -> "127.0.0.1:PORT", like curl --resolve: the URL and the Host header keep the
    # host name, the connection goes to the mapped address. Used by the demo and tests.
    resolve: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        checks = {
            "rate_per_host": self.rate_per_host >= 0,
            "concurrency": self.concurrency >= 1,
            "per_host_concurrency": self.per_host_concurrency >= 1,
            "timeout": self.timeout > 0,
            "retries": self.retries >= 0,
            "backoff": self.backoff >= 0,
            "max_retry_after": self.max_retry_after >= 0,
            "max_bytes": self.max_bytes > 0,
            "max_redirects": self.max_redirects >= 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise ConfigError(f"fetch setting {name} = {getattr(self, name)!r} is out of range")
        for host, addr in self.resolve.items():
            if not re.fullmatch(r"(http://)?(\[[0-9a-fA-F:.]+\]|[^:\s/]+):\d{1,5}", addr):
                raise ConfigError(f"fetch setting resolve[{host!r}] = {addr!r}: expected '[http://]ADDRESS:PORT'")


@dataclass(frozen=True)
class Response:
    """One successful answer (200, or 304 when ``not_modified``)."""

    url: str  # final URL after redirects
    status: int
    headers: Mapping[str, str]  # case-insensitive (httpx.Headers)
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


# ---------------------------------------------------------------- politeness


class _HostLimiter:
    """Per-host minimum interval between request starts, on an injectable clock.

    Each caller reserves the next free slot under the lock, then sleeps outside it,
    so concurrent callers to one host are spaced out and other hosts never wait.
    """

    def __init__(self, rate: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._min_interval: dict[str, float] = {}

    def wait(self, host: str) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + max(self._interval, self._min_interval.get(host, 0.0))
        if slot > now:
            self._sleep(slot - now)

    def defer(self, host: str, until: float) -> None:
        """No request to host starts before ``until`` (a server's Retry-After)."""
        with self._lock:
            self._next[host] = max(self._next.get(host, until), until)

    def slow_down(self, host: str, interval: float) -> None:
        """At least ``interval`` seconds between requests to host (robots.txt Crawl-delay)."""
        with self._lock:
            self._min_interval[host] = interval


class _Transient(Exception):
    """An attempt failed in a way worth retrying (connection, timeout, truncated body)."""


@dataclass(frozen=True)
class _Answer:
    url: httpx.URL
    status: int
    headers: httpx.Headers
    content: bytes


def _retry_after(headers: httpx.Headers) -> float | None:
    """Seconds a server asked us to wait (Retry-After: seconds or an HTTP date), or None."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _describe(exc: httpx.RequestError) -> str:
    """A plain-English reason for an httpx transport failure."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out waiting for the server"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({detail})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the connection ({detail})"
    return f"{type(exc).__name__}: {detail}"


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.3g} MiB"


class _RedactHttpxLog(logging.Filter):
    """httpx logs every request URL at INFO; strip credentials from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(str(a)) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


_httpx_logger = logging.getLogger("httpx")
if not any(isinstance(f, _RedactHttpxLog) for f in _httpx_logger.filters):
    _httpx_logger.addFilter(_RedactHttpxLog())


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
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.stats: Counter[str] = Counter()
        self._exact: set[str] = set()
        self._suffixes: list[str] = []
        for entry in allowed_hosts:
            entry = entry.strip().lower().rstrip(".")
            if entry.startswith("*."):
                self._suffixes.append("." + _host(entry[2:]))
            elif entry:
                self._exact.add(_host(entry))
        self._resolve = {_host(h): addr for h, addr in settings.resolve.items()}
        self._clock = clock
        self._sleep = sleep
        self._log = log or logging.getLogger(__name__)
        self._random = random.Random()
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,  # we follow them ourselves, checking each hop
        )
        self._limiter = _HostLimiter(settings.rate_per_host, clock, sleep)
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._in_flight = threading.BoundedSemaphore(settings.concurrency)
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._robots_skipped_warned: set[str] = set()

    # -- public

    def get(self, url: str, *, conditional: bool = True, obey_robots: bool | None = None) -> Response:
        """Fetch one URL (following allowed redirects); raises a FetchError subclass."""
        validators = self._validators(url, conditional)
        result = self._fetch(url, validators, obey_robots)
        if isinstance(result, FetchError):
            raise result
        self._record(url, result)
        return result

    def fetch_many(
        self, urls: Iterable[str], *, conditional: bool = True, obey_robots: bool | None = None
    ) -> Iterator[tuple[str, Response | FetchError]]:
        """Fetch many URLs concurrently; yields (url, Response or FetchError) as each completes.

        The cache is consulted and updated in the calling thread, never in a worker
        (a store's SQLite connection belongs to the thread that opened it).
        """
        workers = self.settings.concurrency
        pending: dict[Future[Response | FetchError], str] = {}
        todo = iter(urls)
        pool = self._executor()
        try:
            while True:
                # A bounded window in flight, so a long iterable streams.
                for url in itertools.islice(todo, 2 * workers - len(pending)):
                    validators = self._validators(url, conditional)
                    pending[pool.submit(self._fetch, url, validators, obey_robots)] = url
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
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
        try:
            target = self._parse(url, url)
            self._check_allowed(url, target, redirected=False)
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            answer = self._send_with_retries(
                url, target, {"Content-Type": "application/json", "Accept": "application/json"}, "POST", body)
            if not 200 <= answer.status < 300:
                raise HttpStatusError(url, answer.status)
        except FetchError as exc:
            self._count("errors")
            raise exc
        return Response(url=str(answer.url), status=answer.status, headers=answer.headers, content=answer.content,
                        not_modified=False, etag=None, last_modified=None)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._client.close()

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
        while True:
            self._check_allowed(url, current, redirected=len(chain) > 1)
            if obey_robots:
                self._check_robots(url, current)
            elif obey_robots is False:
                self._warn_robots_skipped(current.host)
            answer = self._send_with_retries(url, current, headers)
            location = answer.headers.get("location")
            if answer.status not in REDIRECT_STATUSES or not location:
                break
            if len(chain) > self.settings.max_redirects:
                raise TransportError(url, f"more than {self.settings.max_redirects} redirects")
            target = self._parse(url, location, base=current)
            if target in chain:
                hops = " → ".join(redact_url(str(u)) for u in [*chain, target])
                raise TransportError(url, f"redirect loop: {hops}")
            chain.append(target)
            current = target

        final = str(answer.url)
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

    def _parse(self, url: str, raw: str, base: httpx.URL | None = None) -> httpx.URL:
        try:
            parsed = base.join(raw) if base is not None else httpx.URL(raw)
        except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
            raise FetchError(url, f"invalid URL {redact_url(raw)!r}: {exc}") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise FetchError(url, f"not an http(s) URL: {redact_url(str(parsed))}")
        return parsed.copy_with(fragment=None)

    def _check_allowed(self, url: str, target: httpx.URL, *, redirected: bool) -> None:
        host = target.host
        if host in self._exact or any(host.endswith(s) for s in self._suffixes):
            return
        where = f"redirected to {redact_url(str(target))}; " if redirected else ""
        raise HostNotAllowed(url, f"{where}host {host!r} is not in the allow-list")

    # -- attempts and retries

    def _send_with_retries(self, url: str, target: httpx.URL, headers: Mapping[str, str],
                           method: str = "GET", body: bytes | None = None) -> _Answer:
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            last = attempt + 1 == attempts
            try:
                answer = self._attempt(url, target, headers, method, body)
            except _Transient as exc:
                if last:
                    tail = f" after {attempts} attempts" if attempts > 1 else ""
                    raise TransportError(url, f"{exc}{tail}") from None
                why, delay = str(exc), self._backoff(attempt)
            else:
                if answer.status != 429 and not 500 <= answer.status <= 599:
                    if answer.status >= 400:
                        raise HttpStatusError(url, answer.status, attempts=attempt + 1)
                    return answer
                if last:
                    raise HttpStatusError(url, answer.status, attempts=attempts)
                why = f"HTTP {answer.status}"
                asked = _retry_after(answer.headers)
                if asked is None:
                    delay = self._backoff(attempt)
                else:
                    delay = min(asked, self.settings.max_retry_after)
                    self._limiter.defer(target.host, self._clock() + delay)
            self._count("retries")
            self._log.info("%s: %s; retrying in %.1f s", redact_url(str(target)), why, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff
        return base * 2.0**attempt + self._random.uniform(0, base)

    def _attempt(self, url: str, target: httpx.URL, headers: Mapping[str, str],
                 method: str = "GET", body: bytes | None = None) -> _Answer:
        """One request: wait for a host slot and the rate limit, then a global slot; read capped."""
        host = target.host
        request = self._build_request(target, headers, method, body)
        with self._host_slot(host):
            self._limiter.wait(host)
            with self._in_flight:
                self._count("requests")
                self._log.debug("%s %s", method, redact_url(str(target)))
                try:
                    response = self._client.send(request, stream=True)
                except httpx.RequestError as exc:
                    raise _Transient(_describe(exc)) from None
                try:
                    content = b""
                    if 200 <= response.status_code < 300:
                        content = self._read_capped(url, response)
                finally:
                    response.close()
                    self._count("bytes", response.num_bytes_downloaded)
        return _Answer(target, response.status_code, response.headers, content)

    def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise TooLarge(url, f"Content-Length {_mib(int(declared))} is over the {_mib(cap)} cap")
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > cap:
                    raise TooLarge(url, f"body is over the {_mib(cap)} cap")
        except httpx.RequestError as exc:  # includes a body shorter than its Content-Length
            raise _Transient(_describe(exc) + " while reading the body") from None
        return bytes(body)

    def _build_request(self, target: httpx.URL, headers: Mapping[str, str],
                       method: str = "GET", body: bytes | None = None) -> httpx.Request:
        sent = {"User-Agent": self.settings.user_agent, **headers}
        extensions: dict[str, Any] = {}
        address = self._resolve.get(target.host)
        connect_to = target
        if address is not None:
            # "http://ADDR:PORT" also drops TLS: a loopback test server standing in for an https host.
            plain = address.startswith("http://")
            addr_host, _, addr_port = address.removeprefix("http://").rpartition(":")
            connect_to = target.copy_with(host=addr_host.strip("[]"), port=int(addr_port))
            if plain:
                connect_to = connect_to.copy_with(scheme="http")
            sent["Host"] = target.netloc.decode("ascii")
            if target.scheme == "https" and not plain:
                extensions["sni_hostname"] = target.host
        return self._client.build_request(method, connect_to, headers=sent, content=body, extensions=extensions)

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

    def _check_robots(self, url: str, target: httpx.URL) -> None:
        rules = self._robots_for(target)
        if not rules.can_fetch(self.settings.user_agent, str(target)):
            raise RobotsDisallowed(url, f"robots.txt of {target.host} disallows {redact_url(str(target))}")

    def _robots_for(self, target: httpx.URL) -> urllib.robotparser.RobotFileParser:
        origin = target.copy_with(path="/robots.txt", query=None, fragment=None)
        key = str(origin)
        with self._lock:
            lock = self._robots_locks.setdefault(key, threading.Lock())
        with lock:  # one fetch per origin even when many threads ask at once
            rules = self._robots.get(key)
            if rules is None:
                rules = self._robots[key] = self._load_robots(origin)
        return rules

    def _load_robots(self, robots_url: httpx.URL) -> urllib.robotparser.RobotFileParser:
        rules = urllib.robotparser.RobotFileParser(str(robots_url))
        where = redact_url(str(robots_url))
        try:
            response = self._get(str(robots_url), obey_robots=None)
        except HttpStatusError as exc:
            if exc.status >= 500:
                self._log.warning("%s: %s; treating every path as allowed", where, exc.reason)
            else:  # RFC 9309 §2.3.1.3: 4xx means "no rules"
                self._log.debug("%s: HTTP %s, no rules", where, exc.status)
            rules.parse([])  # no rules: everything allowed
            return rules
        except FetchError as exc:
            self._log.warning("%s unavailable (%s); treating every path as allowed", where, exc.reason)
            rules.parse([])
            return rules
        # RFC 9309: robots.txt is UTF-8; a BOM would otherwise hide the first User-agent line.
        rules.parse(response.content.decode("utf-8-sig", errors="replace").splitlines())
        delay = rules.crawl_delay(self.settings.user_agent)
        if delay:
            self._limiter.slow_down(robots_url.host, min(float(delay), MAX_CRAWL_DELAY))
        return rules

    def _warn_robots_skipped(self, host: str) -> None:
        with self._lock:
            if host in self._robots_skipped_warned:
                return
            self._robots_skipped_warned.add(host)
        self._log.warning("not checking robots.txt for %s (obey_robots is off)", host)


def _host(name: str) -> str:
    """A host name as httpx spells it in URLs (lower case, IDNA-encoded)."""
    try:
        return httpx.URL(f"http://{name}/").host
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return name.lower()
