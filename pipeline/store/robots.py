"""The store's side of fetch.RobotsCache: robots.txt kept between runs.

RFC 9309 §2.4: a crawler may use a cached robots.txt, "SHOULD NOT use the cached version for
more than 24 hours". The nightly run fetches every host's robots.txt afresh and keeps it; the
hourly re-checks (``xxgk recheck``) reuse a copy younger than ``ROBOTS_LIFETIME`` instead of
asking every hour. A robots.txt that was absent (4xx) is kept as "" (no rules); a 5xx or an
unreachable host is not kept (the fetcher allows everything for that run only, as before).

Like HttpCache: fetcher threads call ``fresh``/``keep``, which touch only memory; ``flush``
writes from the stage's own thread.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from .store import Store, iso, parse_iso

ROBOTS_LIFETIME = timedelta(hours=24)  # RFC 9309 §2.4


class StoredRobots:
    """robots.txt bodies by URL, as of the run's ``now``; ``lifetime`` None: never reused (refreshed)."""

    def __init__(self, store: Store, now: datetime, lifetime: timedelta | None = ROBOTS_LIFETIME):
        self.store = store
        self.now = now
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._known = {url: (body, parse_iso(at)) for url, body, at in
                       store.db.execute("SELECT url, body, fetched_at FROM robots_txt").fetchall()}
        self._pending: dict[str, str] = {}

    def fresh(self, url: str) -> str | None:
        """The kept robots.txt of ``url`` if younger than the lifetime, else None (fetch it)."""
        if self.lifetime is None:
            return None
        with self._lock:
            body, at = self._known.get(url, ("", None))
        return body if at is not None and timedelta(0) <= self.now - at < self.lifetime else None

    def keep(self, url: str, body: str) -> None:
        with self._lock:
            self._pending[url] = body
            self._known[url] = (body, self.now)

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        at = iso(self.now)
        with self.store.transaction():
            self.store.db.conn.executemany(
                "INSERT INTO robots_txt (url, body, fetched_at) VALUES (?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
                [(url, body, at) for url, body in pending.items()])
