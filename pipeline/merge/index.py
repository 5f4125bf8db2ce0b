"""The posts one dedupe run files, matched in memory while they can still match.

A nightly run adds few posts; a first run over a district's history adds a hundred
thousand. Posts arrive oldest first, so a post can only match this run's posts published
within the merge window before it (or, by 索引号/文号, at any date). The index takes the
run a chunk at a time: the chunk and the posts of the window before it are laid side by
side as numpy arrays, and every pair that shares a windowed key (title, text, title ends,
LSH band) within the window is drawn at once (`shared_key_pairs`). Template look-alikes
crowd the same buckets as a run grows denser (the monthly notice, the same activity in the
next community), so the pairs the rules must turn down on their titles' numbers are dropped
in the same pass (through a bitmask), and the body estimates of the rest are taken in one
go: a crowded bucket costs numpy time, and `rules.judge` sees only the few pairs left.
Identity keys (索引号/文号) match at any date and are kept in a dict.

Memory stays flat (the window, and the few posts with an identity key) and time linear
in what the run adds. Every post's sketch and keys are written to `post_sketches` /
`post_keys` in batches; posts filed by earlier runs are found through the indexed
`post_keys` table (dedupe.candidates).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

import numpy as np

from . import rules
from . import similarity as sim
from ..store import Store

FLUSH = 5000  # sketches written per batch
KEYS_FLUSH = 2_000_000  # post_keys rows held before writing (48 MB)
INSIDE_RATIO = 0.85  # a copy this much shorter than another may lie inside it (paragraphs dropped)
EXACT, BAND, END = 0, 1, 2  # how two posts share a key; END pairs also need one title inside the other


class Filing(Protocol):
    """A post to file (dedupe.Pending)."""

    @property
    def sketch(self) -> rules.PostSketch: ...
    @property
    def identity(self) -> dict[int, str]: ...  # identity key → rule
    @property
    def version(self) -> int: ...


class Candidate(NamedTuple):
    item_id: str
    sketch: rules.PostSketch
    identity_rule: str | None
    estimate: float | None = None  # body similarity from the signatures, if taken already
    vetoes: bool = False  # judged already: the same title, a body that disagrees (rules its item out)


def filing_keys(sketch: rules.PostSketch, identity: dict[int, str]) -> list[int]:
    """Every key a post is filed under (post_keys)."""
    return sorted(set(rules.exact_keys(sketch)) | set(rules.end_keys(sketch)) | set(sketch.bands) | set(identity))


def windowed_keys(sketch: rules.PostSketch, identity: dict[int, str]) -> dict[int, int]:
    """The keys a post matches on within the window, each with how it is shared (EXACT first)."""
    kinds = dict.fromkeys(rules.end_keys(sketch), END)
    kinds.update(dict.fromkeys(sketch.bands, BAND))
    kinds.update(dict.fromkeys(rules.exact_keys(sketch), EXACT))
    for key in identity:
        kinds.pop(key, None)
    return kinds


def number_mask(numbers: frozenset[int]) -> int:
    """A 64-bit set of a title's numbers: a bit in one mask missing from the other proves the
    sets differ there (sim.numbers_conflict); equal bits prove nothing, and judge decides."""
    mask = 0
    for n in numbers:
        mask |= 1 << ((n * 0x9E3779B97F4A7C15) >> 58 & 63)
    return mask


class _Window(NamedTuple):
    """Posts side by side, by position: what pairing a chunk needs of them."""

    sid: np.ndarray  # int64
    at: np.ndarray  # int64
    mask: np.ndarray  # uint64 number_mask
    sig: np.ndarray  # uint32 [n, BINS], zeros without a signature
    has_sig: np.ndarray  # bool
    key: np.ndarray  # int64, one per windowed key of a post
    key_pos: np.ndarray  # int64: the post's position
    key_kind: np.ndarray  # int8
    chars: np.ndarray = np.empty(0, np.int64)  # int64 body_chars (screening on body overlap)

    @classmethod
    def empty(cls) -> _Window:
        i64 = np.empty(0, np.int64)
        return cls(i64, i64, np.empty(0, np.uint64), np.empty((0, sim.BINS), np.uint32), np.empty(0, bool),
                   i64, i64, np.empty(0, np.int8), i64)

    def then(self, other: _Window) -> _Window:
        """These posts followed by the other's."""
        shift = len(self.sid)
        return _Window(*(np.concatenate([a, b + shift if name == "key_pos" else b])
                         for name, a, b in zip(self._fields, self, other)))

    def since(self, start: int) -> _Window:
        """The posts published at or after `start`, renumbered from 0."""
        keep = self.at >= start
        first = int(np.argmax(keep)) if keep.any() else len(keep)  # posts are in time order
        by_key = self.key_pos >= first
        return _Window(self.sid[first:], self.at[first:], self.mask[first:], self.sig[first:], self.has_sig[first:],
                       self.key[by_key], self.key_pos[by_key] - first, self.key_kind[by_key], self.chars[first:])


