"""The one HTTP client: every request xxgk makes goes through ``Fetcher``.

Government sites are small, slow and sometimes fragile, and they are public
services: we fetch only the hosts the office's config names (redirects included),
obey robots.txt, go at most ``rate_per_host`` requests a second and
``per_host_concurrency`` at a time to each host, retry only what is worth retrying
(connection errors, 429, 5xx) with backoff, and cap every body's size. Conditional
requests (ETag / Last-Modified) keep a nightly run cheap when nothing changed.

The transport is urllib3 (connection pools, timeouts, gzip): it costs about a
third of the CPU per request that httpx did on this machine kind (0.3 ms against
1 ms with 8 threads), and a nightly crawl is CPU-bound on the client. Everything
above the socket (redirects, retries, robots.txt, the size cap, caching) is ours,
so the transport stays a detail of ``_attempt``.

Decoding is ours too (a page that names no charset is not UTF-8 by default):
see ``pipeline.decode.decode_body`` (re-exported here).

Errors are the ``FetchError`` subclasses of ``pipeline.errors``; their messages and
our logs never show credential query parameters (``redact_url``).
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import random
import re
import threading
import time
import urllib.robotparser
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any, Protocol
from urllib.parse import urljoin

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import (
    LocationParseError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util import Url, parse_url

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
DEFAULT_PORTS = {"http": 80, "https": 443}
ACCEPT_ENCODING = "gzip, deflate"  # what urllib3 decodes without extra packages
CHUNK = 64 * 1024
MAX_CRAWL_DELAY = 60.0  # seconds; a robots.txt Crawl-delay above this is capped


@dataclass(frozen=True)
class FetchSettings:
    """How politely and how patiently to fetch. Config fills these from the office's TOML."""

    user_agent: str = "xxgk/0.1 (+mailto:webmaster@example.invalid)"
    rate_per_host: float = 1.0  # max requests per second per host; 0 = unlimited
    concurrency: int = 4  # max requests in flight in total
    per_host_concurrency: int = 1
    timeout: float = 20.0  # seconds, for connecting and for each read
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
    url: Url
    status: int
    headers: Mapping[str, str]
    content: bytes


def _retry_after(headers: Mapping[str, str]) -> float | None:
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


def _describe(exc: Exception) -> str:
    """A plain-English reason for a transport failure (urllib3 or socket)."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, NameResolutionError):
        return f"could not find the host ({detail})"
    if isinstance(exc, NewConnectionError):  # before timeouts: urllib3 files it under ConnectTimeoutError
        return f"could not connect ({detail.rpartition(': ')[2]})"
    if isinstance(exc, Urllib3Timeout):
        return "timed out connecting" if "connect" in detail.lower() else "timed out waiting for the server"
    if isinstance(exc, ProtocolError):
        return f"the server broke the connection ({detail})"
    if isinstance(exc, SSLError):
        return f"TLS failed ({detail})"
    return f"{type(exc).__name__}: {detail}"


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.3g} MiB"


class _RedactRequestLog(logging.Filter):
    """urllib3 logs every request line (path and query) at DEBUG; strip credentials from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(a) if isinstance(a, str) and "?" in a else a for a in record.args)
        return True


