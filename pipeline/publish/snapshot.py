"""The rows the last build used, so that the next one reads from the store only what changed.

A source with a change log (``views.StoreSource``: ``log_key``, ``log_position()``,
``changed_since(seq)``, ``rows_of(ids)``) lets a build start from the rows saved
beside the manifest (``output/.build-rows``) and re-read just the items logged after
the position they were saved at. Each build saves only the rows changed since the
full snapshot (``.build-rows-delta``) until they are many. Without a log, a snapshot, a trusted manifest, or
when the source's key differs (other rows query, other items held back), every row
is read as before. The position is read before the rows, so a change made while
building is read again next time.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeGuard

from .source import ItemRow, ItemSource

NAME = ".build-rows"  # every row, as of some log position (the base)
DELTA = ".build-rows-delta"  # the rows changed since the base: small, rewritten by each build
FORMAT = "xxgk-build-rows 2"
DELTA_LIMIT = 5_000  # past this many changed items, the base is rewritten instead

_new_row = tuple.__new__  # ItemRow from a saved tuple, without _make's checks


@dataclass(frozen=True)
class Rows:
    rows: list[ItemRow]
    changed: frozenset[str] | None  # ids re-read since the snapshot; None: every row was read
    global_key: bytes  # the global page key of the build that saved the snapshot (b"" if none)
    position: int | None  # the log position these rows reflect (None: the source has no log)
    key: bytes
    touched: tuple[ItemRow, ...] = ()  # the changed items' rows, as saved and as read now
    base: int | None = None  # the base's position, when these rows came from a snapshot
    delta: dict[str, tuple[Any, ...] | None] = field(default_factory=dict)  # changed since the base: row, None if gone


class LoggedSource(ItemSource, Protocol):
    """A source with a change log (views.StoreSource)."""

    @property
    def log_key(self) -> bytes: ...

    def log_position(self) -> int: ...

    def changed_since(self, seq: int) -> Iterable[str]: ...

    def rows_of(self, ids: Collection[str]) -> Iterable[ItemRow]: ...


def logged(source: ItemSource) -> TypeGuard[LoggedSource]:
    return all(hasattr(source, name) for name in ("log_key", "log_position", "changed_since", "rows_of"))


def current(source: ItemSource, out_dir: Path, use_snapshot: bool) -> Rows:
    """This build's rows: the snapshot plus the changed items, else every row."""
    if not logged(source):
        return Rows(list(source.rows()), None, b"", None, b"")
    key = source.log_key
    position = source.log_position()
    old = _load(Path(out_dir), key) if use_snapshot else None
    if old is None:
        return Rows(list(source.rows()), None, b"", position, key)
    base, since, global_key, rows, delta = old
    changed = frozenset(source.changed_since(since))
    touched: list[ItemRow] = []
    if changed:
        fresh = list(source.rows_of(sorted(changed)))
        touched = [r for r in rows if r.id in changed] + fresh
        rows = [r for r in rows if r.id not in changed] + fresh
        delta = {**delta, **dict.fromkeys(changed), **{r.id: tuple(r) for r in fresh}}
    return Rows(rows, changed, global_key, position, key, tuple(touched), base, delta)


def save(out_dir: Path, current_rows: Rows, rows: Iterable[ItemRow], global_key: bytes) -> None:
    """Save the rows with the log position they reflect: the changes since the base if they
    are few, else a new base (each through a temporary file and a rename)."""
    if current_rows.position is None:
        return
    out_dir = Path(out_dir)
    if current_rows.changed is not None and not current_rows.changed and current_rows.global_key == global_key:
        return  # nothing new: the saved snapshot still holds
    if current_rows.base is not None and len(current_rows.delta) <= DELTA_LIMIT:
        delta = (FORMAT, current_rows.key, current_rows.base, current_rows.position, global_key,
                 list(current_rows.delta.items()))
        _write(out_dir / DELTA, marshal.dumps(delta))
        return
    _write(out_dir / NAME, marshal.dumps((FORMAT, current_rows.key, current_rows.position, global_key,
                                          list(map(tuple, rows)))))
    (out_dir / DELTA).unlink(missing_ok=True)  # made for the old base: ignored from now on anyway


def forget(out_dir: Path) -> None:
    for name in (NAME, DELTA):
        (Path(out_dir) / name).unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _read(path: Path) -> tuple[Any, ...] | None:
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return data if isinstance(data, tuple) and data and data[0] == FORMAT else None


def _load(out_dir: Path, key: bytes) -> tuple[int, int, bytes, list[ItemRow], dict[str, tuple[Any, ...] | None]] | None:
    """(base position, position, global key, rows, delta) saved by the last build, if for ``key``."""
    base = _read(out_dir / NAME)
    if base is None or base[1] != key:
        return None
    _, _, position, global_key, saved = base
    rows = [_new_row(ItemRow, r) for r in saved]
    delta_file = _read(out_dir / DELTA)
    if delta_file is None or delta_file[1] != key or delta_file[2] != position:
        return position, position, global_key, rows, {}
    _, _, _, since, global_key, items = delta_file
    delta = dict(items)
    rows = [r for r in rows if r.id not in delta]
    rows += [_new_row(ItemRow, r) for r in delta.values() if r is not None]
    return position, since, global_key, rows, delta