def shared_key_pairs(w: _Window, first_new: int, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of positions (old, new) with new >= first_new, old before new, sharing a key,
    published at most `window` seconds apart: one row per pair, with the least kind it is shared by."""
    order = np.lexsort((w.key_pos, w.key))
    key, pos, kind = w.key[order], w.key_pos[order], w.key_kind[order]
    n = len(key)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    at = w.at[pos]
    # Group by group, posts in time order: one sorted scale, searched for each entry's window end.
    scale = group * (1 << 40) + (at - at.min())
    end = np.searchsorted(scale, scale + window, side="right")
    olds_first = starts + np.add.reduceat((pos < first_new).astype(np.int64), starts)  # first new post of a group
    lo = np.maximum(np.arange(1, n + 1), olds_first[group])
    count = np.maximum(end - lo, 0)
    left = np.repeat(np.arange(n), count)
    right = lo[left] + np.arange(len(left)) - np.repeat(np.cumsum(count) - count, count)
    # One row per pair, with the least kind it is shared by (by its title or text beats by its ends).
    code = np.sort((pos[right] * len(w.sid) + pos[left]) * 4 + kind[right])
    leads = np.ones(len(code), bool)
    leads[1:] = code[1:] >> 2 != code[:-1] >> 2
    code = code[leads]
    pair, how = code >> 2, (code & 3).astype(np.int8)
    return pair % len(w.sid), pair // len(w.sid), how


def _estimates(sig: np.ndarray, old: np.ndarray, new: np.ndarray, slice_: int = 1 << 15) -> np.ndarray:
    """sim.similarity of each pair of rows, a slice of pairs at a time (bounded memory)."""
    equal = np.empty(len(old), np.int64)
    for start in range(0, len(old), slice_):
        part = slice(start, start + slice_)
        equal[part] = np.count_nonzero(sig[old[part]] == sig[new[part]], axis=1)
    return equal / sim.BINS


class RunIndex:
    """This run's posts still inside the merge window (and those with an identity key)."""

    def __init__(self, store: Store, window: int) -> None:
        self.store, self.window = store, window
        self.next_sid = store.db.execute("SELECT COALESCE(MAX(sid), 0) + 1 FROM post_sketches").fetchone()[0]
        self.tail = _Window.empty()  # the posts a next chunk can still match by a windowed key
        self.sketches: dict[int, rules.PostSketch] = {}  # sid → sketch, for the tail and identity posts
        self.items: dict[int, str] = {}  # sid → item id, likewise
        self.identity: dict[int, tuple[tuple[int, str], ...]] = {}  # identity key → (sid, rule) pairs
        self.keep: set[int] = set()  # sids with an identity key: kept for good
        self.gone: list[int] = []  # sids out of the window, forgotten once their chunk is assigned
        self.rows: list[tuple[Any, ...]] = []  # post_sketches rows to write
        self.key_rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # post_keys (key, at, sid) to write
        self.key_count = 0

    def screen(self, chunk: Sequence[Filing]) -> list[tuple[int, list[Any]]]:
        """File a chunk of posts (oldest first), and for each its sid and the earlier posts of this
        run it could be a copy of by a windowed key: (sid, body estimate) of those `rules.judge`
        does not turn down. (Identity matches come from `candidates`.)"""
        self._forget()
        first_new = len(self.tail.sid)
        new = self._lay_out(chunk)
        w = self.tail.then(new)
        sketches = self.sketches
        old, new_pos, how = shared_key_pairs(w, first_new, self.window)
        # Titles naming different numbers (3月 vs 4月): judge turns every such pair down.
        m_old, m_new = w.mask[old], w.mask[new_pos]
        open_ = ((m_old & ~m_new) == 0) | ((m_new & ~m_old) == 0)
        old, new_pos, how = old[open_], new_pos[open_], how[open_]
        both = w.has_sig[old] & w.has_sig[new_pos]
        equal = _estimates(w.sig, old, new_pos)
        # Unless they share a title or text key, two posts merge only on a body estimate of LEAST_BODY,
        # or, when one title contains the other (judge), on bodies that agree (rules.body_overlap): a
        # shorter copy inside a longer one (paragraphs dropped; the pair may be drawn by a shared LSH
        # band before its title ends), or a short body, whose estimate is rough.
        a, b = w.chars[old], w.chars[new_pos]
        shorter, longer = np.minimum(a, b), np.maximum(a, b)
        overlap = equal * (a + b) / ((1 + equal) * np.maximum(shorter, 1))
        inside = (overlap >= rules.SAME_TITLE_OVERLAP) & (shorter < INSIDE_RATIO * longer)
        short = (how == END) & (shorter < rules.LONG_BODY) & (overlap >= rules.LOOSE_OVERLAP)
        open_ = (how == EXACT) | ~both | (equal >= rules.LEAST_BODY) | inside | short
        old, new_pos, how, both, equal = old[open_], new_pos[open_], how[open_], both[open_], equal[open_]
        nearby: list[list[Any]] = [[] for _ in chunk]
        sid0 = int(new.sid[0]) if len(chunk) else 0
        for o, n, h, e, b in zip(w.sid[old].tolist(), w.sid[new_pos].tolist(), how.tolist(), equal.tolist(),
                                 both.tolist()):
            this, other = sketches[n], sketches[o]
            if h == END and not (other.title_key in this.title_key or this.title_key in other.title_key):
                continue
            estimate = e if b else None
            if rules.judge(this, other, self.window, estimate=estimate) is not None:
                nearby[n - sid0].append((o, estimate, False))
            elif this.title_key == other.title_key and b:  # same title, bodies disagree: it rules its item out
                nearby[n - sid0].append((o, estimate, True))
        if len(w.sid):  # the next chunk starts no earlier than this one ends
            self.tail = w.since(int(w.at[-1]) - self.window)
            self.gone = w.sid[:len(w.sid) - len(self.tail.sid)].tolist()
        return list(zip(new.sid.tolist(), nearby))

    def _forget(self) -> None:
        for sid in self.gone:
            if sid not in self.keep:
                del self.sketches[sid], self.items[sid]
        self.gone = []

    def _lay_out(self, chunk: Sequence[Filing]) -> _Window:
        """Give a chunk its sids and arrays, and queue its sketches and keys for writing."""
        sketches = [post.sketch for post in chunk]
        sids = np.arange(self.next_sid, self.next_sid + len(chunk), dtype=np.int64)
        self.next_sid += len(chunk)
        self.sketches.update(zip(sids.tolist(), sketches))
        keys: list[int] = []
        key_pos: list[int] = []
        kinds: list[int] = []
        for pos, post in enumerate(chunk):
            windowed = windowed_keys(post.sketch, post.identity)
            keys += windowed
            key_pos += [pos] * len(windowed)
            kinds += windowed.values()
        signed = [s.sig for s in sketches if s.sig is not None]
        has_sig = np.array([s.sig is not None for s in sketches], bool)
        sig = np.zeros((len(chunk), sim.BINS), np.uint32)
        sig[has_sig] = np.frombuffer(b"".join(signed), np.uint32).reshape(len(signed), sim.BINS)
        laid = _Window(sids, np.array([s.at for s in sketches], np.int64),
                       np.array([number_mask(s.numbers) for s in sketches], np.uint64),
                       sig, has_sig, np.array(keys, np.int64), np.array(key_pos, np.int64), np.array(kinds, np.int8),
                       np.array([s.body_chars for s in sketches], np.int64))
        self._queue(chunk, laid)
        return laid

    def candidates(self, nearby: list[tuple[int, float | None, bool]], identity: dict[int, str]) -> list[Candidate]:
        """As dedupe.candidates, among this run's posts: those `screen` found (and those that
        rule their item out), and those with the same 索引号/文号 at any date."""
        found = {sid: Candidate(self.items[sid], self.sketches[sid], None, estimate, veto)
                 for sid, estimate, veto in nearby}
        for key in identity:
            for sid, rule in self.identity.get(key, ()):
                found[sid] = Candidate(self.items[sid], self.sketches[sid], rule)
        return list(found.values())

    def assign(self, sid: int, identity: dict[int, str], item_id: str) -> None:
        """Record the item a screened post went to: later posts that match it join that item."""
        self.items[sid] = item_id
        for key, rule in identity.items():  # tuples, not lists: the GC need not visit them
            self.identity[key] = (*self.identity.get(key, ()), (sid, rule))

    def _queue(self, chunk: Sequence[Filing], laid: _Window) -> None:
        """Queue a chunk's post_sketches rows, and its post_keys rows: windowed and identity keys."""
        identity = [(key, pos) for pos, post in enumerate(chunk) for key in post.identity]
        self.keep.update(laid.sid[sorted({pos for _, pos in identity})].tolist())
        key = np.concatenate([laid.key, np.array([k for k, _ in identity], np.int64)])
        pos = np.concatenate([laid.key_pos, np.array([p for _, p in identity], np.int64)])
        order = np.lexsort((key, pos))  # each post's keys, sorted: the `keys` column
        key, pos = key[order], pos[order]
        self.key_rows.append((key, laid.at[pos], laid.sid[pos]))
        self.key_count += len(key)
        filed, bounds = key.tobytes(), (np.searchsorted(pos, np.arange(len(chunk) + 1)) * 8).tolist()
        for i, (post, sid) in enumerate(zip(chunk, laid.sid.tolist())):
            s = post.sketch
            self.rows.append((sid, s.post_id, post.version, s.at, s.title_key, ",".join(map(str, sorted(s.numbers))),
                              s.body_chars, s.body_hash, s.sig, filed[bounds[i]:bounds[i + 1]], s.idx or None,
                              s.doc or None, ",".join(map(str, sorted(s.days)))))
        if len(self.rows) >= FLUSH:
            self.write(keys=self.key_count >= KEYS_FLUSH)

    def write(self, keys: bool = True) -> None:
        """Store the sketches queued since the last write, and their keys (unless `keys` is
        false: keys are written in large batches, sorted, so that the key index fills page
        by page instead of at random)."""
        if self.rows:
            self.store.db.conn.executemany(
                """INSERT INTO post_sketches (sid, post_id, version, at, title_key, numbers, body_chars, body_hash,
                   sig, keys, idx, doc, days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", self.rows)
            self.rows = []
        if keys and self.key_rows:
            key, at, sid = (np.concatenate(column) for column in zip(*self.key_rows))
            order = np.lexsort((sid, at, key))
            for part in np.array_split(order, len(order) // 50_000 + 1):  # as Python ints, a slice at a time
                self.store.db.conn.executemany("INSERT OR IGNORE INTO post_keys (key, at, sid) VALUES (?, ?, ?)",
                                               zip(key[part].tolist(), at[part].tolist(), sid[part].tolist()))
            self.key_rows, self.key_count = [], 0


def file_post(store: Store, sketch: rules.PostSketch, identity: dict[int, str]) -> None:
    """Store one post's sketch and file it under its keys, replacing an older version's."""
    keys = filing_keys(sketch, identity)
    unfile_post(store, sketch.post_id)
    cur = store.db.execute(
        """INSERT INTO post_sketches (post_id, version, at, title_key, numbers, body_chars, body_hash, sig, keys,
           idx, doc, days) VALUES (?, (SELECT version FROM posts WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [sketch.post_id, sketch.post_id, sketch.at, sketch.title_key, ",".join(map(str, sorted(sketch.numbers))),
         sketch.body_chars, sketch.body_hash, sketch.sig, array("q", keys).tobytes(), sketch.idx or None,
         sketch.doc or None, ",".join(map(str, sorted(sketch.days)))],
    )
    store.db.conn.executemany("INSERT OR IGNORE INTO post_keys (key, at, sid) VALUES (?, ?, ?)",
                         [(k, sketch.at, cur.lastrowid) for k in keys])


def unfile_post(store: Store, post_id: str) -> None:
    """Remove a post's sketch and keys, if filed."""
    old = store.db.conn.execute("SELECT sid, at, keys FROM post_sketches WHERE post_id = ?", [post_id]).fetchone()
    if old:
        store.db.conn.executemany("DELETE FROM post_keys WHERE key = ? AND at = ? AND sid = ?",
                             [(k, old[1], old[0]) for k in array("q", old[2] or b"")])
        store.db.execute("DELETE FROM post_sketches WHERE sid = ?", [old[0]])
