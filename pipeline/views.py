"""Read the store as publishing needs it: ItemViews, streamed, one query for items and one for copies."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from .models import SHANGHAI, ChannelCopy, ItemView
from .store import Store, decode_attachments, parse_iso

SUMMARY_CHARS = 120


def item_views(store: Store, *, include_unclassified: bool = False) -> Iterator[ItemView]:
    """Every item ready to publish, with its copies. Items awaiting review are published too
    (timeliness: 条例第二十六条) unless the office's config says otherwise (the caller filters)."""
    copies: dict[str, list[ChannelCopy]] = defaultdict(list)
    for item_id, channel, url, published, first_seen, withdrawn in store.db.execute(
        """SELECT ip.item_id, p.channel, p.url, p.published_at, p.first_seen, p.withdrawn_at
           FROM item_posts ip JOIN posts p ON p.id = ip.post_id
           ORDER BY ip.item_id, COALESCE(p.published_at, p.first_seen), p.channel"""
    ):
        copies[item_id].append(ChannelCopy(channel, url, parse_iso(published or first_seen), parse_iso(withdrawn)))
    rows = store.db.execute(
        """SELECT i.id, i.index_number, i.title, i.published_at, i.updated_at, i.first_channel, i.category,
                  i.formed_on, i.validity, i.withdrawn, v.body_html, v.body_text, v.attachments, v.meta
           FROM items i JOIN posts p ON p.id = i.primary_post
           JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
           WHERE i.published_at IS NOT NULL"""
        + ("" if include_unclassified else " AND i.category IS NOT NULL")
    )
    for (item_id, index_number, title, published, updated, first_channel, category, formed_on, validity,
         withdrawn, body_html, body_text, attachments, meta_s) in rows:
        meta = json.loads(meta_s or "{}")
        item_meta = _merged_meta(meta, copies[item_id])
        published_at = parse_iso(published)
        yield ItemView(
            id=item_id,
            index_number=index_number,
            title=title,
            body_html=body_html or "",
            summary=(body_text or "").replace("\n", " ")[:SUMMARY_CHARS],
            published_at=published_at,
            updated_at=parse_iso(updated) or published_at,
            first_channel=first_channel,
            category=category or "",
            formed_on=date.fromisoformat(formed_on) if formed_on else None,
            publisher=item_meta.get("publisher", ""),
            doc_number=item_meta.get("doc_number", ""),
            topic=item_meta.get("topic", ""),
            validity=validity or "",
            copies=tuple(copies[item_id]),
            attachments=decode_attachments(attachments),
            withdrawn=bool(withdrawn),
        )


def _merged_meta(meta: dict[str, str], copies: list[ChannelCopy]) -> dict[str, str]:
    # The primary copy's metadata; the publisher falls back to the content source line.
    merged = dict(meta)
    merged.setdefault("publisher", meta.get("source_name", ""))
    return merged


def local_year(view: ItemView) -> int:
    return view.published_at.astimezone(SHANGHAI).year
