"""The store's schema, as named forward migrations (Store.migrate applies them at start-up).

A shipped migration is never edited: a change to the schema is a new one, appended at the end.
"""

from __future__ import annotations

import sqlite3

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
    # The office's registers behind the annual report's 表三 / 表四 (pipeline/registers/ledger.py).
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
    # Collectors (pipeline/collect/stage.py): runs in a row that walked a source's whole list without
    # a post (withdrawn at [sources.X] missing_runs); published_at per source for the re-check window.
    ("0002_collect", """
    ALTER TABLE posts ADD COLUMN missed_runs INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX posts_source_published ON posts(source, published_at);
    """),
    # Merging (pipeline/merge/: stage.py, rules.py, staff.py): one sketch per post (its latest
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
    # Collectors (pipeline/collect/stage.py): the list URL a source last walked to its end. Until it has
    # one, every run walks the whole list (a first crawl cut short is finished, never left cut).
    ("0009_whole_list_walks", """
    ALTER TABLE sources ADD COLUMN walked_whole_url TEXT;
    """),
    # Whose items and which 索引号 (pipeline/merge/: ownership.py, item_fields.py): rows set aside as another
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
# What a source's run needs alerting on, as recorded kinds (pipeline/nightly/health.py reads them, never
# the words of a message): what failed (errors.failure_kind, a JSON list), the warning of a list
# cut by max_pages, the warning of a source that listed nothing though it had posts.
MIGRATIONS.append(("0012_run_source_kinds", """
    ALTER TABLE run_sources ADD COLUMN failure_kinds TEXT;
    ALTER TABLE run_sources ADD COLUMN capped_warning TEXT;
    ALTER TABLE run_sources ADD COLUMN empty_warning TEXT;
    """))
# Re-checks for edits spread over the day ([collect] recheck = "hourly", pipeline/collect/stage.py): when each
# post was last compared with its page (a 304 or a fetch; NULL: before this migration, not known), and when
# each source's hourly re-check last ran (the night takes its own share after a day without one).
MIGRATIONS.append(("0013_post_rechecks", """
    ALTER TABLE posts ADD COLUMN rechecked_at TEXT;
    CREATE INDEX posts_rechecked ON posts(source, rechecked_at);
    ALTER TABLE sources ADD COLUMN hourly_recheck_at TEXT;
    """))
# robots.txt kept between runs (pipeline/store/robots.py): the hourly re-checks reuse a copy younger than a
# day instead of fetching it every hour. body "" is a robots.txt that was absent (4xx): no rules.
MIGRATIONS.append(("0014_robots_txt", """
    CREATE TABLE robots_txt (url TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_at TEXT NOT NULL);
    """))
# The images of posts kept by [collect] archive_images (pipeline/collect/images.py, store/images.py): each image
# URL once, with the sha256 its copy is stored under (NULL until archived), its type and size, or its failures
# (retried on later nights, then given up, `refused` at once for what is no image); which images each post's
# current version shows; per post, the version whose images were dealt with and how many are archived (a change
# of that count re-renders the post's item, like a new version).
MIGRATIONS.append(("0015_image_archive", """
    CREATE TABLE images (url TEXT PRIMARY KEY, sha256 TEXT, type TEXT, size INTEGER, fetched_at TEXT,
                         failures INTEGER NOT NULL DEFAULT 0, error TEXT, tried_at TEXT,
                         given_up INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE post_images (post_id TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (post_id, url)) WITHOUT ROWID;
    ALTER TABLE posts ADD COLUMN images_version INTEGER;
    ALTER TABLE posts ADD COLUMN images_archived INTEGER NOT NULL DEFAULT 0;
    CREATE TRIGGER publish_log_post_images AFTER UPDATE OF images_archived ON posts
        WHEN old.images_archived IS NOT new.images_archived BEGIN
        INSERT INTO publish_log (item_id) SELECT item_id FROM item_posts WHERE post_id = new.id; END;
    """))
# The office's text model and calibration kept between nights (pipeline/classify/fitting.py): one row, the
# last fit and what it was fitted from (`code`: a digest of the classifier's source and scikit-learn's
# version); `fit` is its pickle, zlib-compressed.
MIGRATIONS.append(("0016_fitted_model", """
    CREATE TABLE fitted_model (id INTEGER PRIMARY KEY CHECK (id = 1), fitted_at TEXT NOT NULL,
                               filed INTEGER NOT NULL, last_decision INTEGER NOT NULL, tree TEXT NOT NULL,
                               code TEXT NOT NULL, fit BLOB NOT NULL);
    """))
# counted_items is what the office shows and counts: not an item merged away by staff, nor one whose every copy
# turned out another agency's (pipeline/merge/stage.py leave_items). Both keep their row with no publication date.
MIGRATIONS.append(("0017_counted_items_shown", """
    DROP VIEW counted_items;
    CREATE VIEW counted_items AS
        SELECT *, COALESCE(count_channel, first_channel) AS channel FROM items
        WHERE merged_into IS NULL AND published_at IS NOT NULL;
    """))
# What the merge stage keeps of its own between runs (pipeline/merge/stage.py), by name: `identity_keys`, the
# version of the rules the stored 索引号/文号 keys were made by (absent: before versions; re-keyed once).
MIGRATIONS.append(("0018_merge_state", """
    CREATE TABLE merge_state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """))
# Which state of the store the outputs were last built from (pipeline/nightly/job.py): a random mark, kept here
# and beside the outputs. A store restored from a backup, or outputs from elsewhere, no longer match: the next
# build reads every item again instead of trusting the last build's saved rows.
MIGRATIONS.append(("0019_build_mark", """
    CREATE TABLE build_mark (id INTEGER PRIMARY KEY CHECK (id = 1), mark TEXT NOT NULL, built_at TEXT NOT NULL);
    """))
KNOWN_MIGRATIONS = {name for name, _ in MIGRATIONS}


def statements(script: str) -> list[str]:
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
