"""Storing an imported register: each row of the sheet is one entry of the store, each entry one row.

The clerk goes on keeping the register in Excel and imports it again: a row that names an entry
already in the store (same ``IDENTITY`` fields) is that entry, never a second one. What the row fills
in that the entry lacks (the reply, its date, a decision) is recorded on it ("更新"); a row that
says otherwise than the store about a field both have filled is refused (corrections go through
``edit`` with a reason); a row that knows less than the store (an older copy) changes nothing.
Rows alike in every column are as many entries (``pair``): the same person asking the same thing
twice on one day is two applications, both counted in 表三.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from ..store import Store
from .errors import RegisterError
from .importing import MAX_ERRORS, Checked
from .ledger import (
    add_appeal, add_application, before_opening, list_appeals, list_applications, next_id, register_opened,
    save_appeal, update_application, withdrawn_appeals, withdrawn_applications,
)
from .records import FIELD_LABELS, PENDING, Appeal, Application, outcome_label

# What makes a row the same entry as one in the store; the other fields are what a later copy of the
# register may fill in (the reply, 补正, a decision, a note).
IDENTITY = {"application": ("received_on", "channel", "applicant_type", "applicant", "request"),
            "appeal": ("kind", "filed_on", "application_id")}
FILLED_LATER = {"application": ("outcome", "replied_on", "corrected_on", "extension_workdays", "note"),
                "appeal": ("outcome", "decided_on", "note")}
EMPTY_VALUES = (None, "", 0, PENDING)  # a field not filled in yet (尚未审结: no decision)


@dataclass(frozen=True)
class Stored:
    """What an import did: entries added, entries the file completed, rows already in the store, and
    the entries added from a row that repeats an earlier one word for word (row, earlier row, id)."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    repeats: tuple[tuple[int, int, str], ...] = ()
    register: str = "application"
    before_opening: tuple[int, ...] = ()  # rows received before the opening-balance year, left out
    opened: int = 0  # that year

    def summary(self, what: str) -> str:
        """导入申请 1 件，更新 1 件（答复等后来填写的内容），已导入过的 1 件未重复导入"""
        command = f"xxgk {self.register} withdraw"
        return (f"导入{what} {self.added} 件"
                + (f"，更新 {self.updated} 件（已登记的，补上表中后来填写的答复、审结等）" if self.updated else "")
                + (f"，已导入过的 {self.skipped} 件未重复导入" if self.skipped else "")
                + "".join(f"\n第{row}行与第{first}行内容完全相同，按另一件{what}登记为 {entry_id}"
                          f"（如是同一件录入了两次，删去多余的行，并用 {command} {entry_id} 撤销）"
                          for row, first, entry_id in self.repeats)
                + (("\n" + before_opening(self.opened, f"第{'、'.join(map(str, self.before_opening))}行收到于"
                                                      f"{self.opened}年之前，未导入")) if self.before_opening else ""))


def store_applications(store: Store, records: list[Checked], who: str, path: Path) -> Stored:
    """Add the checked records in one transaction (or complete the entries they are)."""
    return _store(store, "application", records, path, list_applications(store), withdrawn_applications(store),
                  lambda r, k: add_application(store, r, who, k, "导入"),
                  lambda old, changes: update_application(store, old.id, who, "导入", **changes))


def store_appeals(store: Store, records: list[Checked], who: str, path: Path) -> Stored:
    return _store(store, "appeal", records, path, list_appeals(store), withdrawn_appeals(store),
                  lambda r, k: add_appeal(store, r, who, k, "导入"),
                  lambda old, changes: save_appeal(store, replace(old, **changes), who, "导入"))


