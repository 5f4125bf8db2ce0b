"""The store's side of the image archive ([collect] archive_images; the fetching is pipeline/collect/images.py).

Tables (migration 0015_image_archive):

    images       one row per image URL: the sha256 its copy is kept under (NULL until archived), its type
                 and size, when fetched; or how often it failed, the last error, and whether it was given up
    post_images  which images each post's current version shows (what publishing looks up)
    posts        images_version: the version whose images were dealt with (archived or given up);
                 images_archived: how many of them are archived (part of the item's fingerprint)

The copies themselves are files named by their sha256 in a folder beside the database (``folder_of``).
"""

from __future__ import annotations

import os
import sqlite3
from collections import defaultdict
from contextlib import closing
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .store import Store, iso

GIVE_UP_AFTER = 3  # nights an image may fail (server error, timeout …) before it is given up
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
CHUNK = 500  # ids per IN (…) query


def folder_of(database: str | Path) -> Path:
    """Where the copies live: beside the database, named after it (xxgk.db → xxgk.images/)."""
    return Path(database).with_suffix(".images")


def file_name(sha256: str, mime: str) -> str:
    """The copy's name: its content hash and the extension of its type (content-addressed)."""
    return f"{sha256}.{EXTENSIONS[mime]}"


def copy_path(folder: Path, sha256: str, mime: str) -> Path:
    """Where a copy is kept: one sub-folder per first two hex digits, so no folder holds too many."""
    return folder / sha256[:2] / file_name(sha256, mime)


def keep_copy(folder: Path, sha256: str, mime: str, data: bytes) -> Path:
    """Write a copy once (temporary name, then rename); a copy already there is left alone."""
    path = copy_path(folder, sha256, mime)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


@dataclass(frozen=True)
class PendingPost:
    """A post whose current version's images were not yet dealt with."""

    id: str
    url: str
    source: str
    version: int
    body_html: str


@dataclass(frozen=True)
class ImageState:
    sha256: str | None
    mime: str | None
    failures: int
    given_up: bool

    @property
    def settled(self) -> bool:
        """Archived, or given up: never fetched again."""
        return self.sha256 is not None or self.given_up


def pending_post_ids(store: Store) -> list[str]:
    """Posts (not withdrawn) whose current version's images are not yet archived or given up: new and
    changed versions, and those with an image to try again (all of them, the night the setting is
    turned on: their bodies are read CHUNK at a time, `pending_posts`)."""
    return [pid for (pid,) in store.db.execute(
        "SELECT id FROM posts WHERE images_version IS NOT version AND withdrawn_at IS NULL ORDER BY id")]


def pending_posts(store: Store, ids: list[str]) -> Iterator[PendingPost]:
    """The posts ``ids`` with their current bodies, read CHUNK at a time (the caller writes between)."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = store.db.execute(
            "SELECT p.id, p.url, p.source, p.version, v.body_html FROM posts p "
            "JOIN post_versions v ON v.post_id = p.id AND v.version = p.version "
            f"WHERE p.id IN ({','.join('?' * len(chunk))}) ORDER BY p.id", chunk).fetchall()
        yield from (PendingPost(pid, url, source, version, body or "") for pid, url, source, version, body in rows)


def image_states(store: Store, urls: Collection[str]) -> dict[str, ImageState]:
    """What is known of each of ``urls`` (absent: never tried)."""
    urls = list(urls)
    out = {}
    for start in range(0, len(urls), CHUNK):
        chunk = urls[start : start + CHUNK]
        for url, sha, mime, failures, given_up in store.db.execute(
                f"SELECT url, sha256, type, failures, given_up FROM images WHERE url IN ({','.join('?' * len(chunk))})",
                chunk):
            out[url] = ImageState(sha, mime, failures, bool(given_up))
    return out


def record_archived(store: Store, url: str, sha256: str, mime: str, size: int, now: datetime) -> None:
    """An image's copy is kept (callers hold the transaction)."""
    store.db.execute(
        "INSERT INTO images (url, sha256, type, size, fetched_at, tried_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET sha256 = excluded.sha256, type = excluded.type, size = excluded.size, "
        "fetched_at = excluded.fetched_at, tried_at = excluded.tried_at, error = NULL, given_up = 0",
        [url, sha256, mime, size, iso(now), iso(now)])