_transport_logger = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(f, _RedactRequestLog) for f in _transport_logger.filters):
    _transport_logger.addFilter(_RedactRequestLog())


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
        # Redirects and retries are ours (each hop is checked), so urllib3 does neither.
        self._pools = urllib3.PoolManager(
            num_pools=64, maxsize=max(settings.per_host_concurrency, 1), block=False, retries=False,
            timeout=urllib3.Timeout(connect=settings.timeout, read=settings.timeout),
        )
        self._headers = {"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING}
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
        return Response(url=answer.url.url, status=answer.status, headers=answer.headers, content=answer.content,
                        not_modified=False, etag=None, last_modified=None)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pools.clear()

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
                hops = " → ".join(redact_url(u.url) for u in [*chain, target])
                raise TransportError(url, f"redirect loop: {hops}")
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
        host = target.host
        if host in self._exact or any(host.endswith(s) for s in self._suffixes):
            return
        where = f"redirected to {redact_url(target.url)}; " if redirected else ""
        raise HostNotAllowed(url, f"{where}host {host!r} is not in the allow-list")

    # -- attempts and retries

    def _send_with_retries(self, url: str, target: Url, headers: Mapping[str, str],
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
            self._log.info("%s: %s; retrying in %.1f s", redact_url(target.url), why, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff
        return base * 2.0**attempt + self._random.uniform(0, base)

    def _attempt(self, url: str, target: Url, headers: Mapping[str, str],
                 method: str = "GET", body: bytes | None = None) -> _Answer:
        """One request: wait for a host slot and the rate limit, then a global slot; read capped."""
        host = target.host
        pool, sent = self._connection(target, headers)
        with self._host_slot(host):
            self._limiter.wait(host)
            with self._in_flight:
                self._count("requests")
                if self._log.isEnabledFor(logging.DEBUG):
                    self._log.debug("%s %s", method, redact_url(target.url))
                try:
                    response = pool.urlopen(method, target.request_uri, body=body, headers=sent, redirect=False,
                                            retries=False, assert_same_host=False, preload_content=False)
                except (Urllib3Error, OSError) as exc:
                    raise _Transient(_describe(exc)) from None
                content, read_all = b"", False
                try:
                    if 200 <= response.status < 300:
                        content = self._read_capped(url, response)
                        read_all = True
                finally:
                    self._count("bytes", response.tell())
                    _finish(response, read_all)
        return _Answer(target, response.status, response.headers, content)

    def _read_capped(self, url: str, response: urllib3.BaseHTTPResponse) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise TooLarge(url, f"Content-Length {_mib(int(declared))} is over the {_mib(cap)} cap")
        body = bytearray()
        try:
            for chunk in response.stream(CHUNK, decode_content=True):
                body += chunk
                if len(body) > cap:
                    raise TooLarge(url, f"body is over the {_mib(cap)} cap")
        except (Urllib3Error, OSError) as exc:  # includes a body shorter than its Content-Length
            raise _Transient(_describe(exc) + " while reading the body") from None
        return bytes(body)

    def _connection(self, target: Url, headers: Mapping[str, str]
                    ) -> tuple[urllib3.HTTPConnectionPool, dict[str, str]]:
        """The pool to send target's request to, and the headers to send (resolve applied)."""
        sent = {**self._headers, **headers}
        scheme, host, port = target.scheme, target.host, target.port or DEFAULT_PORTS[target.scheme]
        pool_options: dict[str, Any] = {}
        address = self._resolve.get(target.host)
        if address is not None:
            # "http://ADDR:PORT" also drops TLS: a loopback test server standing in for an https host.
            plain = address.startswith("http://")
            addr_host, _, addr_port = address.removeprefix("http://").rpartition(":")
            host, port = addr_host.strip("[]"), int(addr_port)
            if plain:
                scheme = "http"
            elif scheme == "https":  # TLS still names (and checks) the real host
                pool_options = {"server_hostname": target.host, "assert_hostname": target.host}
            sent["Host"] = target.netloc
        return self._pools.connection_from_host(host, port, scheme, pool_kwargs=pool_options), sent

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
        if not rules.entries and rules.default_entry is None and not rules.disallow_all:
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
        rules = urllib.robotparser.RobotFileParser(robots_url.url)
        where = redact_url(robots_url.url)
        try:
            response = self._get(robots_url.url, obey_robots=None)
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
    """A host name as it is spelt in URLs (lower case, IDNA-encoded)."""
    try:
        return parse_url(f"http://{name}/").host or name.lower()
    except (LocationParseError, UnicodeError, ValueError):
        return name.lower()


def _normal_url(raw: str) -> Url:
    """raw parsed and normalised: scheme and host lower case, IDNA host, non-ASCII percent-encoded,
    no fragment, no default port, "/" for an empty path (so equal URLs compare equal)."""
    parsed = parse_url(raw)
    port = None if parsed.port == DEFAULT_PORTS.get(parsed.scheme or "") else parsed.port
    return parsed._replace(port=port, path=parsed.path or "/", fragment=None)


def _finish(response: urllib3.BaseHTTPResponse, read_all: bool) -> None:
    """Give the connection back for reuse when nothing of the answer is left unread (or only a
    small error page, drained here); otherwise drop it: a body over the size cap is not worth reading."""
    left = getattr(response, "length_remaining", None)  # None: unknown (chunked, or read until close)
    if read_all or (left is not None and left <= CHUNK):
        response.drain_conn()
        response.release_conn()
    else:
        response.close()
