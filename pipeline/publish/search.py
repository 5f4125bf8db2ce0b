"""Static full-text search: a character-bigram index in site/search/, read by static/search-core.js.

Why not Pagefind: 1.5.x misses most Chinese matches (its segmenter splits 低保, 疫情),
1.4.0 finds them but ranks pages holding the two halves of a word apart, and both rebuild
the whole index on every change (1.4 GB of memory at 10,000 items). A query of n Chinese
characters is found here through its n-1 character pairs, then checked as an exact
substring against the stored text, so every item that contains it is found and no other.

Layout (every file static; the browser fetches only what a query needs):

    search/meta.json            format, shard counts, chunk size, the version: which <v>/ to read
    search/<v>/dates.bin        uint32 per document: minutes since 2000-01-01 (Shanghai); 0 = gone
    search/<v>/docs/<k>.json    CHUNK documents: [item id, title, date, category, text]
    search/<v>/b/<s>.bin        base postings of shard s; search/<v>/d/<s>.bin the same for the delta

An update never touches the published version: it hard-links it into <v+1>/, writes what
changed there through temporary names, and publishes it by replacing meta.json (one rename),
so a reader sees the old index or the new one, never half of one; the version before stays
for readers still on it. The update's mark (.search-updating beside the state) is removed
only once meta.json and the state are written: an update killed or failed (full disk) leaves
it, and the next one rebuilds the index from every item.

A shard file is little-endian uint32: n, n pair keys (sorted), n+1 offsets into the
document ids of the whole text, n+1 offsets into those of the title, then the two id
lists. Documents keep their number for life; a changed one is re-indexed into the delta
(its stale base postings only add candidates that the exact check drops), so a night's
cost grows with what changed; when the delta outgrows an eighth of the base, the base is
rebuilt from the stored documents (memory bounded: postings are spilled to disk by shard).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from pipeline.models import local_date

INDEX_DIR = "search"  # inside site/
STATE = ".search-state.json"  # beside the manifest in the output folder: item id → document number
UPDATING = ".search-updating"  # beside the state while an update runs (left by one killed or failed)
FORMAT = 2  # 2: each version in its own folder
CHUNK = 64  # documents per docs/<k>.json: a result page fetches a few small files
EPOCH = datetime(1999, 12, 31, 16, tzinfo=timezone.utc)  # 2000-01-01 00:00 in Beijing time: dates.bin counts from it
SPILL_BUCKETS = 64  # temporary files a base rebuild spreads its postings over
SPILL_AT = 1_500_000  # postings held in memory before they are spilled (18 MB, a few times that to sort)


@dataclass(frozen=True)
class Doc:
    """One item as search sees it."""

    item_id: str
    title: str
    published_at: datetime
    category: str  # the category path shown in results
    text: str  # the body as plain text


def normalize(text: str) -> str:
    """What is indexed and matched: NFKC (full-width letters and digits folded), lower case,
    whitespace runs as one space. search-core.js does the same to the query."""
    if not unicodedata.is_normalized("NFKC", text):  # most text already is: the check is cheaper
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.lower().split())  # str.split() knows the ideographic and no-break spaces


def pair_keys(text: str) -> np.ndarray:
    """The sorted distinct 32-bit keys of the adjacent character pairs of normalized ``text``
    (pairs with a space left out: a query is split at spaces). Mirrors pairKey() in search-core.js."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if cps.size < 2:
        return np.empty(0, dtype=np.uint32)
    a, b = cps[:-1], cps[1:]
    keys = _mix(a * np.uint32(65599) + b)
    return np.unique(keys[(a != 32) & (b != 32)])


def _mix(k: NDArray[np.uint32]) -> NDArray[np.uint32]:
    """A 32-bit integer hash (so shards fill evenly); wraps like Math.imul in JS."""
    k = k ^ (k >> np.uint32(16))
    k = k * np.uint32(0x45D9F3B)
    return k ^ (k >> np.uint32(16))