def _store(store: Store, register: str, records: Sequence[Checked], path: Path, registered: list[Any],
           withdrawn: list[Any], add: Callable[[Any, str | None], Any], update: Callable[[Any, dict[str, Any]], Any]
           ) -> Stored:
    table = f"{register}s"
    imported: dict[str, str] = dict(store.db.execute(  # the key of each imported row → its entry
        f"SELECT import_key, id FROM {table} WHERE import_key IS NOT NULL").fetchall())
    live = {e.id: e for e in registered}
    gone = {e.id: e for e in withdrawn}
    # A row imported before whose entry was withdrawn, or corrected since in what names it (edit), is
    # that entry still: skipped (``settled``: those entries). Any other row finds its entry by what it
    # says (``pair``).
    settled = {imported[c.key] for c in records if c.key in imported and (
        imported[c.key] in gone or _identity(register, live[imported[c.key]]) != _identity(register, c.record))}
    fresh = [c for c in records if imported.get(c.key) not in settled]
    entries = _by_identity(register, registered)
    absorbing = _by_identity(register, [e for e in withdrawn if e.id not in settled])
    groups: dict[tuple[Any, ...], list[Checked]] = {}
    for checked in fresh:
        groups.setdefault(_identity(register, checked.record), []).append(checked)
    paired = [pair(register, entries.get(identity, []), rows, len(absorbing.get(identity, [])))
              for identity, rows in groups.items()]
    conflicts = sorted((c for p in paired for c in p.conflicts), key=lambda c: c[0].row)
    if conflicts:
        raise RegisterError(f"{path}：{len(conflicts)} 处与已登记的内容不符，没有导入任何一行：\n"
                            + "\n".join(f"第{row.row}行：{why}" for row, why in conflicts[:MAX_ERRORS]))
    opened = register_opened(store) if register == "application" else None
    added = [c for p in paired for c in p.added if not opened or c.record.received_on.year >= opened]
    left_out = tuple(sorted(c.row for p in paired for c in p.added if opened and c.record.received_on.year < opened))
    numbers: dict[str, int] = {}  # the next number per id prefix, read once (ids in order of receipt)
    repeats = []
    with store.transaction():
        for p in paired:
            for checked, old, fields in p.updates:
                update(old, fields)
                if checked.key not in imported:  # a key names one entry (the row's copy may be another's)
                    store.db.execute(f"UPDATE {table} SET import_key = ? WHERE id = ?", [checked.key, old.id])
        for record, key, number, same_as in sorted(added, key=lambda c: (_first_day(c.record), c.key)):
            prefix = _id_prefix(record)
            if prefix not in numbers:
                numbers[prefix] = int(next_id(store, table, prefix).rsplit("-", 1)[1])
            entry_id = f"{prefix}-{numbers[prefix]:03d}"
            add(replace(record, id=entry_id), None if key in imported else key)
            numbers[prefix] += 1
            if same_as:
                repeats.append((number, same_as, entry_id))
    return Stored(len(added), sum(len(p.updates) for p in paired),
                  len(records) - len(fresh) + sum(p.skipped for p in paired), tuple(sorted(repeats)), register,
                  left_out, opened or 0)


def _by_identity(register: str, entries: list[Any]) -> dict[tuple[Any, ...], list[Any]]:
    """Entries by what names them: a row finds its entries at once, not by a scan."""
    out: dict[tuple[Any, ...], list[Any]] = {}
    for entry in entries:
        out.setdefault(_identity(register, entry), []).append(entry)
    return out


def _identity(register: str, record: Any) -> tuple[Any, ...]:
    return tuple(getattr(record, f) for f in IDENTITY[register])


class Paired(NamedTuple):
    """What the rows naming one identity do: stay as they are, complete an entry, add one, or conflict."""

    skipped: int
    updates: list[tuple[Checked, Any, dict[str, Any]]]  # (row, entry, the fields it fills in)
    added: list[Checked]
    conflicts: list[tuple[Checked, str]]  # (row, why)


