"""One TOML table being read: typed getters that name the file and key on error, and check that
the reference (keys.py) declares every key read, with the default the code uses."""

from __future__ import annotations

from pathlib import Path
from types import EllipsisType
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError, UndeclaredKey
from . import keys, messages
from .messages import HTTP_URL


class Table:
    """One TOML table being read: typed getters that name the key on error.

    Every key read must be declared in pipeline/config/keys.py with the same default (the
    reference docs/config.md is written from it); what each read gave lands in `effective`.
    """

    def __init__(self, data: dict[str, Any], where: str, file: Path, name: str = "", declared_as: str = "",
                 effective: dict[str, dict[str, tuple[Any, bool]]] | None = None):
        self.data, self.file = data, file
        self.where = where  # the table as the TOML writes it ("[fetch]", "[[classify.add]] #2"; "" at the top)
        self.name = name  # "office", "sources.news" …
        self.declared_as = declared_as or name  # its table in the reference: "sources.*" for every source
        self.effective = {} if effective is None else effective  # table name → key → (value, given)
        self.used: set[str] = set()

    def place(self, key: str) -> str:
        """The key as the TOML writes it: "[fetch] concurrency"."""
        return f"{self.where} {key}".strip()

    def fail(self, key: str, expected: str) -> ConfigError:
        """The key's value (or its absence) is not what it should be: `expected`, in Chinese."""
        return ConfigError(messages.expected(self.file, self.place(key), expected, self.data.get(key, messages.NOTHING)))

    def wrong(self, key: str, problem: str) -> ConfigError:
        """Something else is wrong with the key (`problem`, in Chinese); its value shown unless a table."""
        value = self.data.get(key, messages.NOTHING)
        shown = "" if value is messages.NOTHING or isinstance(value, dict) else f" = {messages.shown(value)}"
        return ConfigError(messages.say(self.file, self.place(key) + shown, problem))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., expected: str = "") -> Any:
        check_declared(self.declared_as, key, default)
        value = self._get(key, kind, default, expected)
        self.effective.setdefault(self.name, {})[key] = (value, key in self.data)
        return value

    def _get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., expected: str = "") -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is ...:
                raise self.fail(key, expected or type_name(kind))
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(key, expected or type_name(kind))
        if not isinstance(value, kind):
            raise self.fail(key, expected or type_name(kind))
        return value

    def url(self, key: str, default: str | EllipsisType = ...) -> str:
        value: str = self.get(key, str, default, expected=HTTP_URL)
        if value is default:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(key, HTTP_URL)
        return value

    def table(self, key: str) -> Table:
        value = self._get(key, dict, {})
        name = f"{self.name}.{key}".lstrip(".")
        declared_as = f"{self.declared_as}.{key}".lstrip(".")  # sources.*.list_api for every source's
        if declared_as not in keys.TABLES:
            raise UndeclaredKey(f"config table [{declared_as}] is read by pipeline/config but not "
                                            f"declared in pipeline/config/keys.py TABLES")
        return Table(value, f"[{name}]", self.file, name, declared_as, effective=self.effective)

    def check_unknown(self, allowed: set[str] | None = None) -> None:
        unknown = sorted(set(self.data) - (self.used if allowed is None else allowed))
        if unknown:
            raise ConfigError(messages.unknown_key(self.file, self.place(unknown[0])))


def check_declared(table: str, key: str, default: Any) -> None:
    """The reference declares every key the code reads, with the default the code uses."""
    declared = keys.declared(table, key).default
    if declared is keys.REQUIRED or isinstance(declared, keys.Derived):
        return
    if default is ... or default != declared:
        raise UndeclaredKey(f"config key [{table}] {key}: the code's default {default!r} is not the "
                                        f"reference's {declared!r} (pipeline/config/keys.py)")


def type_name(kind: type | tuple[type, ...]) -> str:
    """What a TOML value of this Python type is called in a message ("整数")."""
    names = {str: "字符串", int: "整数", float: "数值", bool: "true 或 false", dict: "表", list: "列表"}
    if kind == (int, float):
        return "数值"
    if isinstance(kind, tuple):
        return "或".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)

