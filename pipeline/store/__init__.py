"""The SQLite store: `Store` and the queries stages share (store.py), robots.txt kept between runs
(robots.py), the images kept by [collect] archive_images (images.py), the schema as named forward
migrations (migrations.py)."""

from .migrations import MIGRATIONS
from .robots import ROBOTS_LIFETIME, StoredRobots
from .store import (HttpCache, Store, backup_to, content_hash, decode_attachments, iso, parse_iso, post_id,
                    store_fault, utcnow)

__all__ = ["MIGRATIONS", "ROBOTS_LIFETIME", "HttpCache", "Store", "StoredRobots", "backup_to", "content_hash",
           "decode_attachments", "iso", "parse_iso", "post_id", "store_fault", "utcnow"]
