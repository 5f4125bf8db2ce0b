"""The posts one dedupe run files, looked up in memory while they can still match.

A nightly run adds few posts; a first run over a district's history adds a hundred
thousand. Posts arrive oldest first, so a post can only match this run's posts published
within the merge window before it (or, by 索引号/文号, at any date). The index keeps just
those in memory — a sliding window, plus the few posts with an identity key — and writes
every post's sketch and keys to `post_sketches` / `post_keys` in batches as it leaves the
window. Memory stays flat and time linear in what the run adds; posts filed by earlier
runs are found through the indexed `post_keys` table (dedupe.candidates).
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from . import merge_rules as rules
from .store import Store

FLUSH = 5000  # posts written per batch


@dataclass(frozen=True)
class Candidate:
    item_id: str
    sketch: rules.PostSketch
    identity_rule: str | None


def filing_keys(sketch: rules.PostSketch, identity: dict[int, str]) -> list[int]:
    """Every key a post is filed under (post_keys)."""
    return sorted(set(rules.exact_keys(sketch)) | set(rules.end_keys(sketch)) | set(sketch.bands) | set(identity))


class RunIndex:
    """This run's posts still inside the merge window (and those with an identity key)."""

    def __init__(self, store: Store, window: int) -> None:
        self.store, self.window = store, window
        self.next_sid = store.db.execute("SELECT COALESCE(MAX(sid), 0) + 1 FROM post_sketches").fetchone()[0]
        self.posts: dict[int, tuple[rules.PostSketch, str]] = {}  # sid → (slim sketch, item id)
        self.recent: dict[int, deque[int]] = {}  # windowed key → sids, oldest first
        self.identity: dict[int, list[tuple[int, str]]] = {}  # identity key → (sid, rule)
        self.queue: deque[tuple[int, int, list[int], bool]] = deque()  # (at, sid, windowed keys, keep)
        self.rows: list[tuple] = []
        self.keys: list[tuple[int, int, int]] = []

    def add(self, sketch: rules.PostSketch, identity: dict[int, str], item_id: str) -> None:
        sid, self.next_sid = self.next_sid, self.next_sid + 1
        filed = filing_keys(sketch, identity)
        windowed = [k for k in filed if k not in identity]
        self.posts[sid] = (sketch, item_id)
        for key in windowed:
            self.recent.setdefault(key, deque()).append(sid)
        for key, rule in identity.items():
            self.identity.setdefault(key, []).append((sid, rule))
        self.queue.append((sketch.at, sid, windowed, bool(identity)))
        self.rows.append((sid, sketch.post_id, sketch.post_id, sketch.at, sketch.title_key,
                          ",".join(map(str, sorted(sketch.numbers))), sketch.body_chars, sketch.body_hash, sketch.sig,
                          array("q", filed).tobytes()))
        self.keys.extend((k, sketch.at, sid) for k in filed)
        if len(self.rows) >= FLUSH:
            self.write()

    def _evict(self, now: int) -> None:
        """Forget posts published more than a window before `now`: nothing later can match them
        by a windowed key (posts come oldest first)."""
        while self.queue and self.queue[0][0] < now - self.window:
            _, sid, windowed, keep = self.queue.popleft()
            for key in windowed:
                bucket = self.recent[key]
                bucket.popleft()  # sids in a bucket are in time order: the oldest is this one
                if not bucket:
                    del self.recent[key]
            if not keep:
                del self.posts[sid]

    def _recent(self, keys: Sequence[int]) -> list[int]:
        out: list[int] = []
        for key in keys:
            bucket = self.recent.get(key)
            if bucket:
                out.extend(bucket)
        return out

    def candidates(self, sketch: rules.PostSketch, identity: dict[int, str]) -> list[Candidate]:
        """As dedupe.candidates, among this run's posts."""
        self._evict(sketch.at)
        found: dict[int, Candidate] = {}
        for sid in self._recent(rules.exact_keys(sketch) + list(sketch.bands)):
            if sid not in found:
                other, item_id = self.posts[sid]
                found[sid] = Candidate(item_id, other, None)
        for sid in self._recent(rules.end_keys(sketch)):
            other, item_id = self.posts[sid]
            if sid not in found and (other.title_key in sketch.title_key or sketch.title_key in other.title_key):
                found[sid] = Candidate(item_id, other, None)
        for key in identity:
            for sid, rule in self.identity.get(key, ()):
                other, item_id = self.posts[sid]
                found[sid] = Candidate(item_id, other, rule)
        return list(found.values())

    def write(self) -> None:
        """Store the sketches and keys added since the last write."""
        if self.rows:
            self.store.db.conn.executemany(
                """INSERT INTO post_sketches (sid, post_id, version, at, title_key, numbers, body_chars, body_hash,
                   sig, keys) VALUES (?, ?, (SELECT version FROM posts WHERE id = ?), ?, ?, ?, ?, ?, ?, ?)""", self.rows)
            self.keys.sort()
            self.store.db.conn.executemany("INSERT OR IGNORE INTO post_keys (key, at, sid) VALUES (?, ?, ?)", self.keys)
        self.rows, self.keys = [], []
