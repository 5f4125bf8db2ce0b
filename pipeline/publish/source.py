"""What a build reads: one light row per item, and full ItemViews only on demand.

Lists, page keys and the sitemap need only an ItemRow per item; a full ItemView
(body, copies, attachments) is loaded only for the item pages and feed entries
that must be rendered. So an incremental build over a large store reads every
row but only a handful of bodies.

    ItemSource   rows() -> Iterable[ItemRow];  views(ids) -> Iterable[ItemView]
    MemorySource an ItemSource over ItemViews already in memory (tests, small offices)
    views.StoreSource (in pipeline/views.py) reads the SQLite store
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator
from datetime import tzinfo
from typing import NamedTuple, Protocol, runtime_checkable

from pipeline.errors import InternalError
from pipeline.models import ItemView, local_iso


def digest(data: bytes) -> bytes:
    """The build's one content hash (16 bytes is plenty to tell versions apart)."""
    return hashlib.blake2b(data, digest_size=16).digest()


class ItemRow(NamedTuple):
    """What a list, a page key or the sitemap needs of an item.

    A named tuple, not a dataclass: a build holds one per item (100,000 and more) and
    rebuilds them from the saved snapshot (snapshot.py) ten times faster this way."""

    id: str
    title: str
    index_number: str  # 索引号
    iso: str  # published_at on the office's clock ([office] timezone), ISO 8601 (sorts like the instant it names)
    lastmod: str  # updated_at likewise
    category: str
    withdrawn: bool
    fingerprint: bytes  # changes whenever anything its page or feed entry shows changes

    @property
    def date(self) -> str:
        return self.iso[:10]

    @property
    def year(self) -> int:
        return int(self.iso[:4])


@runtime_checkable
class ItemSource(Protocol):
    tz: tzinfo  # the office's zone: the rows' dates and years are read there

    def rows(self) -> Iterable[ItemRow]: ...

    def views(self, ids: Collection[str]) -> Iterable[ItemView]:
        """The full ItemViews of ``ids``, in any order."""
        ...


class MemorySource:
    """ItemViews held in memory; the fingerprint is a hash of the whole view."""

    def __init__(self, items: Iterable[ItemView], tz: tzinfo) -> None:
        self.tz = tz
        self.by_id: dict[str, ItemView] = {}
        for item in items:
            if item.id in self.by_id:
                raise InternalError(f"item id {item.id!r} appears twice")
            for name in ("published_at", "updated_at"):
                if getattr(item, name).tzinfo is None:
                    raise InternalError(f"item {item.id}: {name} must be timezone-aware")
            self.by_id[item.id] = item

    def rows(self) -> Iterator[ItemRow]:
        for item in self.by_id.values():
            yield row_of(item, digest(repr(item).encode("utf-8")), self.tz)

    def views(self, ids: Collection[str]) -> Iterator[ItemView]:
        for item_id in ids:
            yield self.by_id[item_id]


def row_of(item: ItemView, fingerprint: bytes, tz: tzinfo) -> ItemRow:
    return ItemRow(item.id, item.title, item.index_number, local_iso(item.published_at, tz), local_iso(item.updated_at, tz),
                   item.category, item.withdrawn, fingerprint)
