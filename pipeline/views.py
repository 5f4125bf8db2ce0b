"""Read the store as publishing needs it: light rows for every item, full ItemViews on demand.

`item_views(store)` returns a StoreSource: iterating it yields every ItemView (one
query for items, one for copies, streamed), and the publish build uses its `rows()`
and `views(ids)` so that a rebuild reads bodies only for the items it must render.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from datetime import date, datetime, tzinfo
from typing import Any

from .models import ArchivedImage, ChannelCopy, ItemView, local_iso
from .publish.source import ItemRow, digest, row_of
from .store import Store, decode_attachments, parse_iso
from .store import images as archive

SUMMARY_CHARS = 120
_SENTENCE_END = "。！？；!?;"
_BREAKS = "，、：,: "


def summary_of(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The start of ``text`` in at most ``limit`` characters, cut after a sentence (or at
    least a clause or word) and marked with … when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    head = flat[: limit - 1]
    for marks, keep in ((_SENTENCE_END, 1), (_BREAKS, 0)):
        at = max(head.rfind(m) for m in marks)
        if at >= limit // 2:
            return head[: at + keep].rstrip() + "…"
    return head + "…"
CHUNK = 500  # ids per IN (…) query

_WHERE = " WHERE i.published_at IS NOT NULL"
_VIEW_SQL = """SELECT i.id, i.index_number, i.title, i.published_at, i.updated_at, i.first_channel, i.category,
                  i.formed_on, i.validity, i.withdrawn, v.body_html, v.body_text, v.attachments, v.meta,
                  i.publisher, i.doc_number, p.id
           FROM items i JOIN posts p ON p.id = i.primary_post
           JOIN post_versions v ON v.post_id = p.id AND v.version = p.version"""
_COPIES_SQL = """SELECT ip.item_id, p.channel, p.url, p.published_at, p.first_seen, p.withdrawn_at
           FROM item_posts ip JOIN posts p ON p.id = ip.post_id"""
_COPIES_ORDER = " ORDER BY ip.item_id, COALESCE(p.published_at, p.first_seen), p.channel"
# Everything an item page or feed entry shows, as one string per item, assembled by SQLite:
# the item's columns, its primary post's version (versions are immutable: body,
# attachments and metadata are fixed by it) and every copy (channel, URL, dates).
_US, _RS, _GS = "char(31)", "char(30)", "char(29)"  # unit, record, group separators


def _cat(sep: str, *cols: str) -> str:
    return f" || {sep} || ".join(f"ifnull({c}, '')" for c in cols)


# Times stay UTC here: Python reads them on the office's clock (local_iso), whatever its zone.
_ROWS_SQL = f"""SELECT i.id, ifnull(i.title, ''), ifnull(i.index_number, ''), i.published_at,
                  ifnull(i.updated_at, i.published_at), ifnull(i.category, ''), i.withdrawn,
                  {_cat(_US, "i.id", "i.title", "i.index_number", "i.published_at", "i.updated_at", "i.category",
                        "i.withdrawn", "i.first_channel", "i.formed_on", "i.validity", "i.primary_post", "p.version",
                        "i.publisher", "i.doc_number", "c.copies",
                        "p.images_archived")}
           FROM items i JOIN posts p ON p.id = i.primary_post
           LEFT JOIN (SELECT ip.item_id AS item_id,
                             group_concat({_cat(_RS, "q.channel", "q.url", "q.published_at", "q.first_seen",
                                                "q.withdrawn_at")}, {_GS}) AS copies
                      FROM item_posts ip JOIN posts q ON q.id = ip.post_id GROUP BY ip.item_id) c ON c.item_id = i.id"""
# The same rows for a few ids: copies gathered per item through the index, not for the whole table.
_SOME_ROWS_SQL = _ROWS_SQL.split("LEFT JOIN")[0] + f"""LEFT JOIN (SELECT ip.item_id AS item_id,
                             group_concat({_cat(_RS, "q.channel", "q.url", "q.published_at", "q.first_seen",
                                                "q.withdrawn_at")}, {_GS}) AS copies
                      FROM item_posts ip JOIN posts q ON q.id = ip.post_id WHERE ip.item_id IN ({{marks}})
                      GROUP BY ip.item_id) c ON c.item_id = i.id"""


class StoreSource:
    """The store's items as a publish ItemSource (and an iterable of ItemViews)."""

    def __init__(self, store: Store, tz: tzinfo, *, include_unclassified: bool = False,
                 exclude: Collection[str] = ()) -> None:
        self.store = store
        self.tz = tz  # the office's zone: rows() dates items there
        self.where = _WHERE + ("" if include_unclassified else " AND i.category IS NOT NULL")
        self.exclude = frozenset(exclude)  # held back (e.g. waiting for review)
        self.images_dir = archive.folder_of(store.path)  # [collect] archive_images' copies

    def __iter__(self) -> Iterator[ItemView]:
        copies: dict[str, list[ChannelCopy]] = defaultdict(list)
        for item_id, *copy in self.store.db.execute(_COPIES_SQL + _COPIES_ORDER):
            copies[item_id].append(_copy(*copy))
        images = archive.archived_images(self.store)
        for row in self.store.db.execute(_VIEW_SQL + self.where):
            if row[0] not in self.exclude:
                yield _view(row, copies[row[0]], self._kept(images.get(row[-1], ())))

    def rows(self) -> Iterator[ItemRow]:
        return self._rows(self.store.db.execute(_ROWS_SQL + self.where))

    # The change log (migration 0007_publish_log) lets a build read only what changed.
    @property
    def log_key(self) -> bytes:
        """Names what rows() returns: a snapshot of rows is reusable only under the same key."""
        return digest(repr((_ROWS_SQL, self.where, sorted(self.exclude), str(self.tz))).encode())

    def log_position(self) -> int:
        """The newest change's seq (0: none yet); read it before the rows it covers."""
        return int(self.store.db.execute("SELECT ifnull(max(seq), 0) FROM publish_log").fetchone()[0])

    def changed_since(self, seq: int) -> list[str]:
        """Ids of items changed (added, edited, removed) after ``seq``."""
        return [r[0] for r in self.store.db.execute(
            "SELECT DISTINCT item_id FROM publish_log WHERE seq > ? ORDER BY item_id", [seq])]

    def rows_of(self, ids: Collection[str]) -> Iterator[ItemRow]:
        """rows() for ``ids`` only (those that are gone, unpublished or held back are absent)."""
        ids = list(ids)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = _SOME_ROWS_SQL.format(marks=marks) + self.where + f" AND i.id IN ({marks})"
            yield from self._rows(self.store.db.execute(sql, chunk + chunk))

    def _rows(self, cursor: Iterable[tuple[Any, ...]]) -> Iterator[ItemRow]:
        exclude, tz = self.exclude, self.tz
        for item_id, title, index_number, published, updated, category, withdrawn, inputs in cursor:
            if item_id not in exclude:
                yield ItemRow(item_id, published_title(title), index_number, local_iso(published, tz),
                              local_iso(updated, tz), category, bool(withdrawn), digest(inputs.encode()))

    def views(self, ids: Collection[str]) -> Iterator[ItemView]:
        ids = list(ids)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            copies: dict[str, list[ChannelCopy]] = defaultdict(list)
            for item_id, *copy in self.store.db.execute(
                _COPIES_SQL + f" WHERE ip.item_id IN ({marks})" + _COPIES_ORDER, chunk
            ):
                copies[item_id].append(_copy(*copy))
            rows = self.store.db.execute(_VIEW_SQL + self.where + f" AND i.id IN ({marks})", chunk).fetchall()
            images = archive.archived_images(self.store, [row[-1] for row in rows])
            for row in rows:
                yield _view(row, copies[row[0]], self._kept(images.get(row[-1], ())))

    def _kept(self, images: Iterable[tuple[str, str, str]]) -> tuple[ArchivedImage, ...]:
        """The archived images whose copy is on disk (a copy lost shows the original URL again)."""
        out = []
        for url, sha, mime in images:
            path = archive.copy_path(self.images_dir, sha, mime)
            if path.is_file():
                out.append(ArchivedImage(url, archive.file_name(sha, mime), str(path)))
        return tuple(out)


