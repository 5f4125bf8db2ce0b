"""How a config mistake is worded: in Chinese for the staff who read it, in one form everywhere.

    xxgk.toml：[fetch] concurrency = -1：应为不小于 1 的整数
    xxgk.toml：[office] name：缺少此键，应为字符串
    xxgk.toml：[fetch] concurrencyy：未知的键（拼写错误？）

The file, then where in it — the table and key exactly as written in TOML (keys stay ASCII) — with
the value found, then what is expected or what is wrong; the parts joined by "：". Every ConfigError
(office config, catalog tree, district file, staff accounts) is built with these functions.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

SEP = "："
NOTHING: Any = object()  # the key is not in the file
HTTP_URL = "以 http:// 或 https:// 开头的网址"  # what a URL key should be
LONGEST_VALUE = 80  # a value shown longer than this is cut (a whole table written where a string goes)
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def say(*parts: object) -> str:
    """The parts of a message (file, place, what is wrong), the empty ones left out, in the one form."""
    return SEP.join(text for part in parts if (text := str(part)))


def place(table: str, key: str = "") -> str:
    """Where in the file, as TOML writes it: "[fetch] concurrency", "[district]", a top-level "key"."""
    head = f"[{table}]" if table else ""
    return f"{head} {key}".strip()


def expected(file: str | os.PathLike[str], where: str, wanted: str, value: Any = NOTHING) -> str:
    """A key missing or holding a value it cannot: the value found (if any) and what it should be."""
    if value is NOTHING:
        return say(file, where, f"缺少此键，{should_be(wanted)}")
    return say(file, f"{where} = {shown(value)}", should_be(wanted))


def unknown_key(file: str | os.PathLike[str], where: str, known: Iterable[str] = ()) -> str:
    """A key the table does not take (a typo), with the keys it does take when they are few."""
    keys = ", ".join(known)
    return say(file, where, f"未知的键（拼写错误？可用的键：{keys}）" if keys else "未知的键（拼写错误？）")


def one_of(values: Iterable[str]) -> str:
    """'"a"、"b" 或 "c"': the values a key takes, quoted as TOML strings."""
    quoted = [json.dumps(v, ensure_ascii=False) for v in values]
    return quoted[0] if len(quoted) == 1 else "、".join(quoted[:-1]) + " 或 " + quoted[-1]


def not_toml(reason: str) -> str:
    """What the TOML parser said, its place in Chinese ("第 2 行第 8 列"), its words as they are."""
    where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", reason)
    if where:
        return f"不是有效的 TOML：第 {where[1]} 行第 {where[2]} 列（{reason[:where.start()]}）"
    if reason.endswith("(at end of document)"):
        return f"不是有效的 TOML：文件末尾（{reason.removesuffix('(at end of document)').strip()}）"
    return f"不是有效的 TOML（{reason}）"


def should_be(wanted: str) -> str:
    """ "应为…", a space before what starts in ASCII ("应为 true 或 false")."""
    return "应为" + (" " if wanted[:1].isascii() else "") + wanted


def shown(value: Any) -> str:
    """A value as it would be written in TOML ("ten", true, [1, 2]), cut when long."""
    text = _toml(value)
    return text if len(text) <= LONGEST_VALUE else text[:LONGEST_VALUE - 1] + "…"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {_toml(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def toml_key(key: object) -> str:
    """A key as TOML writes it: bare when it can be, else quoted ("www.gov.test")."""
    text = str(key)
    return text if BARE_KEY.fullmatch(text) else json.dumps(text, ensure_ascii=False)