def minutes(dt: datetime) -> int:
    return max(1, int((dt - EPOCH).total_seconds() // 60))


def shard_count(docs: int) -> int:
    """Shards for a base of ``docs`` documents: about 64 documents' postings each, 16 to 4096."""
    n = 16
    while n < 4096 and n * 64 < docs:
        n *= 2
    return n


class SearchIndex:
    """The index of one site: load, add changed documents, drop gone ones, save.

    ``root``: the index folder (default: site/search/ in ``out_dir``, which keeps the state)."""

    def __init__(self, out_dir: Path, root: Path | None = None, *, tz: tzinfo) -> None:
        self.tz = tz  # the office's zone: a document's date is its day there
        self.out_dir = Path(out_dir)
        self.root = Path(root) if root is not None else self.out_dir / "site" / INDEX_DIR
        self.published = _published_version(self.root)  # what readers are on (None: no index)
        state = _load_json(self.out_dir / STATE)
        whole = (isinstance(state, dict) and state.get("format") == FORMAT and self.published is not None
                 and state.get("version") == self.published and not (self.out_dir / UPDATING).exists())
        if not whole:  # none yet, another format, or an update killed or failed: start again from every item
            state = {"format": FORMAT, "ids": {}, "delta": [], "base_docs": 0, "shards": 16,
                     "version": max([self.published or 0, *_versions(self.root)])}
        self.state = cast("dict[str, Any]", state)  # a dict: `whole` checked it, else the one made above
        self.ids: dict[str, int] = self.state["ids"]
        self.delta: set[int] = set(self.state["delta"])
        self.source = self.root / str(self.published) if whole else None  # the version the update starts from
        self.work: Path | None = None  # the next version's folder, once the update has begun
        dates = self.source / "dates.bin" if self.source else None
        self.dates = np.fromfile(dates, dtype="<u4").copy() if dates and dates.is_file() else np.zeros(0, "<u4")
        self._chunks: dict[int, list[Any]] = {}
        self._dirty: set[int] = set()
        self.touched = False  # anything added or removed since loading

    @property
    def empty(self) -> bool:
        """No index yet (or one of another format): every document must be added."""
        return not self.ids

    def add(self, doc: Doc) -> None:
        """Store ``doc`` for the next save (one already stored as it is changes nothing)."""
        row = [doc.item_id, doc.title, local_date(doc.published_at, self.tz).isoformat(), doc.category,
               doc.text]
        number = self.ids.get(doc.item_id)
        if (number is not None and number < self.dates.size and self.dates[number] == minutes(doc.published_at)
                and self._load_chunk(number // CHUNK)[number % CHUNK] == row):
            return
        if number is None:
            number = self.ids[doc.item_id] = len(self.ids)
        if number >= self.dates.size:
            self.dates = np.concatenate([self.dates, np.zeros(max(1024, self.dates.size), "<u4")])
        self.dates[number] = minutes(doc.published_at)
        self._chunk(number // CHUNK)[number % CHUNK] = row
        self.delta.add(number)
        self.touched = True

    def keep_only(self, live: Iterable[str]) -> None:
        """Mark documents whose item is no longer published as gone."""
        live = set(live)
        for item_id, number in self.ids.items():
            if item_id not in live and number < self.dates.size and self.dates[number]:
                self.dates[number] = 0
                self._chunk(number // CHUNK)[number % CHUNK] = None
                self.delta.discard(number)
                self.touched = True

    def save(self) -> None:
        """Write the next version (documents, changed postings, dates), publish it, then the state."""
        if not self.touched and self.source is not None:
            return
        self._flush_chunks()
        count = len(self.ids)
        work = self._begin()
        _atomic(work / "dates.bin", self.dates[:count].astype("<u4").tobytes())
        base_docs = self.state["base_docs"]
        if base_docs == 0 or len(self.delta) * 8 > base_docs and len(self.delta) > 256:
            self.state["shards"] = shard_count(count)
            self._write_base(range(count))
            self.delta.clear()
            self.state["base_docs"] = count
        self._write_postings("d", sorted(self.delta), shard_count(len(self.delta)) if self.delta else 1)
        self.state["version"] = int(work.name)
        self.state["delta"] = sorted(self.delta)
        meta = {"format": FORMAT, "chunk": CHUNK, "shards": self.state["shards"],
                "delta_shards": shard_count(len(self.delta)) if self.delta else 1, "docs": count,
                "version": self.state["version"]}
        _atomic(self.root / "meta.json", json.dumps(meta).encode())  # readers move to the new version here
        _atomic(self.out_dir / STATE, json.dumps(self.state, separators=(",", ":")).encode())
        (self.out_dir / UPDATING).unlink(missing_ok=True)
        _prune(self.root, keep={str(self.state["version"]), str(self.published)})
        self.published, self.source, self.work, self.touched = self.state["version"], work, None, False

    def _begin(self) -> Path:
        """The next version's folder: marked as begun, then the published one hard-linked into it."""
        if self.work is None:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.out_dir / UPDATING).touch()
            work = self.root / str(self.state["version"] + 1)
            shutil.rmtree(work, ignore_errors=True)  # left by an update killed before
            if self.source is not None:
                shutil.copytree(self.source, work, copy_function=_link)
            work.mkdir(exist_ok=True)
            self.work = work
        return self.work

    # documents -----------------------------------------------------------------------------------

    def _load_chunk(self, k: int) -> list[Any]:
        chunk = self._chunks.get(k)
        if chunk is None:
            if len(self._chunks) >= 64:  # a full build streams through: keep memory flat
                self._flush_chunks()
            folder = self.work or self.source
            loaded = _load_json(folder / "docs" / f"{k}.json") if folder else None
            chunk = loaded if isinstance(loaded, list) and len(loaded) == CHUNK else [None] * CHUNK
            self._chunks[k] = chunk
        return chunk

    def _chunk(self, k: int) -> list[Any]:
        """Chunk ``k``, to be changed (written at the next flush)."""
        chunk = self._load_chunk(k)
        self._dirty.add(k)
        return chunk

    def _flush_chunks(self) -> None:
        if not self._dirty:
            self._chunks.clear()
            return
        docs = self._begin() / "docs"
        docs.mkdir(exist_ok=True)
        for k in sorted(self._dirty):
            _atomic(docs / f"{k}.json",
                    json.dumps(self._chunks[k], ensure_ascii=False, separators=(",", ":")).encode())
        self._chunks.clear()
        self._dirty.clear()

    def _docs(self, numbers: Iterable[int]) -> Iterator[tuple[int, list[Any]]]:
        """(number, [id, title, date, category, text]) of live documents, read chunk by chunk."""
        current, chunk = -1, []
        for n in numbers:
            if n // CHUNK != current:
                current = n // CHUNK
                loaded = _load_json(self._begin() / "docs" / f"{current}.json")
                chunk = loaded if isinstance(loaded, list) else []
            doc = chunk[n % CHUNK] if n % CHUNK < len(chunk) else None
            if doc is not None:
                yield n, doc

    # postings ------------------------------------------------------------------------------------

    def _write_base(self, numbers: Iterable[int]) -> None:
        self._write_postings("b", numbers, self.state["shards"])

    def _write_postings(self, folder: str, numbers: Iterable[int], shards: int) -> None:
        """Replace <folder>/ of the next version with the postings of ``numbers``, spilled to disk by shard."""
        work = self._begin()
        target = work / folder
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder}-", dir=work))
        spill = _Spill(tmp, min(shards, SPILL_BUCKETS))
        for number, doc in self._docs(numbers):
            title = pair_keys(normalize(doc[1]))
            both = np.union1d(title, pair_keys(normalize(doc[4])))
            spill.add(both, number, 0)
            spill.add(title, number, 1)
        spill.flush()
        out = tmp / "out"
        out.mkdir()
        for bucket in range(spill.buckets):
            pairs = spill.read(bucket)
            pairs, bounds = _by(pairs, pairs[:, 0] & np.uint32(shards - 1), shards)
            for shard in range(bucket, shards, spill.buckets):
                (out / f"{shard}.bin").write_bytes(_shard_bytes(pairs[bounds[shard]:bounds[shard + 1]]))
        shutil.rmtree(target, ignore_errors=True)  # links to the published version's files: those stay
        out.rename(target)
        shutil.rmtree(tmp, ignore_errors=True)


class _Spill:
    """(key, document, field) triples collected into ``buckets`` temporary files by key."""

    def __init__(self, folder: Path, buckets: int) -> None:
        self.folder, self.buckets = folder, buckets
        self.parts: list[np.ndarray] = []
        self.held = 0

    def add(self, keys: np.ndarray, number: int, field: int) -> None:
        if keys.size:
            self.parts.append(np.column_stack([keys, np.full(keys.size, number, np.uint32),
                                               np.full(keys.size, field, np.uint32)]))
            self.held += keys.size
            if self.held >= SPILL_AT:
                self.flush()

    def flush(self) -> None:
        if not self.parts:
            return
        triples = np.concatenate(self.parts)
        self.parts, self.held = [], 0
        triples, bounds = _by(triples, triples[:, 0] & np.uint32(self.buckets - 1), self.buckets)
        for bucket in range(self.buckets):
            if bounds[bucket] < bounds[bucket + 1]:
                with open(self.folder / f"{bucket}.spill", "ab") as f:
                    f.write(triples[bounds[bucket]:bounds[bucket + 1]].astype("<u4").tobytes())

    def read(self, bucket: int) -> np.ndarray:
        path = self.folder / f"{bucket}.spill"
        data = np.fromfile(path, dtype="<u4").reshape(-1, 3) if path.is_file() else np.zeros((0, 3), "<u4")
        path.unlink(missing_ok=True)
        return data


def _by(rows: np.ndarray, keys: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` grouped by ``keys`` (0 … count-1) and where each group starts (count + 1 bounds)."""
    order = np.argsort(keys, kind="stable")
    return rows[order], np.searchsorted(keys[order], np.arange(count + 1))


def _shard_bytes(triples: np.ndarray) -> bytes:
    """One shard file (see the module docstring) from (key, document, field) rows."""
    order = np.lexsort((triples[:, 1], triples[:, 0]))
    triples = triples[order]
    parts = []
    keys = np.unique(triples[:, 0])
    for field in (0, 1):
        rows = triples[triples[:, 2] == field]
        counts = np.searchsorted(rows[:, 0], keys, side="right") - np.searchsorted(rows[:, 0], keys, side="left")
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype("<u4")  # a key absent from a field: empty run
        parts.append((offsets, rows[:, 1].astype("<u4")))
    header = np.array([keys.size], "<u4")
    return b"".join(a.tobytes() for a in (header, keys.astype("<u4"), parts[0][0], parts[1][0], parts[0][1],
                                             parts[1][1]))


def _atomic(path: Path, data: bytes) -> None:
    """Write through a temporary name and rename; leave an unchanged file alone."""
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _link(src: str, dst: str) -> None:
    """A file of the next version: the published one's, linked (a copy where links cannot be made)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _published_version(root: Path) -> int | None:
    meta = _load_json(root / "meta.json")
    if isinstance(meta, dict) and meta.get("format") == FORMAT and isinstance(meta.get("version"), int) \
            and (root / str(meta["version"]) / "dates.bin").is_file():
        return int(meta["version"])
    return None


def _versions(root: Path) -> list[int]:
    return [int(p.name) for p in root.iterdir() if p.name.isdigit()] if root.is_dir() else []


def _prune(root: Path, keep: set[str]) -> None:
    """Remove all but the ``keep`` versions (and what an older format or a killed update left)."""
    for path in root.iterdir():
        if path.name in keep or path.name == "meta.json":
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def published_docs(out_dir: Path, root: Path | None = None) -> Iterator[Doc]:
    """The live documents of the index readers see in ``out_dir`` (as SearchIndex places it)."""
    root = Path(root) if root is not None else Path(out_dir) / "site" / INDEX_DIR
    version = _published_version(root)
    if version is None:
        return
    folder = root / str(version)
    dates = np.fromfile(folder / "dates.bin", dtype="<u4")
    for k in range((dates.size + CHUNK - 1) // CHUNK):
        chunk = _load_json(folder / "docs" / f"{k}.json")
        for n, row in enumerate(chunk if isinstance(chunk, list) else [], start=k * CHUNK):
            if row and n < dates.size and dates[n]:
                yield Doc(row[0], row[1], EPOCH + timedelta(minutes=int(dates[n])), row[3], row[4])


def _load_json(path: Path) -> object:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
