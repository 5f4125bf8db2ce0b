"""Politeness toward a host: when the next request to it may start (shared by the clients of a
district's offices, so a host they have in common sees one polite client), a server's Retry-After,
and which hosts a fetcher may ask at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url


class HostSlots:
    """When the next request to each host may start: one per client, or shared by the clients
    of several offices run together (pipeline/district/run.py: FetchSettings.shared_slots), so a
    host the offices have in common sees them as one polite client."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.next: dict[str, float] = {}
        self.min_interval: dict[str, float] = {}


class HostLimiter:
    """Per-host minimum interval between request starts, on an injectable clock.

    Each caller reserves the next free slot under the lock, then sleeps outside it,
    so concurrent callers to one host are spaced out and other hosts never wait.
    """

    def __init__(self, rate: float, clock: Callable[[], float], sleep: Callable[[float], None],
                 slots: HostSlots | None = None) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        slots = slots or HostSlots()
        self._lock = slots.lock
        self._next: dict[str, float] = slots.next
        self._min_interval: dict[str, float] = slots.min_interval

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


def retry_after(headers: Mapping[str, str]) -> float | None:
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


class AllowList:
    """The hosts a fetcher may ask: exact names, and "*.example.cn" for every sub-domain of example.cn."""

    def __init__(self, entries: Iterable[str]) -> None:
        self._exact: set[str] = set()
        self._suffixes: list[str] = []
        for entry in entries:
            entry = entry.strip().lower().rstrip(".")
            if entry.startswith("*."):
                self._suffixes.append("." + host_name(entry[2:]))
            elif entry:
                self._exact.add(host_name(entry))

    def admits(self, host: str) -> bool:
        """Whether ``host`` (as spelt in URLs: lower case, IDNA) is on the list."""
        return host in self._exact or any(host.endswith(s) for s in self._suffixes)

    def admits_url(self, url: str) -> bool:
        """Whether the host of ``url`` is on the list."""
        return self.admits(host_name(urlsplit(url).hostname or ""))


def host_name(name: str) -> str:
    """A host name as it is spelt in URLs (lower case, IDNA-encoded)."""
    try:
        return parse_url(f"http://{name}/").host or name.lower()
    except (LocationParseError, UnicodeError, ValueError):
        return name.lower()
