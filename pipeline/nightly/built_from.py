"""What the outputs were built from and what they showed, kept beside them for a store restored from a backup.

Beside the outputs (never served):
  .built-from       the store's build mark as of the last build, its 索引号 serials, its change-log position
  .shown-numbers    every 索引号 xxgk minted that an item showed, with the copies (post ids) it was minted
                    for: one JSON line per item shown or changed, appended by each build (rewritten whole
                    by a full build), so a night costs the items that changed, not the office's every item

A store restored from a backup no longer matches the mark. The first run or build after it takes back
what the site showed (adopt_published): serials count on from the outputs' (no number handed out twice),
a minted number the store shows nowhere goes back to the copies it was minted for (one of them
collected again gets it back: pipeline/merge/identifiers.py), and the log says how many items the site
showed that the store no longer has and that staff decisions since the backup are lost. The store then
carries ADOPTED + the outputs' mark, so adopting runs once, while the build still reads every item.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..merge.identifiers import is_minted, keep_shown_numbers
from ..models import staff_day
from ..publish.manifest import Manifest
from ..store import Store

BUILT_FROM = ".built-from"
SHOWN_NUMBERS = ".shown-numbers"
ADOPTED = "adopted "  # + the outputs' mark: the store took back what those outputs showed
log = logging.getLogger("xxgk.restore")


def _built_from(output: Path) -> dict[str, Any]:
    try:
        recorded = json.loads((output / BUILT_FROM).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def built_from_this_store(store: Store, output: Path) -> bool:
    """Whether the outputs were last built from this store as it is: not so after a restore from a backup
    (the store went back in time, its change log too) or with outputs copied from elsewhere. Neither
    mark recorded (before marks existed) counts as a match."""
    return _built_from(output).get("mark") == store.build_mark()


def mark_built(store: Store, output: Path, full: bool) -> None:
    """Record what the outputs now show: the minted numbers shown (all of them after a full build, else
    those of items changed since the last), then a new mark in the store and beside the outputs (a crash
    between the two: the next build reads all)."""
    since = None if full else _built_from(output).get("log")
    since = since if isinstance(since, int) else None  # none recorded: as after a full build
    position = int(store.db.execute("SELECT ifnull(max(seq), 0) FROM publish_log").fetchone()[0])
    shown = minted_shown(store, since)
    if since is None:
        _rewrite(output / SHOWN_NUMBERS, {**dict(_read_shown(output)), **shown})
    elif shown:
        with open(output / SHOWN_NUMBERS, "a", encoding="utf-8") as f:
            f.writelines(_line(number, copies) for number, copies in shown.items())
    mark = secrets.token_hex(16)
    store.set_build_mark(mark)
    _replace(output / BUILT_FROM, json.dumps({"mark": mark, "serials": store.serials(), "log": position}))


def minted_shown(store: Store, since: int | None) -> dict[str, list[str]]:
    """Minted 索引号 that items show → the posts of each (only items changed after log position ``since``)."""
    changed = " AND i.id IN (SELECT item_id FROM publish_log WHERE seq > ?)" if since is not None else ""
    out: dict[str, list[str]] = {}
    for number, post in store.db.execute(
            "SELECT i.index_number, ip.post_id FROM items i JOIN item_posts ip ON ip.item_id = i.id "
            f"WHERE i.merged_into IS NULL AND i.index_number LIKE '%-M%'{changed} ORDER BY ip.post_id",
            [since] if since is not None else []):
        if is_minted(number):
            out.setdefault(number, []).append(post)
    return out


def _line(number: str, copies: list[str]) -> str:
    return json.dumps([number, copies]) + "\n"


def _read_shown(output: Path) -> Iterator[tuple[str, list[str]]]:
    """The .shown-numbers entries in order (a later line for a number adds its copies); a line cut short
    by a crash is skipped."""
    try:
        lines = (output / SHOWN_NUMBERS).read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    for line in lines:
        try:
            number, copies = json.loads(line)
        except ValueError:
            continue
        if isinstance(number, str) and isinstance(copies, list):
            yield number, [str(c) for c in copies]


def _rewrite(path: Path, shown: dict[str, list[str]]) -> None:
    if not shown:  # an office whose every item carries its own 索引号 keeps no file
        path.unlink(missing_ok=True)
        return
    _replace(path, "".join(_line(number, copies) for number, copies in sorted(shown.items())))


def _replace(path: Path, text: str) -> None:
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def adopt_published(store: Store, output: Path, tz: ZoneInfo | None = None) -> None:
    """A store restored from a backup (or outputs built from another copy of it) takes back what the
    outputs showed, once: see the module docstring."""
    recorded, mark = _built_from(output), store.build_mark()
    if recorded.get("mark") in (mark, None) or mark == ADOPTED + str(recorded["mark"]):
        return
    serials = recorded.get("serials")
    if isinstance(serials, dict):
        store.keep_serials_above({int(year): int(last) for year, last in serials.items()})
    lost: dict[str, str] = {}  # post id → the minted number the site showed for its item
    entries: dict[str, list[str]] = {}
    for number, copies in _read_shown(output):
        entries.setdefault(number, []).extend(copies)
    for number in _not_shown(store, list(entries)):
        lost.update((post, number) for post in entries[number])
    with store.transaction():
        keep_shown_numbers(store, lost)
        store.set_build_mark(ADOPTED + str(recorded["mark"]))
    gone = len(_missing_items(store, _item_pages(output)))
    last = store.last_run()
    since = f"；数据库中最后一次运行在 {staff_day(last['started_at'], tz)}" if last else ""
    log.warning("网站与数据库不是同一状态（数据库从备份恢复，或网站由另一份数据库生成%s）：网站上显示过的 %d 条信息在数据库中"
                "已没有，再次采集到时沿用网站上显示过的索引号和网址；这之后员工所做的决定（审核、分类、合并、拆分等）已随恢复"
                "丢失，请重新处理。", since, gone)


def _not_shown(store: Store, numbers: list[str]) -> list[str]:
    """Those of these 索引号 no item of the store shows or was minted (items.minted_index)."""
    known: set[str] = set()
    for part in _chunks(numbers):
        marks = ",".join("?" * len(part))
        known.update(r[0] for r in store.db.execute(
            f"SELECT index_number FROM items WHERE index_number IN ({marks}) "
            f"UNION SELECT minted_index FROM items WHERE minted_index IN ({marks})", part + part))
    return [n for n in numbers if n not in known]


def _item_pages(output: Path) -> list[str]:
    """The ids of the items whose page the last build made (its manifest)."""
    prefix, suffix = "site/item/", ".html"
    return [rel[len(prefix):-len(suffix)] for rel in Manifest.load(output).old
            if rel.startswith(prefix) and rel.endswith(suffix)]


def _missing_items(store: Store, item_ids: list[str]) -> list[str]:
    held: set[str] = set()
    for part in _chunks(item_ids):
        held.update(r[0] for r in store.db.execute(
            f"SELECT id FROM items WHERE id IN ({','.join('?' * len(part))})", part))
    return [i for i in item_ids if i not in held]


def _chunks(values: list[str], size: int = 400) -> Iterable[list[str]]:
    return (values[i:i + size] for i in range(0, len(values), size))