def record_failure(store: Store, url: str, error: str, now: datetime, *, refused: bool) -> ImageState:
    """An image could not be archived this night: counted, and given up after GIVE_UP_AFTER nights, or at
    once when ``refused`` (not an image, too large, a host not allowed: trying again changes nothing)."""
    row = store.db.execute("SELECT failures FROM images WHERE url = ?", [url]).fetchone()
    failures = (row[0] if row else 0) + 1
    given_up = refused or failures >= GIVE_UP_AFTER
    store.db.execute(
        "INSERT INTO images (url, failures, error, tried_at, given_up) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET failures = excluded.failures, error = excluded.error, "
        "tried_at = excluded.tried_at, given_up = excluded.given_up",
        [url, failures, error, iso(now), int(given_up)])
    return ImageState(None, None, failures, given_up)


def settle_post(store: Store, post: PendingPost, urls: Iterable[str], *, done: bool) -> None:
    """Record which images the post's version shows and how many are archived; ``done``: every one is
    archived or given up, so the version is not looked at again (callers hold the transaction)."""
    store.db.execute("DELETE FROM post_images WHERE post_id = ?", [post.id])
    store.db.conn.executemany("INSERT OR IGNORE INTO post_images (post_id, url) VALUES (?, ?)",
                              [(post.id, url) for url in urls])
    store.db.execute(
        "UPDATE posts SET images_archived = (SELECT COUNT(*) FROM post_images pi JOIN images i ON i.url = pi.url "
        "WHERE pi.post_id = ? AND i.sha256 IS NOT NULL) WHERE id = ?", [post.id, post.id])
    if done:
        store.db.execute("UPDATE posts SET images_version = ? WHERE id = ?", [post.version, post.id])


def archived_images(store: Store, post_ids: Collection[str] | None = None) -> dict[str, list[tuple[str, str, str]]]:
    """Post id → (url, sha256, type) of each archived image it shows (``post_ids`` None: every post)."""
    sql = ("SELECT pi.post_id, pi.url, i.sha256, i.type FROM post_images pi JOIN images i ON i.url = pi.url "
           "WHERE i.sha256 IS NOT NULL")
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    if post_ids is None:
        chunks: list[list[str] | None] = [None]
    else:
        ids = list(post_ids)
        chunks = [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
    for chunk in chunks:
        where = "" if chunk is None else f" AND pi.post_id IN ({','.join('?' * len(chunk))})"
        for pid, url, sha, mime in store.db.execute(sql + where + " ORDER BY pi.post_id, pi.url", chunk or []):
            out[pid].append((url, sha, mime))
    return out


def back_up_copies(database: str | Path, backup: Path) -> int:
    """The copies a backed-up database names, into the backup's own folder (backup.db → backup.images/),
    each copied once: a copy is named by its content, so one already there is the same bytes. How many
    were copied; a copy missing from the archive is left out (its row keeps the original URL's record)."""
    source, target = folder_of(database), folder_of(backup)
    with closing(sqlite3.connect(Path(backup).resolve().as_uri() + "?mode=ro", uri=True)) as db:  # read, never touch
        kept = db.execute("SELECT sha256, type FROM images WHERE sha256 IS NOT NULL").fetchall()
    copied = 0
    for sha256, mime in kept:
        origin, copy = copy_path(source, sha256, mime), copy_path(target, sha256, mime)
        if copy.is_file() or not origin.is_file():
            continue
        keep_copy(target, sha256, mime, origin.read_bytes())
        copied += 1
    return copied


def archive_counts(store: Store) -> dict[str, int]:
    """What the image archive holds, for `xxgk status`: images kept (and their bytes), images still to
    be tried again on a later night, images given up (refused, or failed too often)."""
    kept, size, waiting, given_up = store.db.execute(
        """SELECT COUNT(sha256), COALESCE(SUM(CASE WHEN sha256 IS NOT NULL THEN size END), 0),
                  COALESCE(SUM(sha256 IS NULL AND NOT given_up), 0), COALESCE(SUM(given_up), 0)
           FROM images""").fetchone()
    return {"kept": kept, "bytes": size, "waiting": waiting, "given_up": given_up}

