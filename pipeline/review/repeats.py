"""A merge or split form that arrives when what it asks for is already done: the second request
of a click repeated while the first waited, the back button and 重新提交, or the other clerk who
did the same a moment before. Such a repeat is answered as done (the page says 已合并 / 已拆分),
not refused as if it had failed; a merge that another clerk sent elsewhere is refused naming
where the item went."""

from __future__ import annotations

import json

from ..errors import DecisionError
from ..store import Store
from .queries import merged_into, merged_text


def merge_done(store: Store, keep: str, other: str) -> bool:
    """Whether `other` is already merged into `keep`; DecisionError when it went into another item."""
    target = merged_into(store, other)
    if target is None:
        return False
    if target["id"] == keep:
        return True
    raise DecisionError(merged_text(other, target))


def split_done(store: Store, item_id: str, post_id: str) -> bool:
    """Whether the last change of the item's copies was a split that took `post_id` out (or left it
    alone as the one copy that stays) and nothing has moved since."""
    row = store.db.execute("""SELECT kind, before, after FROM decisions WHERE item_id = ? AND kind IN
                              ('merge', 'merged into', 'split', 'split from') ORDER BY id DESC LIMIT 1""",
                           [item_id]).fetchone()
    if row is None or row[0] != "split":
        return False
    before, after = (json.loads(text or "{}").get("items") or {} for text in row[1:])
    now = [r[0] for r in store.db.execute("SELECT post_id FROM item_posts WHERE item_id = ? ORDER BY post_id",
                                          [item_id])]
    kept = sorted(after.get(item_id) or [])
    return post_id in (before.get(item_id) or []) and kept == now and (post_id not in kept or len(now) == 1)