def pair(register: str, entries: Sequence[Any], rows: Sequence[Checked], withdrawn: int = 0) -> Paired:
    """Pure: the rows of a sheet that name one identity (none imported before) against the store's
    entries of that identity no other row is: each row is one entry and each entry one row.

    A row is first the entry that says just what it says, else one it completes (a reply filled in
    since), else one that knows more (the row is an older copy); so of two applications alike but for
    the reply, each row finds its own. A row left over is a new entry, unless an entry is left over
    too: that one says otherwise than the row (corrections go through ``edit``). ``withdrawn`` entries
    of the identity (登记错误, a copy typed twice) are each a row still in the sheet, not a new entry."""
    free, left = list(entries), list(rows)
    skipped, updates = 0, []
    for phase in ("same", "completes", "knows_less"):
        for row in list(left):
            entry = next((e for e in free if _fits(register, phase, e, row.record)), None)
            if entry is None:
                continue
            free.remove(entry)
            left.remove(row)
            if phase == "completes":
                updates.append((row, entry, _changes(register, entry, row.record)))
            else:
                skipped += 1
    if not free:
        return Paired(skipped + min(withdrawn, len(left)), updates, left[withdrawn:], [])
    return Paired(skipped, updates, [], [(row, _conflict(register, free[0], row.record,
                                                          _differ(register, free[0], row.record)))
                                         for row in left])


def _filled(register: str, record: Any) -> dict[str, Any]:
    """The fields filled in later that ``record`` has filled in."""
    return {f: getattr(record, f) for f in FILLED_LATER[register] if getattr(record, f) not in EMPTY_VALUES}


def _differ(register: str, old: Any, record: Any) -> list[str]:
    """The fields both have filled in with other values (notes may differ)."""
    return [f for f, v in _filled(register, record).items() if f != "note" and f in _filled(register, old)
            and getattr(old, f) != v]


def _changes(register: str, old: Any, record: Any) -> dict[str, Any]:
    """The fields the row fills in that the entry lacks."""
    return {f: v for f, v in _filled(register, record).items() if getattr(old, f) in EMPTY_VALUES}


def _fits(register: str, phase: str, old: Any, record: Any) -> bool:
    """Pure: whether the row can be the entry in this phase of ``pair``."""
    if _differ(register, old, record):
        return False
    changes = _changes(register, old, record)
    if phase == "same":
        knows = {f for f in _filled(register, old) if f != "note"}
        return not changes and knows == {f for f in _filled(register, record) if f != "note"}
    if phase == "completes":  # an outcome without its reply date cannot be: look further
        return bool(changes) and not (register == "application" and "outcome" in changes
                                      and "replied_on" not in changes)
    return True


def _conflict(register: str, old: Any, record: Any, fields: list[str]) -> str:
    def label(f: str) -> str:  # an appeal's outcome is its 结果, an application's its 办理结果
        return FIELD_LABELS["result" if register == "appeal" and f == "outcome" else f]

    def shown(f: str, v: Any) -> str:
        return outcome_label(v) if register == "application" and f == "outcome" else str(v)

    what = "申请" if register == "application" else "复议诉讼"
    names = "、".join(label(f) for f in IDENTITY[register])
    diffs = "；".join(f"{label(f)}已登记为“{shown(f, getattr(old, f))}”，表中为“{shown(f, getattr(record, f))}”"
                     for f in fields)
    command = "xxgk application edit" if register == "application" else "xxgk appeal edit 或 decide --amend"
    return (f"与已登记的{what} {old.id} 是同一件（{names}相同），但{diffs}；"
            f"更正已登记的内容请用 {command} 并说明理由，或改正表格后再导入")


def _first_day(record: Application | Appeal) -> date:
    return record.received_on if isinstance(record, Application) else record.filed_on


def _id_prefix(record: Application | Appeal) -> str:
    """2021 for an application received in 2021, F2021 for an appeal filed then (as ledger numbers them)."""
    return str(record.received_on.year) if isinstance(record, Application) else f"F{record.filed_on.year}"
