"""Staff decisions: accept a suggestion, change a category, undo a confirmation (back to review),
set a normative document's validity.

Each is one transaction that updates the item and appends to `decisions` (who, when, from → to).
Staff decisions win: the classify stage never changes a confirmed item's category, and the next
build publishes it (the pages and feeds read the items table).

Two clerks, or a clerk and the nightly job, work on one store: a form says what its page showed
of each item (`seen`: "category:status", see `shown_state`). An item that changed since in a way
the decision did not see is left as it is and reported (`Outcome.left`), never overwritten:
accepting confirms only the suggestion the clerk read, and a change of category never replaces
another person's confirmation made after the page was opened (refuse-stale, item by item).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..errors import DecisionError
from ..store import Store, iso, utcnow
from ..classify.signals import EXPIRED, IN_FORCE, REPEALED
from ..classify.tree import CatalogTree
from .queries import merged_into, merged_text

VALIDITIES = (IN_FORCE, REPEALED, EXPIRED)


@dataclass(frozen=True)
class Outcome:
    """What a decision on several items did: which it changed, and which it left as they were
    because they changed after the clerk's page was shown (queries.left_reason says how)."""

    done: tuple[str, ...] = ()
    left: tuple[str, ...] = ()


def shown_state(category: str | None, status: str | None) -> str:
    """Pure: an item's state as a form carries it (the `seen-ID` fields), to notice a later change."""
    return f"{category or ''}:{status or ''}"


Row = tuple[str | None, str | None]  # an item's (category, status) as stored now


def _each(store: Store, item_ids: Iterable[str], seen: Mapping[str, str] | None,
          stale: Callable[[str | None, Row], bool], act: Callable[[str, Row], bool],
          unclassified_too: bool = False) -> Outcome:
    """One decision on each item, in one transaction: an item merged away, or `stale` (changed since the
    clerk's page showed it as `seen` says), is left; `act` does the decision, False when there was
    nothing to do (already so: a second click, or both clerks agree). An unknown item (or, with
    `unclassified_too`, one not classified yet) is refused."""
    done: list[str] = []
    left: list[str] = []
    with store.transaction():
        for item_id in dict.fromkeys(item_ids):
            found = store.db.execute("SELECT category, status FROM items WHERE id = ?", [item_id]).fetchone()
            if found is None or (unclassified_too and found[0] is None):
                raise DecisionError(f"条目 {item_id} 不存在" + ("或尚未分类" if unclassified_too else ""))
            row: Row = (found[0], found[1])
            if merged_into(store, item_id) is not None or stale((seen or {}).get(item_id), row):
                left.append(item_id)
            elif act(item_id, row):
                done.append(item_id)
    return Outcome(tuple(done), tuple(left))


def _set_normative(store: Store, item_id: str, category: str | None, normative_leaf: str | None) -> None:
    """The catalog's normative leaf, whatever its id: the report counts and the validity form follow it
    (a catalog without one: a document's 文号 keeps telling, a change of subject does not undo it)."""
    if normative_leaf:
        store.db.execute("UPDATE items SET normative = ? WHERE id = ?", [int(category == normative_leaf), item_id])


def accept(store: Store, item_ids: Iterable[str], who: str, note: str = "",
           seen: Mapping[str, str] | None = None) -> Outcome:
    """Confirm the suggested category of each item. With `seen`, an item whose category is no longer
    the one the clerk was shown (reclassified overnight, filed elsewhere by another clerk) is left."""
    now = iso(utcnow())

    def refiled(shown: str | None, row: Row) -> bool:
        return bool(shown) and str(shown).split(":")[0] != row[0]

    def act(item_id: str, row: Row) -> bool:
        if row[1] == "confirmed":
            return False
        _confirm(store, item_id, str(row[0]), who, now)  # classified: _each refuses an item that is not
        store.record_decision(now, who, item_id, "accept", row[0], row[0], note)
        return True

    return _each(store, item_ids, seen, refiled, act, unclassified_too=True)


def change_category(store: Store, tree: CatalogTree, item_ids: Iterable[str], category: str, who: str,
                    note: str = "", seen: Mapping[str, str] | None = None) -> Outcome:
    """File items under another leaf (and confirm them). With `seen`, an item confirmed by someone
    after the clerk's page was shown, under another leaf, is left as that person filed it."""
    if category not in tree.leaves():
        raise DecisionError(f"“{category}”不是目录的末级分类" if category else "没有选择分类")
    now = iso(utcnow())
    normative_leaf = tree.role("normative")

    def decided_since(shown: str | None, row: Row) -> bool:
        return shown is not None and row[1] == "confirmed" and shown != shown_state(*row) and row[0] != category

    def act(item_id: str, row: Row) -> bool:
        if row == (category, "confirmed"):
            return False
        _confirm(store, item_id, category, who, now)
        _set_normative(store, item_id, category, normative_leaf)
        store.record_decision(now, who, item_id, "category", row[0], category, note)
        return True

    return _each(store, item_ids, seen, decided_since, act)


def reopen(store: Store, tree: CatalogTree, item_ids: Iterable[str], who: str, note: str = "",
           seen: Mapping[str, str] | None = None) -> Outcome:
    """Undo a confirmation: the item waits for review again under the suggestion it had before (its
    last automatic classification), and the next run reclassifies it. With `seen`, an item decided
    again after the clerk's page was shown is left as it is."""
    now = iso(utcnow())
    normative_leaf = tree.role("normative")

    def act(item_id: str, row: Row) -> bool:
        if row[1] != "confirmed":
            return False
        suggested = store.db.execute(
            """SELECT category, confidence, reason FROM classifications WHERE item_id = ? AND status != 'confirmed'
               AND category IS NOT NULL ORDER BY id DESC LIMIT 1""", [item_id]).fetchone() or (row[0], None, "")
        category, confidence, reason = suggested
        store.db.execute("UPDATE items SET category = ?, confidence = ?, reason = ?, status = 'review' WHERE id = ?",
                         [category, confidence, f"{who} 撤销了确认，待重新审核；" + (reason or ""), item_id])
        _set_normative(store, item_id, category, normative_leaf)
        store.db.execute(
            """INSERT INTO classifications (item_id, at, category, confidence, reason, status, content_hash)
               SELECT id, ?, category, confidence, reason, status, content_hash FROM items WHERE id = ?""",
            [now, item_id])
        store.record_decision(now, who, item_id, "reopen", row[0], category, note)
        return True

    return _each(store, item_ids, seen, lambda shown, row: shown is not None and shown != shown_state(*row), act)


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
        raise DecisionError(merged_text(item_id, target))


def _confirm(store: Store, item_id: str, category: str, who: str, now: str) -> None:
    store.db.execute(
        """UPDATE items SET category = ?, status = 'confirmed', confidence = 1.0, reason = ?
           WHERE id = ?""", [category, f"人工确认（{who}）", item_id])
    store.db.execute(
        """INSERT INTO classifications (item_id, at, category, confidence, reason, status, content_hash)
           SELECT id, ?, category, 1.0, reason, 'confirmed', content_hash FROM items WHERE id = ?""", [now, item_id])

