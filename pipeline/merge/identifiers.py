"""Which 索引号 an item shows, and the ones xxgk mints.

A 索引号 is a legal identifier. An item shows the official one its copies carry (the catalog
row's, else a page's metadata table: item_fields.official_identifiers); xxgk mints one only
for an item no copy gives one to. A minted number is recognisable and never equals an
official one:

    <org_code>/<year>-M<5-digit serial>        e.g. 11220202MB0X12345Y/2020-M00042

("M": minted by xxgk; official numbers of the form <org_code>/<year>-<serial> cannot be
equal to it), and before handing one out the serial is skipped if any copy ever filed
carries that number as official (post_keys holds every official 索引号 seen). Serials are
counted per year in `serials` and never reused.

Once published, what happens when an official number appears later for an item shown under
a minted one (the catalog lists the document a week after WeChat carried it): the item
shows the official number from then on (it is the document's identifier), and keeps the
minted one in `items.minted_index`: `xxgk explain` and the review page find the item by
either, and its page URL (by item id) does not change.

A store restored from a backup lacks the items first collected since the backup, yet the site
showed their minted numbers and citizens cite them: pipeline/nightly/built_from.py keeps, in
`merge_state` ('shown_numbers'), those numbers by the copies (post ids) they were minted for,
and a new item holding one of those copies gets its number back instead of a new serial (never
a number a copy carries itself: an item with an official one mints nothing).
"""

from __future__ import annotations

import json

from .similarity import key_of
from ..store import Store

SHOWN_NUMBERS = "shown_numbers"  # merge_state: {post id: minted 索引号 the site showed for its item}


def shown_numbers(store: Store) -> dict[str, str]:
    row = store.db.execute("SELECT value FROM merge_state WHERE name = ?", [SHOWN_NUMBERS]).fetchone()
    return json.loads(row[0]) if row else {}


def keep_shown_numbers(store: Store, numbers: dict[str, str]) -> None:
    """Remember these copies' shown numbers (post id → 索引号), with those kept already."""
    _set_shown_numbers(store, {**shown_numbers(store), **numbers})


def _set_shown_numbers(store: Store, numbers: dict[str, str]) -> None:
    if numbers:
        store.db.execute("INSERT OR REPLACE INTO merge_state (name, value) VALUES (?, ?)",
                         [SHOWN_NUMBERS, json.dumps(numbers, sort_keys=True)])
    else:  # none waits for its copies any more
        store.db.execute("DELETE FROM merge_state WHERE name = ?", [SHOWN_NUMBERS])


def minted_number(org_code: str, year: int, serial: int) -> str:
    return f"{org_code}/{year}-M{serial:05d}"


def is_minted(number: str | None) -> bool:
    return bool(number and "-M" in number.rsplit("/", 1)[-1])


def official_seen(store: Store, number: str) -> bool:
    """Some copy ever filed carries this 索引号 as its official one."""
    return store.db.conn.execute("SELECT 1 FROM post_keys WHERE key = ? LIMIT 1",
                                 [key_of("idx", number)]).fetchone() is not None


class Minter:
    """Hands out minted 索引号, counting serials in memory; `save` stores them."""

    def __init__(self, store: Store, org_code: str) -> None:
        self.store, self.org_code = store, org_code
        self.serials: dict[int, int] = dict(store.db.execute("SELECT year, last FROM serials").fetchall())
        self.used: set[int] = set()
        self.shown = shown_numbers(store)  # empty unless the store was restored from a backup
        self.given_back: set[str] = set()

    def mint(self, year: int) -> str:
        while True:
            number = self._next(year)
            if not official_seen(self.store, number):
                return number

    def mint_many(self, years: list[int], copies: list[list[str]] | None = None) -> list[str]:
        """One minted number per year given, in order: as mint(), checked in one query a batch.
        ``copies``: each one's post ids; one the site showed under a minted number gets it back."""
        out: list[str] = []
        for start in range(0, len(years), 500):
            part = years[start:start + 500]
            given = ([self._shown_for(posts) for posts in copies[start:start + 500]] if copies and self.shown
                     else [None] * len(part))
            numbers = [number or self._next(year) for number, year in zip(given, part)]
            keys = [key_of("idx", n) for n in numbers]
            seen = {row[0] for row in self.store.db.conn.execute(
                f"SELECT DISTINCT key FROM post_keys WHERE key IN ({','.join('?' * len(keys))})", keys)}
            out += [self.mint(year) if key in seen else number for year, number, key in zip(part, numbers, keys)]
        return out

    def _shown_for(self, posts: list[str]) -> str | None:
        """The number the site showed for these copies, if no item shows it now (nor a copy carries it)."""
        for post in posts:
            number = self.shown.get(post)
            if number and number not in self.given_back and not taken(self.store, [number]) \
                    and not official_seen(self.store, number):
                self.given_back.add(number)
                return number
        return None

    def _next(self, year: int) -> str:
        serial = self.serials[year] = self.serials.get(year, 0) + 1
        self.used.add(year)
        return minted_number(self.org_code, year, serial)

    def save(self) -> None:
        self.store.db.conn.executemany(
            "INSERT INTO serials (year, last) VALUES (?, ?) ON CONFLICT(year) DO UPDATE SET last = excluded.last",
            [(year, self.serials[year]) for year in sorted(self.used)])
        if self.given_back:  # shown again: no longer waiting for its copies
            _set_shown_numbers(self.store, {post: number for post, number in shown_numbers(self.store).items()
                                            if number not in self.given_back})
            self.given_back.clear()


def mint_index_number(store: Store, org_code: str, year: int) -> str:
    """One minted 索引号, stored at once (a staff split)."""
    minter = Minter(store, org_code)
    number = minter.mint(year)
    minter.save()
    return number


def taken(store: Store, numbers: list[str]) -> set[str]:
    """Those of these 索引号 an item already shows."""
    found: set[str] = set()
    for start in range(0, len(numbers), 500):
        part = numbers[start:start + 500]
        found.update(r[0] for r in store.db.execute(
            f"SELECT index_number FROM items WHERE index_number IN ({','.join('?' * len(part))})", part))
    return found
