"""The SQLite store: schema, forward migrations, and the queries stages share.

One file, WAL mode, opened through sqlite-utils. MIGRATIONS (migrations.py) are named and applied
in order at start-up, each once (the `migrations` table records them); a database
carrying a migration this code does not know was made by a newer xxgk and is refused. Every stage writes inside `store.transaction()`.

Tables (see migrations.py for columns):
  sources, runs, run_sources        what ran and how it went
  responses, http_cache             raw responses (zlib) and ETag/Last-Modified per URL
  posts, post_versions              one row per copy; a new version row when content changes
  items, item_posts, item_keys      merged items, their posts (with why), merge blocking keys
  categories, decisions, serials    the catalog tree, staff decisions, 索引号 serials
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, overload

import sqlite_utils

from ..errors import StoreError
from ..models import Attachment, Post
from ..normalize import url_identity
from .migrations import KNOWN_MIGRATIONS, MIGRATIONS, statements


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@overload
def iso(dt: datetime) -> str: ...
@overload
def iso(dt: datetime | None) -> str | None: ...
def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds") if dt else None


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def post_id(channel: str, url: str) -> str:
    """A post's stable id: its channel and canonical URL (http and https folded)."""
    return "p" + hashlib.sha1(f"{channel}\n{url_identity(url)}".encode()).hexdigest()[:16]


def content_hash(post: Post, published: str | None = None) -> str:
    """What counts as a change of a post: a new version is written only when this changes.
    (`published` is iso(post.published_at) when the caller has it already.)"""
    payload = json.dumps(
        [post.title, published or iso(post.published_at), post.body_text, [asdict(a) for a in post.attachments],
         sorted(post.meta.items())],
        ensure_ascii=False,
    )
    return hashlib.sha1(payload.encode()).hexdigest()