def item_views(store: Store, tz: tzinfo, *, include_unclassified: bool = False,
               exclude: Collection[str] = ()) -> StoreSource:
    """Every item ready to publish, with its copies, less ``exclude`` (ids held back), dated in the
    office's zone ``tz``. Items awaiting review are published too (timeliness: 条例第二十六条)
    unless the config says otherwise."""
    return StoreSource(store, tz, include_unclassified=include_unclassified, exclude=exclude)


TITLE_CHARS = 200  # a published title is cut here (the store keeps the whole title)


def published_title(title: str) -> str:
    """The title as published: at most TITLE_CHARS characters (a scraped 10,000-character title
    would swamp every page and feed that lists it)."""
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"


def _copy(channel: str, url: str, published: str | None, first_seen: str | None, withdrawn: str | None) -> ChannelCopy:
    return ChannelCopy(channel, url, parse_iso(published or first_seen), parse_iso(withdrawn))


def _view(row: tuple[Any, ...], copies: list[ChannelCopy], images: tuple[ArchivedImage, ...] = ()) -> ItemView:
    (item_id, index_number, title, published, updated, first_channel, category, formed_on, validity,
     withdrawn, body_html, body_text, attachments, meta_s, publisher, doc_number, _post) = row
    meta = json.loads(meta_s or "{}")
    published_at = datetime.fromisoformat(published)  # never NULL: _WHERE asks for published items
    return ItemView(
        id=item_id,
        index_number=index_number,
        title=published_title(title),
        body_html=body_html or "",
        summary=summary_of(body_text or ""),
        published_at=published_at,
        updated_at=parse_iso(updated) or published_at,
        first_channel=first_channel,
        category=category or "",
        formed_on=date.fromisoformat(formed_on) if formed_on else None,
        publisher=publisher or "",  # chosen by merge/item_fields.py: the office or its department, never a 来源 line
        doc_number=doc_number or "",  # the official 文号 of any copy
        topic=meta.get("topic", ""),
        validity=validity or "",
        copies=tuple(copies),
        attachments=decode_attachments(attachments),
        withdrawn=bool(withdrawn),
        images=images,
    )


__all__ = ["StoreSource", "item_views", "row_of"]
