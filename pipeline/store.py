"""The SQLite store: schema, forward migrations, and the queries stages share.

One file, WAL mode, opened through sqlite-utils. MIGRATIONS are named and applied
in order at start-up, each once (the `migrations` table records them); a database
carrying a migration this code does not know was made by a newer xxgk and is refused. Every stage writes inside `store.transaction()`.

Tables (see MIGRATIONS for columns):
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
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, overload

import sqlite_utils

from .errors import StoreError
from .models import Attachment, Post
from .normalize import url_identity

# Named forward migrations, applied in list order, each once (recorded in `migrations`).
# Append new ones at the end with a new name; never edit or reorder a shipped one.
MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", """
    CREATE TABLE sources (name TEXT PRIMARY KEY, kind TEXT, channel TEXT, url TEXT);
    CREATE TABLE runs (id INTEGER PRIMARY KEY, command TEXT, started_at TEXT, finished_at TEXT,
                       status TEXT, summary TEXT);
    CREATE TABLE run_sources (run_id INTEGER, source TEXT, status TEXT, new INTEGER, updated INTEGER,
                              unchanged INTEGER, withdrawn INTEGER, errors INTEGER, requests INTEGER,
                              error TEXT, warnings TEXT, PRIMARY KEY (run_id, source));
    CREATE TABLE responses (id INTEGER PRIMARY KEY, url TEXT, fetched_at TEXT, status INTEGER,
                            content_type TEXT, sha1 TEXT, body_gz BLOB);
    CREATE INDEX responses_url ON responses(url);
    CREATE TABLE http_cache (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, checked_at TEXT,
                             sha1 TEXT);
    CREATE TABLE posts (id TEXT PRIMARY KEY, source TEXT, channel TEXT, url TEXT, title TEXT,
                        published_at TEXT, content_hash TEXT, version INTEGER, first_seen TEXT,
                        last_seen TEXT, withdrawn_at TEXT, withdrawn_reason TEXT);
    CREATE INDEX posts_source ON posts(source);
    CREATE TABLE post_versions (post_id TEXT, version INTEGER, content_hash TEXT, fetched_at TEXT,
                                title TEXT, published_at TEXT, body_html TEXT, body_text TEXT,
                                attachments TEXT, images TEXT, meta TEXT,
                                PRIMARY KEY (post_id, version));
    CREATE TABLE items (id TEXT PRIMARY KEY, index_number TEXT UNIQUE, title TEXT, published_at TEXT,
                        first_channel TEXT, formed_on TEXT, updated_at TEXT, content_hash TEXT,
                        category TEXT, confidence REAL, reason TEXT, status TEXT,
                        normative INTEGER DEFAULT 0, validity TEXT, withdrawn INTEGER DEFAULT 0,
                        created_at TEXT, primary_post TEXT, classified_hash TEXT, seen_hash TEXT,
                        dirty INTEGER DEFAULT 1);
    CREATE INDEX items_published ON items(published_at);
    CREATE INDEX items_dirty ON items(dirty) WHERE dirty = 1;
    CREATE TABLE item_posts (post_id TEXT PRIMARY KEY, item_id TEXT, rule TEXT, score REAL,
                             decided_by TEXT, decided_at TEXT);
    CREATE INDEX item_posts_item ON item_posts(item_id);
    CREATE TABLE item_keys (key TEXT, item_id TEXT, published_at TEXT);
    CREATE INDEX item_keys_key ON item_keys(key);
    CREATE INDEX item_keys_item ON item_keys(item_id);
    CREATE TABLE categories (id TEXT PRIMARY KEY, name TEXT, parent TEXT, position INTEGER);
    CREATE TABLE decisions (id INTEGER PRIMARY KEY, at TEXT, who TEXT, item_id TEXT, kind TEXT,
                            before TEXT, after TEXT, note TEXT);
    CREATE INDEX decisions_item ON decisions(item_id);
    CREATE TABLE serials (year INTEGER PRIMARY KEY, last INTEGER);
    """),
    ("0006_ops", """
    CREATE TABLE alerts_sent (key TEXT PRIMARY KEY, sent_at TEXT, message TEXT);
    """),
    # The office's registers behind the annual report's 表三 / 表四 (pipeline/report/ledger.py).
    ("0005_registers", """
    CREATE TABLE IF NOT EXISTS applications (id TEXT PRIMARY KEY, received_on TEXT NOT NULL, channel TEXT NOT NULL,
                               applicant_type TEXT NOT NULL, applicant TEXT, request TEXT,
                               outcome TEXT, replied_on TEXT, corrected_on TEXT,
                               extension_workdays INTEGER NOT NULL DEFAULT 0, note TEXT,
                               created_at TEXT, updated_at TEXT);
    CREATE INDEX IF NOT EXISTS applications_received ON applications(received_on);
    CREATE INDEX IF NOT EXISTS applications_open ON applications(replied_on) WHERE replied_on IS NULL;
    CREATE TABLE IF NOT EXISTS application_consultations (application_id TEXT NOT NULL, sent_on TEXT NOT NULL,
                                            answered_on TEXT, party TEXT,
                                            PRIMARY KEY (application_id, sent_on));
    CREATE TABLE IF NOT EXISTS appeals (id TEXT PRIMARY KEY, kind TEXT NOT NULL, filed_on TEXT NOT NULL,
                          outcome TEXT NOT NULL, decided_on TEXT, application_id TEXT, note TEXT,
                          created_at TEXT, updated_at TEXT);
    CREATE INDEX IF NOT EXISTS appeals_filed ON appeals(filed_on);
    """),
    # Staff accounts and sessions of the review page; the classification, validity and model
    # history (pipeline/classify, pipeline/review). Staff decisions go to `decisions`.
    ("0004_review", """
    CREATE TABLE users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at TEXT,
                        disabled INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,
                           created_at TEXT, expires_at TEXT);
    CREATE INDEX sessions_user ON sessions(user);
    CREATE TABLE login_attempts (id INTEGER PRIMARY KEY, at TEXT, name TEXT, address TEXT, ok INTEGER);
    CREATE INDEX login_attempts_name ON login_attempts(name, at);
    CREATE INDEX login_attempts_address ON login_attempts(address, at);
    CREATE TABLE classifications (id INTEGER PRIMARY KEY, item_id TEXT, at TEXT, category TEXT,
                                  confidence REAL, reason TEXT, status TEXT, content_hash TEXT);
    CREATE INDEX classifications_item ON classifications(item_id);
    CREATE TABLE validity_events (id INTEGER PRIMARY KEY, item_id TEXT, at TEXT, validity TEXT,
                                  source TEXT, note TEXT);
    CREATE INDEX validity_events_item ON validity_events(item_id);
    CREATE TABLE model_runs (id INTEGER PRIMARY KEY, at TEXT, examples INTEGER, classes INTEGER,
                             last_decision INTEGER, seconds REAL);
    ALTER TABLE items ADD COLUMN personal_data TEXT;
    ALTER TABLE categories ADD COLUMN retired_at TEXT;
    CREATE INDEX items_status ON items(status, confidence);
    CREATE INDEX items_category ON items(category);
    CREATE INDEX decisions_at ON decisions(at);
    """),
    # Collectors (pipeline/collect.py): runs in a row that walked a source's whole list without
    # a post (withdrawn at [sources.X] missing_runs); published_at per source for the re-check window.
    ("0002_collect", """
    ALTER TABLE posts ADD COLUMN missed_runs INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX posts_source_published ON posts(source, published_at);
    """),
    # Merging (pipeline/dedupe.py, merge_rules.py, merges.py): one sketch per post (its latest
    # version), its blocking and LSH keys by (key, date); the counted channel, the withdrawal
    # date and the staff merge target of an item. item_keys (0001) is no longer written.
    ("0003_merge", """
    CREATE TABLE post_sketches (sid INTEGER PRIMARY KEY, post_id TEXT UNIQUE, version INTEGER, at INTEGER,
                                title_key TEXT, numbers TEXT, body_chars INTEGER, body_hash TEXT,
                                sig BLOB, keys BLOB);
    CREATE TABLE post_keys (key INTEGER, at INTEGER, sid INTEGER, PRIMARY KEY (key, at, sid)) WITHOUT ROWID;
    ALTER TABLE items ADD COLUMN count_channel TEXT;
    ALTER TABLE items ADD COLUMN withdrawn_at TEXT;
    ALTER TABLE items ADD COLUMN merged_into TEXT;
    UPDATE items SET count_channel = first_channel;
    UPDATE items SET dirty = 1 WHERE withdrawn = 1;
    """),
    ("0008_counted_items", """
    CREATE VIEW counted_items AS
        SELECT *, COALESCE(count_channel, first_channel) AS channel FROM items WHERE merged_into IS NULL;
    """),
    # What changed for publishing since a build: item ids with a growing seq (see pipeline/views.py).
    ("0007_publish_log", """
    CREATE TABLE publish_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL);
    CREATE TRIGGER publish_log_item_new AFTER INSERT ON items
        BEGIN INSERT INTO publish_log (item_id) VALUES (new.id); END;
    CREATE TRIGGER publish_log_item_gone AFTER DELETE ON items
        BEGIN INSERT INTO publish_log (item_id) VALUES (old.id); END;
    CREATE TRIGGER publish_log_item_changed AFTER UPDATE OF id, title, index_number, published_at, updated_at,
        category, withdrawn, first_channel, formed_on, validity, primary_post ON items
        BEGIN INSERT INTO publish_log (item_id) SELECT old.id UNION SELECT new.id; END;
    CREATE TRIGGER publish_log_copy_new AFTER INSERT ON item_posts
        BEGIN INSERT INTO publish_log (item_id) VALUES (new.item_id); END;
    CREATE TRIGGER publish_log_copy_gone AFTER DELETE ON item_posts
        BEGIN INSERT INTO publish_log (item_id) VALUES (old.item_id); END;
    CREATE TRIGGER publish_log_copy_changed AFTER UPDATE ON item_posts
        BEGIN INSERT INTO publish_log (item_id) SELECT old.item_id UNION SELECT new.item_id; END;
    CREATE TRIGGER publish_log_post_changed AFTER UPDATE OF channel, url, published_at, first_seen, withdrawn_at,
        version ON posts
        BEGIN INSERT INTO publish_log (item_id) SELECT item_id FROM item_posts WHERE post_id = new.id; END;
    CREATE TRIGGER publish_log_version_new AFTER INSERT ON post_versions
        BEGIN INSERT INTO publish_log (item_id) SELECT item_id FROM item_posts WHERE post_id = new.post_id; END;
    """),
    # Collectors (pipeline/collect.py): the list URL a source last walked to its end. Until it has
    # one, every run walks the whole list (a first crawl cut short is finished, never left cut).
    ("0009_whole_list_walks", """
    ALTER TABLE sources ADD COLUMN walked_whole_url TEXT;
    """),
    # Whose items and which 索引号 (pipeline/ownership.py, item_derive.py): rows set aside as another
    # agency's; the 索引号 xxgk minted for an item (kept resolvable once an official one is shown),
    # the 文号 and 发布机构 an item shows; each sketch's official 索引号/文号 (keys), so that
    # copies with different ones never merge. Sketches are re-made by the next dedupe run.
    ("0010_merge_identities", """
    CREATE TABLE set_aside (post_id TEXT PRIMARY KEY, publisher TEXT, reason TEXT, decided_at TEXT);
    ALTER TABLE items ADD COLUMN minted_index TEXT;
    ALTER TABLE items ADD COLUMN doc_number TEXT;
    ALTER TABLE items ADD COLUMN publisher TEXT;
    UPDATE items SET minted_index = index_number, dirty = 1;
    CREATE INDEX items_minted ON items(minted_index);
    ALTER TABLE post_sketches ADD COLUMN idx INTEGER;
    ALTER TABLE post_sketches ADD COLUMN doc INTEGER;
    ALTER TABLE post_sketches ADD COLUMN days TEXT;
    DELETE FROM post_keys;
    DELETE FROM post_sketches;
    CREATE TRIGGER publish_log_item_shown AFTER UPDATE OF doc_number, publisher ON items
        BEGIN INSERT INTO publish_log (item_id) VALUES (new.id); END;
    """),
]
# The registers as real offices keep them (pipeline/report): withdrawn entries (kept, not counted),
# the key of an imported row (importing twice adds nothing), every change with who/when/why,
# opening balances carried into the first year kept here, and the figures of published reports.
MIGRATIONS.append(("0011_register_corrections", """
    ALTER TABLE applications ADD COLUMN withdrawn_at TEXT;
    ALTER TABLE applications ADD COLUMN withdrawn_reason TEXT;
    ALTER TABLE applications ADD COLUMN import_key TEXT;
    CREATE UNIQUE INDEX applications_import_key ON applications(import_key);
    ALTER TABLE appeals ADD COLUMN withdrawn_at TEXT;
    ALTER TABLE appeals ADD COLUMN withdrawn_reason TEXT;
    ALTER TABLE appeals ADD COLUMN import_key TEXT;
    CREATE UNIQUE INDEX appeals_import_key ON appeals(import_key);
    CREATE TABLE register_changes (id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL,
                                   register TEXT NOT NULL, entry_id TEXT NOT NULL, action TEXT NOT NULL,
                                   before TEXT, after TEXT, reason TEXT);
    CREATE INDEX register_changes_entry ON register_changes(register, entry_id);
    CREATE TABLE opening_balances (year INTEGER NOT NULL, applicant_type TEXT NOT NULL,
                                   count INTEGER NOT NULL, PRIMARY KEY (year, applicant_type));
    CREATE TABLE opening_closures (id INTEGER PRIMARY KEY, year INTEGER NOT NULL, applicant_type TEXT NOT NULL,
                                   outcome TEXT NOT NULL, replied_on TEXT NOT NULL);
    CREATE TABLE published_reports (year INTEGER PRIMARY KEY, published_at TEXT NOT NULL, who TEXT NOT NULL,
                                    data TEXT NOT NULL);
    """))
KNOWN_MIGRATIONS = {name for name, _ in MIGRATIONS}


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
    hints = {"file is not a database": "it is not an SQLite database (restore a backup)",
             "malformed": "the file is damaged (restore a backup: see README, Backup and restore)",
             "unable to open": "it cannot be opened (is the path a folder, or its folder missing or not writable?)",
             "readonly": "it is read-only", "read-only": "it is read-only",
             "disk is full": "the disk is full", "No space left": "the disk is full",
             "Is a directory": "the path is a folder, not a database file"}
    why = next((hint for words, hint in hints.items() if words in text), "")
    if path.is_dir():
        why = "the path is a folder, not a database file"
    return f"the database {path} cannot be used: {why + ' — ' if why else ''}{text}"


class Store:
    """The project's one database."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Worker threads never touch the connection (see HttpCache); the flag only lets
            # the connection be closed from another thread at shutdown.
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA busy_timeout=10000")
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
        then it is read as it is, so `xxgk status` still works."""
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as e:
            if "readonly" not in str(e) and "read-only" not in str(e):
                raise

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
                f"{self.path}: the database was changed by a newer xxgk (migration {unknown[0]} is unknown "
                f"here); upgrade xxgk or restore a backup"
            )
        for name, script in MIGRATIONS:
            if name in applied:
                continue
            with self.transaction():
                self.db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
                for statement in _statements(script):
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
        with self.transaction():
            self.db.table("run_sources").upsert(row, pk=("run_id", "source"))

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
                [iso(utcnow()), status, json.dumps(summary, ensure_ascii=False), run_id],
            )

    def last_source_runs(self) -> list[dict[str, Any]]:
        """The latest outcome per source, with when it ran."""
        return list(
            self.db.query(
                """SELECT s.name AS source, s.kind, rs.status, rs.new, rs.updated, rs.unchanged,
                          rs.withdrawn, rs.errors, rs.error, rs.warnings, r.started_at, r.id AS run_id
                   FROM sources s
                   LEFT JOIN run_sources rs ON rs.source = s.name
                        AND rs.run_id = (SELECT MAX(run_id) FROM run_sources WHERE source = s.name)
                   LEFT JOIN runs r ON r.id = rs.run_id
                   ORDER BY s.name"""
            )
        )

    def last_run(self) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))
        return rows[0] if rows else None

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
                "UPDATE posts SET last_seen = ?, withdrawn_at = NULL, withdrawn_reason = NULL WHERE id = ?",
                [now_s, pid],
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
                   withdrawn_at = NULL, withdrawn_reason = NULL WHERE id = ?""",
                [post.title, published, digest, version, now_s, pid],
            )
            # The item showing this post must be re-derived and republished.
            self.db.execute(
                "UPDATE items SET dirty = 1 WHERE id = (SELECT item_id FROM item_posts WHERE post_id = ?)", [pid]
            )
            return "updated"
        self.db.execute(
            """INSERT INTO posts (id, source, channel, url, title, published_at, content_hash, version, first_seen,
               last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)""",
            [pid, post.source, post.channel, post.url, post.title, published, digest, now_s, now_s],
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
        """Runs of this source that ended ok: the clock of its re-check cycle (pipeline/collect.py)."""
        return int(self.db.execute("SELECT COUNT(*) FROM run_sources WHERE source = ? AND status = 'ok'",
                                   [source]).fetchone()[0])

    def active_posts(self, source: str) -> list[tuple[str, str, str | None]]:
        """(id, url, published_at) of one source's posts not withdrawn, newest first."""
        return self.db.execute(
            "SELECT id, url, published_at FROM posts WHERE source = ? AND withdrawn_at IS NULL "
            "ORDER BY published_at DESC", [source]).fetchall()

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


def _statements(script: str) -> list[str]:
    # Split on ";" but keep a trigger's BEGIN … END body (which holds ";") in one statement.
    out, part = [], ""
    for piece in script.split(";"):
        part += piece + ";"
        if sqlite3.complete_statement(part):
            if part.strip(" \n;"):
                out.append(part.strip().rstrip(";").strip())
            part = ""
    if part.strip(" \n;"):
        out.append(part.strip().rstrip(";").strip())
    return out
