"""The change log (migration 0007_publish_log): an incremental build reads from the store only what changed."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator
from pathlib import Path

from bench.build import CATEGORIES, _site, fill
from pipeline.models import SHANGHAI, Category, ItemView
from pipeline.publish import build
from pipeline.publish.source import ItemRow
from pipeline.store import Store
from pipeline.views import StoreSource

CATS = [Category(*c) for c in CATEGORIES]


class CountingSource(StoreSource):
    """A StoreSource that records what the build reads."""

    def __init__(self, store: Store) -> None:
        super().__init__(store, SHANGHAI)
        self.all_rows = 0
        self.rows_read: list[str] = []
        self.views_read: list[str] = []

    def rows(self) -> Iterator[ItemRow]:
        for row in super().rows():
            self.all_rows += 1
            yield row

    def rows_of(self, ids: Collection[str]) -> Iterator[ItemRow]:
        for row in super().rows_of(ids):
            self.rows_read.append(row.id)
            yield row

    def views(self, ids: Collection[str]) -> Iterator[ItemView]:
        for view in super().views(ids):
            self.views_read.append(view.id)
            yield view


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def test_one_new_item_reads_only_that_item(tmp_path: Path) -> None:
    site = dataclasses.replace(_site(), feed_entries=5)
    store = Store(tmp_path / "store.db")
    fill(store, 30)
    out = tmp_path / "out"
    first = CountingSource(store)
    build(first, CATS, site, out, search=False)
    assert first.all_rows == 30

    fill(store, 1, start=30)
    again = CountingSource(store)
    stats = build(again, CATS, site, out, search=False)
    assert again.all_rows == 0  # no pass over every item
    assert again.rows_read == ["i0000030"]
    # Bodies: the new item's page, and the entries of the two feeds it joins (all; 社会救助, whose
    # leaves 低保救助/特困供养 hold items k % 11 in {7, 8}), newest five each.
    newest = {f"i{k:07d}" for k in (30, 29, 28, 27, 26, 19, 18, 8)}
    assert set(again.views_read) == newest
    assert [p for p in stats.written if p.startswith("site/item/")] == ["site/item/i0000030.html"]

    full = tmp_path / "full"  # the same bytes as a build from scratch
    build(StoreSource(store, SHANGHAI), CATS, site, full, search=False, full=True)
    assert _files(out) == _files(full)

    idle = CountingSource(store)
    assert build(idle, CATS, site, out, search=False).written == []
    assert (idle.all_rows, idle.rows_read, idle.views_read) == (0, [], [])

    fill(store, 1, start=31)  # read on top of the saved rows and the changes saved since
    later = CountingSource(store)
    build(later, CATS, site, out, search=False)
    assert (later.all_rows, later.rows_read) == (0, ["i0000031"])
    build(StoreSource(store, SHANGHAI), CATS, site, full, search=False, full=True)
    assert _files(out) == _files(full)


def test_a_withdrawn_copy_is_logged_and_rebuilds_that_item(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.db")
    fill(store, 12)
    out = tmp_path / "out"
    build(StoreSource(store, SHANGHAI), CATS, _site(), out, search=False)
    with store.transaction():
        store.db.execute("UPDATE posts SET withdrawn_at = '2026-01-01T00:00:00+00:00' WHERE id = 'px0000003'")
    source = CountingSource(store)
    stats = build(source, CATS, _site(), out, search=False)
    assert source.all_rows == 0 and source.rows_read == ["i0000003"]
    assert "site/item/i0000003.html" in stats.written
    assert not [p for p in stats.written if p.startswith("site/item/") and "i0000003" not in p]


def test_a_moved_item_leaves_the_same_site_as_a_full_build(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.db")
    fill(store, 1100)  # 100 per leaf category: archive pages, most of them in lists the change leaves alone
    out = tmp_path / "out"
    build(StoreSource(store, SHANGHAI), CATS, _site(), out, search=False)
    with store.transaction():
        store.db.execute("UPDATE items SET category = 'gzdt', published_at = '2016-03-01T01:00:00+00:00' "
                         "WHERE id = 'i0000005'")
        store.db.execute("DELETE FROM items WHERE id = 'i0000007'")
    source = CountingSource(store)
    stats = build(source, CATS, _site(), out, search=False)
    assert source.all_rows == 0 and sorted(source.rows_read) == ["i0000005"]
    assert "site/item/i0000007.html" in stats.removed
    assert (out / "site/category/ldxx~1.html").is_file()
    full = tmp_path / "full"
    build(StoreSource(store, SHANGHAI), CATS, _site(), full, search=False, full=True)
    assert _files(out) == _files(full)


def test_a_full_build_or_other_held_items_read_every_row(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.db")
    fill(store, 8)
    out = tmp_path / "out"
    build(StoreSource(store, SHANGHAI), CATS, _site(), out, search=False)
    full = CountingSource(store)
    build(full, CATS, _site(), out, search=False, full=True)
    assert full.all_rows == 8
    held = CountingSource(store)
    held.exclude = frozenset({"i0000002"})  # a different selection: the saved rows do not apply
    stats = build(held, CATS, _site(), out, search=False)
    assert held.all_rows == 7
    assert "site/item/i0000002.html" in stats.removed
