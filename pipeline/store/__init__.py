"""The SQLite store: `Store` and the queries stages share (store.py), the schema as named
forward migrations (migrations.py)."""

from .migrations import MIGRATIONS
from .store import (HttpCache, Store, backup_to, content_hash, decode_attachments, iso, parse_iso, post_id,
                    store_fault, utcnow)

__all__ = ["MIGRATIONS", "HttpCache", "Store", "backup_to", "content_hash", "decode_attachments", "iso", "parse_iso",
           "post_id", "store_fault", "utcnow"]
