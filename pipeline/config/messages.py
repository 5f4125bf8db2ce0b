"""How a config mistake is worded: in Chinese for the staff who read it, in one form everywhere.

    xxgk.toml：[fetch] concurrency = -1：应为不小于 1 的整数
    xxgk.toml：[office] name：缺少此键，应为字符串
    xxgk.toml：[fetch] concurrencyy：未知的键（拼写错误？）

The file, then where in it — the table and key exactly as written in TOML (keys stay ASCII) — with
the value found, then what is expected or what is wrong; the parts joined by "：". Every ConfigError
(office config, catalog tree, district file, staff accounts) is built with these functions.
"""

from __future__ import annotations

import ast
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
    """What the TOML parser said, in Chinese: its place ("第 2 行第 8 列", "文件末尾"), then what is
    wrong; a reason not in TOML_REASONS keeps the parser's words, in brackets."""
    where = re.search(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$", reason)
    said = reason[:where.start()] if where else reason
    place = ("" if where is None else f"第 {where[1]} 行第 {where[2]} 列" if where[1] else "文件末尾")
    meaning = toml_reason(said)
    if meaning is None:
        return say("不是有效的 TOML", place) + f"（{said}）"
    return say("不是有效的 TOML", place, meaning)


# tomllib's reasons (the same words since Python 3.11) → what they mean to the person editing the file.
# {key}: a table or key as TOML writes it; {char}: a character as Python shows it.
TOML_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(shape), meaning) for shape, meaning in (
    (r"Invalid statement", "这一行不是 键 = 值、[表名] 或 # 注释"),
    (r"Expected newline or end of document after a statement", "一行只能写一个 键 = 值，值之后应换行"),
    (r"Expected '=' after a key in a key/value pair", "键后缺少“=”（应写作 键 = 值）"),
    (r"Invalid initial character for a key part",
     "键名有不允许的字符（键名只用英文字母、数字、_ 和 -，其余的要加引号）"),
    (r"Invalid value", '值无效（文字要加引号，如 name = "某某乡"；数字、true/false、日期不加）'),
    (r"Expected ']' at the end of a table declaration", "表名后缺少“]”"),
    (r"Expected ']]' at the end of an array declaration", "表名后缺少“]]”"),
    (r"Cannot declare (?P<key>\(.*\)) twice", "表 [{key}] 写了两次（同一个表只能写一次）"),
    (r"Cannot overwrite a value", "键重复：前面已有同名的键或表"),
    (r"Cannot redefine namespace (?P<key>\(.*\))", "表 [{key}] 前面已经写过，不能再用带点的键重新定义"),
    (r"Cannot mutate immutable namespace (?P<key>\(.*\))",
     "{key} 已在一行内写完（内联表或数组），不能再往里添加键"),
    (r"Duplicate inline table key (?P<key>'.*')", "内联表里键 {key} 重复"),
    (r"Unclosed array", "数组没有结束：缺少“]”，或两项之间缺少“,”"),
    (r"Unclosed inline table", "内联表没有结束：缺少“}}”，或两项之间缺少“,”（内联表须写在一行内）"),
    (r"Illegal character '\\n'", "字符串缺少结尾的引号（一行内的字符串不能换行）"),
    (r"Unterminated string|Expected \".*\"", "字符串缺少结尾的引号"),
    (r"Unescaped '\\' in a string", "字符串里的“\\”要写成“\\\\”（或把整个路径改用单引号 '…'）"),
    (r"(?:Illegal|Found invalid) character (?P<char>'.*')", "有不允许的字符 {char}"),
    (r"Invalid hex value", "\\u 或 \\U 后应为十六进制数字"),
    (r"Escaped character is not a Unicode scalar value", "\\u 或 \\U 写的不是有效的字符"),
    (r"Invalid date or datetime", "没有这个日期或时间"),
))


def toml_reason(said: str) -> str | None:
    """tomllib's reason in Chinese, or None for a shape not in TOML_REASONS."""
    for shape, meaning in TOML_REASONS:
        if found := shape.fullmatch(said):
            parts = found.groupdict()
            key = parts.get("key")
            return meaning.format(key=_dotted(key) if key else "", char=parts.get("char") or "")
    return None


def _dotted(key: str) -> str:
    """tomllib's key, a Python tuple or string ("('sources', 'wechat')", "'b'"), as TOML writes it."""
    try:
        value = ast.literal_eval(key)
    except (ValueError, SyntaxError):
        return key
    parts = value if isinstance(value, tuple) else (value,)
    return ".".join(toml_key(part) for part in parts)


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
