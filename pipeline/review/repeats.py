"""A form that arrives when what it asks for is already done: the second request of a click
repeated while the first waited, the back button and 登记 again on the form the browser kept
filled, or the other clerk who did the same a moment before. Such a repeat is answered as done,
never done twice:

- a merge or split (the page says 已合并 / 已拆分, not 未能合并 as if it had failed); a merge that
  another clerk sent elsewhere is refused naming where the item went;
- a registration (依申请公开, 复议诉讼) identical in every field to one the same clerk registered
  in the last REPEAT_WINDOW: one application registered twice would be counted twice in the
  annual report. A second, identical application is told apart by a word in its 备注.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from ..errors import DecisionError
from ..registers import ledger
from ..registers.records import Appeal, Application
from ..store import Store, iso, utcnow
from .queries import merged_into, merged_text

REPEAT_WINDOW = timedelta(minutes=10)


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


def registered_just_now(store: Store, entry: Application | Appeal, who: str) -> str | None:
    """The id of the entry `who` registered in the last REPEAT_WINDOW with exactly these fields."""
    register = "application" if isinstance(entry, Application) else "appeal"
    recent: list[str] = [r[0] for r in store.db.execute(
        """SELECT entry_id FROM register_changes WHERE register = ? AND who = ? AND before IS NULL AND at >= ?
           ORDER BY id DESC""", [register, who, iso(utcnow() - REPEAT_WINDOW)])]
    for entry_id in recent:
        stored = ledger.get_application_or_none(store, entry_id) if isinstance(entry, Application) else \
            next((a for a in ledger.list_appeals(store) if a.id == entry_id), None)
        if stored is not None and replace(stored, id="") == replace(entry, id=""):
            return entry_id
    return None