def _writable(path: Path) -> bool:
    """Whether the database and its folder (where SQLite keeps its -wal and -shm files) can be written."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def store_fault(path: Path | str, error: BaseException) -> str:
    """One line saying why the database at `path` cannot be used (exit 4)."""
    path = Path(path)
    text = str(getattr(error, "strerror", None) or error)
    hints = {"file is not a database": "不是 SQLite 数据库（请从备份恢复）",
             "malformed": "文件已损坏（请从备份恢复，见 README「Backup and restore」）",
             "unable to open": "无法打开（路径是否为文件夹，或其所在文件夹不存在、不可写？）",
             "readonly": "文件只读", "read-only": "文件只读",
             "disk is full": "磁盘已满", "No space left": "磁盘已满",
             "Is a directory": "该路径是文件夹，不是数据库文件"}
    why = next((hint for words, hint in hints.items() if words in text), "")
    if path.is_dir():
        why = "该路径是文件夹，不是数据库文件"
    return f"数据库 {path} 无法使用：{why + '——' if why else ''}{text}"


BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another process's lock


class Store:
    """The project's one database."""

    def __init__(self, path: str | Path, tz: tzinfo | None = None):
        self.path = Path(path)
        # The office's clock ([office] timezone): the day a register message shows staff for a stored
        # instant (models.staff_day). Commands and the review app pass it; None: not known here.
        self.tz = tz
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Worker threads never touch the connection (see HttpCache); the flag only lets
            # the connection be closed from another thread at shutdown.
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self.db = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._use_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.migrate()
        except (sqlite3.Error, OSError) as e:
            if not self.path.is_file() or _writable(self.path):
                raise StoreError(store_fault(self.path, e)) from None
            self._open_read_only(e)

    def _open_read_only(self, error: BaseException) -> None:
        """A database that cannot be written (a read-only mount, an immutable file or folder) is
        read as it is — `xxgk status` works — and any write fails with a clear StoreError."""
        from urllib.parse import quote

        try:
            conn = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?mode=ro&immutable=1", uri=True,
                                   check_same_thread=False, isolation_level=None)
            self.db = sqlite_utils.Database(conn)
            missing = [name for name, _ in MIGRATIONS if name not in self.applied_migrations()]
        except sqlite3.Error:
            raise StoreError(store_fault(self.path, error)) from None
        if missing:
            raise StoreError(f"the database {self.path} is read-only and needs upgrading (migration {missing[0]})")

    def _use_wal(self) -> None:
        """WAL, unless the database cannot be written (a read-only mount, an immutable file):
        then it is read as it is, so `xxgk status` still works. Switching a database to WAL does
        not wait on SQLite's busy handler: when another process opens it at the same moment (cron's
        sync and `xxgk serve` started together) the switch is tried again, as long as a lock is waited for."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as e:
                if "readonly" in str(e) or "read-only" in str(e):
                    return
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    # -- schema -----------------------------------------------------------------
    def applied_migrations(self) -> list[str]:
        if not self.db["migrations"].exists():
            return []
        return [row[0] for row in self.db.execute("SELECT name FROM migrations ORDER BY rowid")]

    def migrate(self) -> None:
        """Apply the migrations this database lacks; refuse one made by a newer xxgk."""
        applied = self.applied_migrations()
        unknown = [name for name in applied if name not in KNOWN_MIGRATIONS]
        if unknown:
            raise StoreError(
                f"{self.path}：数据库已被更新版本的 xxgk 改动（本版本不认识迁移 {unknown[0]}）；"
                f"请升级 xxgk，或从备份恢复"
            )
        for name, script in MIGRATIONS:
            if name in applied:
                continue
            with self.transaction():
                # Asked again under the write lock: another process (cron's sync and `xxgk serve` started
                # together) may have applied it since, and a migration applied twice fails.
                if name in self.applied_migrations():
                    continue
                self.db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
                for statement in statements(script):
                    self.db.execute(statement)
                self.db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", [name, iso(utcnow())])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested calls join the outer one."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:  # a full disk or an I/O error has already rolled it back
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sources and runs -----------------------------------------------------------
    def sync_sources(self, sources: list[dict[str, Any]]) -> None:
        with self.transaction():
            self.db.table("sources").upsert_all(sources, pk="name")

    def start_run(self, command: str) -> int:
        """Record a run starting. Callers hold the run lock, so a run still marked `running`
        was killed (kill -9, power cut): it is marked `interrupted`."""
        with self.transaction():
            self.db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            cur = self.db.execute(
                "INSERT INTO runs (command, started_at, status) VALUES (?, ?, 'running')", [command, iso(utcnow())]
            )
            assert cur.lastrowid is not None  # an INSERT sets it
            return cur.lastrowid

    def record_source_run(self, run_id: int, source: str, outcome: dict[str, Any]) -> None:
        row = {"run_id": run_id, "source": source, **outcome}
        row["warnings"] = json.dumps(row.get("warnings", []), ensure_ascii=False)
        row["failure_kinds"] = json.dumps(row.get("failure_kinds", []))
        with self.transaction():
            self.db.table("run_sources").upsert(row, pk=("run_id", "source"))

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
                [iso(utcnow()), status, json.dumps(summary, ensure_ascii=False), run_id],
            )

    def last_source_runs(self) -> list[dict[str, Any]]:
        """The latest outcome per source, with when it ran and what failed (failure_kinds: a list)."""
        rows = list(
            self.db.query(
                """SELECT s.name AS source, s.kind, rs.status, rs.new, rs.updated, rs.unchanged,
                          rs.withdrawn, rs.errors, rs.error, rs.warnings, rs.capped_warning, r.started_at,
                          r.id AS run_id, rs.failure_kinds
                   FROM sources s
                   LEFT JOIN run_sources rs ON rs.source = s.name
                        AND rs.run_id = (SELECT MAX(run_id) FROM run_sources WHERE source = s.name)
                   LEFT JOIN runs r ON r.id = rs.run_id
                   ORDER BY s.name"""
            )
        )
        for row in rows:  # stored as JSON text: handed out as the lists they are
            row["failure_kinds"] = json.loads(row["failure_kinds"] or "[]")
            row["warnings"] = json.loads(row["warnings"] or "[]")
        return rows

    def last_run(self) -> dict[str, Any] | None:
        """The latest run as recorded (a run killed midway stays `running` here until the next starts:
        pipeline.nightly.job.last_run tells); its summary as the dict finish_run was given, or None."""
        rows = list(self.db.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))
        return _run_row(rows[0]) if rows else None

    def run(self, run_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        return _run_row(rows[0]) if rows else None

    def last_started(self, commands: tuple[str, ...]) -> datetime | None:
        """When the latest run of these commands started (the scheduler's catch-up), None if none did."""
        marks = ", ".join("?" * len(commands))
        row = self.db.execute(f"SELECT MAX(started_at) FROM runs WHERE command IN ({marks})", list(commands)).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    # -- builds ---------------------------------------------------------------------
    def build_mark(self) -> str | None:
        """The mark of the last build made from this store (None: none recorded)."""
        row = self.db.execute("SELECT mark FROM build_mark WHERE id = 1").fetchone()
        return str(row[0]) if row else None

    def set_build_mark(self, mark: str) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO build_mark (id, mark, built_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE "
                            "SET mark = excluded.mark, built_at = excluded.built_at", [mark, iso(utcnow())])

    def serials(self) -> dict[int, int]:
        """The last 索引号 serial minted per year (pipeline/merge/identifiers.py)."""
        return dict(self.db.execute("SELECT year, last FROM serials").fetchall())

    def keep_serials_above(self, serials: dict[int, int]) -> None:
        """Count on from at least these serials (a restored store: numbers minted since its backup stay unused)."""
        with self.transaction():
            self.db.conn.executemany("INSERT INTO serials (year, last) VALUES (?, ?) ON CONFLICT(year) DO UPDATE "
                                     "SET last = max(last, excluded.last)", sorted(serials.items()))

    # -- decisions ------------------------------------------------------------------
    def category_names(self) -> dict[str, str]:
        """Every category ever known, retired ones included (what was filed under them keeps a name)."""
        return dict(self.db.execute("SELECT id, name FROM categories"))

    def record_decision(self, at: str, who: str, subject: str, kind: str, before: str | None,
                        after: str | None, note: str = "") -> None:
        """Append one decision (a person's, or the system's) to `decisions`: when, who, about
        which item or register entry, what kind, from → to, why. The one writer of that table;
        callers hold the transaction the change itself is in."""
        self.db.execute(
            "INSERT INTO decisions (at, who, item_id, kind, before, after, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [at, who, subject, kind, before, after, note])

    # -- posts ----------------------------------------------------------------------
    def save_post(self, post: Post, now: datetime | None = None) -> str:
        """Store a collected post: 'new', 'updated' (a new version) or 'unchanged'."""
        now_s = iso(now or utcnow())
        published = iso(post.published_at)
        pid = post_id(post.channel, post.url)
        digest = content_hash(post, published)
        row = self.db.execute("SELECT content_hash, version FROM posts WHERE id = ?", [pid]).fetchone()
        if row and row[0] == digest:
            self.db.execute(
                "UPDATE posts SET last_seen = ?, rechecked_at = ?, withdrawn_at = NULL, withdrawn_reason = NULL "
                "WHERE id = ?", [now_s, now_s, pid],
            )
            return "unchanged"
        version = (row[1] + 1) if row else 1
        # Plain INSERTs: sqlite-utils' insert() inspects the table on every call (a crawl stores thousands).
        self.db.execute(
            """INSERT INTO post_versions (post_id, version, content_hash, fetched_at, title, published_at, body_html,
               body_text, attachments, images, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [pid, version, digest, now_s, post.title, published, post.body_html, post.body_text,
             json.dumps([asdict(a) for a in post.attachments], ensure_ascii=False),
             json.dumps(list(post.images)), json.dumps(post.meta, ensure_ascii=False)],
        )
        if row:
            self.db.execute(
                """UPDATE posts SET title = ?, published_at = ?, content_hash = ?, version = ?, last_seen = ?,
                   rechecked_at = ?, withdrawn_at = NULL, withdrawn_reason = NULL WHERE id = ?""",
                [post.title, published, digest, version, now_s, now_s, pid],
            )
            # The item showing this post must be re-derived and republished.
            self.db.execute(
                "UPDATE items SET dirty = 1 WHERE id = (SELECT item_id FROM item_posts WHERE post_id = ?)", [pid]
            )
            return "updated"
        self.db.execute(
            """INSERT INTO posts (id, source, channel, url, title, published_at, content_hash, version, first_seen,
               last_seen, rechecked_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)""",
            [pid, post.source, post.channel, post.url, post.title, published, digest, now_s, now_s, now_s],
        )
        return "new"

    def walked_whole(self, source: str, url: str) -> bool:
        """Whether a run walked this source's list (at this URL) to its end."""
        row = self.db.execute("SELECT walked_whole_url FROM sources WHERE name = ?", [source]).fetchone()
        return bool(row) and row[0] == url

    def mark_walked_whole(self, source: str, url: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE sources SET walked_whole_url = ? WHERE name = ?", [url, source])

    def completed_runs(self, source: str) -> int:
        """Runs of this source that ended ok: the clock of its re-check cycle (pipeline/collect/stage.py)."""
        return int(self.db.execute("SELECT COUNT(*) FROM run_sources WHERE source = ? AND status = 'ok'",
                                   [source]).fetchone()[0])

    def active_posts(self, source: str) -> list[tuple[str, str, str | None]]:
        """(id, url, published_at) of one source's posts not withdrawn, newest first."""
        return self.db.execute(
            "SELECT id, url, published_at FROM posts WHERE source = ? AND withdrawn_at IS NULL "
            "ORDER BY published_at DESC", [source]).fetchall()

    def rechecked_times(self, source: str) -> dict[str, str | None]:
        """Post id → when it was last compared with its page (NULL: not known, from before 0013)."""
        return dict(self.db.execute("SELECT id, rechecked_at FROM posts WHERE source = ? AND withdrawn_at IS NULL",
                                    [source]).fetchall())

    def recheck_queue(self, source: str) -> list[tuple[str, str]]:
        """(id, url) of one source's posts not withdrawn, the longest unchecked first (never known: first)."""
        return self.db.execute("SELECT id, url FROM posts WHERE source = ? AND withdrawn_at IS NULL "
                               "ORDER BY rechecked_at IS NOT NULL, rechecked_at, id", [source]).fetchall()

    def mark_rechecked(self, pids: list[str], now: datetime) -> None:
        """These posts were compared with their page now (a 304); callers hold the transaction."""
        self.db.conn.executemany("UPDATE posts SET rechecked_at = ? WHERE id = ?", [(iso(now), pid) for pid in pids])

    def hourly_recheck_at(self, source: str) -> datetime | None:
        """When the source's hourly re-check (`xxgk recheck`) last ran; None if never."""
        row = self.db.execute("SELECT hourly_recheck_at FROM sources WHERE name = ?", [source]).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def mark_hourly_recheck(self, source: str, now: datetime) -> None:
        with self.transaction():
            self.db.execute("UPDATE sources SET hourly_recheck_at = ? WHERE name = ?", [iso(now), source])

    def known_post_urls(self, source: str) -> dict[str, str | None]:
        """Canonical URL → withdrawn_at, for one source's posts (incremental collection)."""
        return {
            url: withdrawn
            for url, withdrawn in self.db.execute(
                "SELECT url, withdrawn_at FROM posts WHERE source = ?", [source]
            ).fetchall()
        }

    def withdraw_post(self, channel: str, url: str, reason: str, now: datetime | None = None) -> bool:
        """Mark a post withdrawn upstream (kept, never deleted). True if it was not already."""
        pid = post_id(channel, url)
        cur = self.db.execute(
            "UPDATE posts SET withdrawn_at = ?, withdrawn_reason = ? WHERE id = ? AND withdrawn_at IS NULL",
            [iso(now or utcnow()), reason, pid],
        )
        if cur.rowcount:
            self.db.execute(
                "UPDATE items SET dirty = 1 WHERE id = (SELECT item_id FROM item_posts WHERE post_id = ?)", [pid]
            )
        return bool(cur.rowcount)

    def latest_version(self, pid: str) -> dict[str, Any] | None:
        rows = list(
            self.db.query(
                "SELECT * FROM post_versions WHERE post_id = ? ORDER BY version DESC LIMIT 1", [pid]
            )
        )
        return rows[0] if rows else None


def _run_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "summary": json.loads(row["summary"]) if row["summary"] else None}


def backup_to(store: Store, target: Path) -> int:
    """A consistent copy of the database at `target` (SQLite online backup; works during writes)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    dest = sqlite3.connect(tmp)
    try:
        store.db.conn.backup(dest)
        pages = int(dest.execute("PRAGMA page_count").fetchone()[0])
        if dest.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise StoreError(f"{target}: the backup failed its integrity check")
    finally:
        dest.close()
    tmp.replace(target)  # a half-written backup never has the final name
    return pages


def decode_attachments(value: str | None) -> tuple[Attachment, ...]:
    return tuple(Attachment(**a) for a in json.loads(value or "[]"))


class HttpCache:
    """The store's side of fetch.ConditionalCache.

    Fetcher worker threads call validators()/record(); they only touch an in-memory
    dict and a list, and `flush()` writes them from the stage's own thread, in its
    transaction. Raw bodies are kept zlib-compressed, one row per distinct body.
    """

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._known: dict[str, tuple[str | None, str | None, str | None]] = {
            url: (etag, lm, sha)
            for url, etag, lm, sha in store.db.execute(
                "SELECT url, etag, last_modified, sha1 FROM http_cache"
            ).fetchall()
        }
        self._pending: list[tuple[str, Any, str]] = []

    def validators(self, url: str) -> tuple[str | None, str | None]:
        with self._lock:
            known = self._known.get(url)
        return (known[0], known[1]) if known else (None, None)

    def record(self, url: str, response: Any) -> None:
        with self._lock:
            self._pending.append((url, response, iso(utcnow())))

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        with self.store.transaction():
            for url, response, at in pending:
                old = self._known.get(url)
                sha = old[2] if old else None
                if not response.not_modified:
                    sha = hashlib.sha1(response.content).hexdigest()
                    if not old or old[2] != sha:
                        self.store.db.execute(
                            """INSERT INTO responses (url, fetched_at, status, content_type, sha1, body_gz)
                               VALUES (?, ?, ?, ?, ?, ?)""",
                            [url, at, response.status, response.headers.get("content-type", ""), sha,
                             zlib.compress(response.content, 6)],
                        )
                etag = response.etag or (old[0] if old and response.not_modified else None)
                modified = response.last_modified or (old[1] if old and response.not_modified else None)
                self.store.db.execute(
                    """INSERT INTO http_cache (url, etag, last_modified, checked_at, sha1) VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                       checked_at = excluded.checked_at, sha1 = excluded.sha1""",
                    [url, etag, modified, at, sha],
                )
                with self._lock:
                    self._known[url] = (etag, modified, sha)

    def forget(self, url: str) -> None:
        """Drop a URL's validators so the next fetch gets a full body (e.g. after a parse failure)."""
        with self._lock:
            self._known.pop(url, None)
        self.store.db.execute("DELETE FROM http_cache WHERE url = ?", [url])
