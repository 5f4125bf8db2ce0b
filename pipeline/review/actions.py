"""Staff decisions: accept a suggestion, change a category, set a normative document's validity.

Each is one transaction that updates the item and appends to `decisions` (who, when, from → to).
Staff decisions win: the classify stage never changes a confirmed item's category, and the next
build publishes it (the pages and feeds read the items table).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import DecisionError
from ..store import Store, iso, utcnow
from ..classify.signals import EXPIRED, IN_FORCE, REPEALED
from ..classify.tree import CatalogTree
from .queries import merged_into

VALIDITIES = (IN_FORCE, REPEALED, EXPIRED)


def accept(store: Store, item_ids: Iterable[str], who: str, note: str = "") -> int:
    """Confirm the suggested category of each item; returns how many were accepted."""
    done = 0
    now = iso(utcnow())
    with store.transaction():
        for item_id in dict.fromkeys(item_ids):
            row = store.db.execute("SELECT category, status FROM items WHERE id = ?", [item_id]).fetchone()
            if row is None or row[0] is None:
                raise DecisionError(f"条目 {item_id} 不存在或尚未分类")
            _refuse_merged(store, item_id)
            if row[1] == "confirmed":
                continue
            _confirm(store, item_id, row[0], who, now)
            store.record_decision(now, who, item_id, "accept", row[0], row[0], note)
            done += 1
    return done


def change_category(store: Store, tree: CatalogTree, item_ids: Iterable[str], category: str, who: str,
                    note: str = "") -> None:
    """File items under another leaf (and confirm them), all or none."""
    if category not in tree.leaves():
        raise DecisionError(f"“{category}”不是目录的末级分类" if category else "没有选择分类")
    now = iso(utcnow())
    # the catalog's normative leaf, whatever its id: the report counts and the validity form follow it
    # (a catalog without one: a document's 文号 keeps telling, a change of subject does not undo it)
    normative_leaf = tree.role("normative")
    with store.transaction():
        for item_id in dict.fromkeys(item_ids):
            row = store.db.execute("SELECT category FROM items WHERE id = ?", [item_id]).fetchone()
            if row is None:
                raise DecisionError(f"条目 {item_id} 不存在")
            _refuse_merged(store, item_id)
            _confirm(store, item_id, category, who, now)
            if normative_leaf:
                store.db.execute("UPDATE items SET normative = ? WHERE id = ?", [int(category == normative_leaf), item_id])
            store.record_decision(now, who, item_id, "category", row[0], category, note)


def set_validity(store: Store, item_id: str, validity: str, who: str, note: str = "") -> None:
    """Record a normative document's validity as a person states it (it then wins over derivation)."""
    if validity not in VALIDITIES:
        raise DecisionError(f"有效性只能是：{'、'.join(VALIDITIES)}")
    now = iso(utcnow())
    with store.transaction():
        row = store.db.execute("SELECT validity FROM items WHERE id = ?", [item_id]).fetchone()
        if row is None:
            raise DecisionError(f"条目 {item_id} 不存在")
        _refuse_merged(store, item_id)
        store.db.execute("UPDATE items SET validity = ? WHERE id = ?", [validity, item_id])
        store.db.execute("INSERT INTO validity_events (item_id, at, validity, source, note) VALUES (?, ?, ?, ?, ?)",
                         [item_id, now, validity, "staff", note or f"由 {who} 设定"])
        store.record_decision(now, who, item_id, "validity", row[0], validity, note)


def _refuse_merged(store: Store, item_id: str) -> None:
    """A merged-away item is a record only: nothing decided on it would be published."""
    target = merged_into(store, item_id)
    if target is not None:
        raise DecisionError(f"条目 {item_id} 已并入“{target['title']}”（{target['id']}），不再单独发布；"
                            "请到该条目上作决定")


def _confirm(store: Store, item_id: str, category: str, who: str, now: str) -> None:
    store.db.execute(
        """UPDATE items SET category = ?, status = 'confirmed', confidence = 1.0, reason = ?
           WHERE id = ?""", [category, f"人工确认（{who}）", item_id])
    store.db.execute(
        """INSERT INTO classifications (item_id, at, category, confidence, reason, status, content_hash)
           SELECT id, ?, category, 1.0, reason, 'confirmed', content_hash FROM items WHERE id = ?""", [now, item_id])

