"""表二 of the report (主动公开政府信息情况; ``table1`` in the code): the 第二十条第（一）项
counts from the crawled normative documents, the other rows from the office's figures
file, and the cells the figures file states over the computed ones, each with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, cast

from pipeline.normalize import halfwidth
from pipeline.registers.errors import FiguresInvalid
from pipeline.registers.formats import T1_MONEY_COLUMNS, T1_SIGNED_COLUMNS, format_for_year


@dataclass(frozen=True)
class DocumentCounts:
    """规章 / 行政规范性文件 counts for the 2021 format's 第二十条第（一）项 block."""

    issued: int  # 本年制发件数
    repealed: int  # 本年废止件数
    in_force: int  # 现行有效件数

    def as_columns(self) -> dict[str, int]:
        return {"本年制发件数": self.issued, "本年废止件数": self.repealed,
                "现行有效件数": self.in_force}


# The 2019 format says 规范性文件 where the 2021 format says 行政规范性文件.
_ROW_ALIASES = {"规范性文件": "行政规范性文件", "行政规范性文件": "规范性文件"}


REASON_KEYS = ("理由", "reason")  # why a stated figure replaces the one computed from the data


@dataclass(frozen=True)
class Stated:
    """A 表二 cell the figures file states over the one computed from the data."""

    value: float | int
    computed: float | int | None  # None: the data gave no count
    reason: str


@dataclass(frozen=True)
class Table1:
    """表二 (主动公开) cells ``{row: {column: value}}``; None marks a cell still to be filled in.

    ``stated`` lists the cells of data rows (规章, 行政规范性文件) where the figures file
    gives another number than the crawled documents, each with its reason.
    """

    year: int
    cells: dict[str, dict[str, float | int | None]]
    missing: tuple[str, ...] = field(default=())  # "行政许可（本年处理决定数量）", …
    stated: dict[str, dict[str, Stated]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def message(self) -> str:
        if not self.missing:
            return ""
        return (f"{self.year}年报告表二（主动公开政府信息情况）还缺少以下数字，"
                f"请在数据文件（figures）中填写：{'、'.join(self.missing)}")

    def sources(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Where every cell comes from, for the JSON: 数据 (computed), 数据文件 (stated)
        or 数据文件（更正计算值）with the reason and the computed value."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for row, cols in self.cells.items():
            out[row] = {}
            for col, value in cols.items():
                s = self.stated.get(row, {}).get(col)
                if s is not None:
                    out[row][col] = {"source": "stated", "value": s.value, "computed": s.computed,
                                     "reason": s.reason}
                else:
                    out[row][col] = {"source": "missing" if value is None else
                                     ("data" if row in self.computed_rows else "figures")}
        return out

    @property
    def computed_rows(self) -> frozenset[str]:
        return frozenset(r for r in self.cells if r in _DATA_ROWS)


_DATA_ROWS = frozenset({"规章", "行政规范性文件", "规范性文件"})


def compute_table1(
    year: int,
    documents: Mapping[str, Mapping[str, float] | DocumentCounts] | None,
    figures: Mapping[str, object] | None,
) -> Table1:
    """表二 (主动公开) from catalogue counts (``documents``: 规章 / 行政规范性文件) and the
    office's ``figures`` (行政许可, 行政处罚, 行政强制, 行政事业性收费 in 万元, …).

    A row's value is a number when its block has one column, else a mapping of
    column label → number (plus ``理由`` where it states a data row's cell).
    A figures value for a data row replaces the computed one, cell by cell; one
    that differs from the data needs its reason (清理, 到期失效 …). Missing values
    do not raise: they are left None and listed in ``Table1.missing``.
    """
    fmt = format_for_year(year)
    cells: dict[str, dict[str, float | int | None]] = {}
    missing: list[str] = []
    stated: dict[str, dict[str, Stated]] = {}
    for block, row in fmt.table1_rows():
        fig_raw = _lookup(row, figures)
        fig_values, reason = _row_values(row, block.columns, fig_raw)
        if block.source == "documents" and documents:
            values, _ = _row_values(row, block.columns, _lookup(row, documents))
            for col, v in fig_values.items():
                if v is None or v == values[col]:
                    continue
                if not reason:
                    raise FiguresInvalid(
                        f"表二（主动公开）“{row}”行“{col}”列：数据文件填 {v}，采集的文件计得 "
                        f"{values[col]}；以数据文件为准时请写明理由（{REASON_KEYS[0]} = \"……\"，如清理、到期失效）")
                stated.setdefault(row, {})[col] = Stated(v, values[col], reason)
                values[col] = v
        else:
            values = fig_values
        cells[row] = values
        missing += [f"{row}（{col}）" for col, v in values.items() if v is None]
    return Table1(year, cells, tuple(missing), stated)


def _lookup(row: str, source: Mapping[str, object] | None) -> object:
    if not source:
        return None
    if row in source:
        return source[row]
    return source.get(_ROW_ALIASES.get(row, ""))


def _row_values(row: str, columns: tuple[str, ...],
                raw: object) -> tuple[dict[str, float | int | None], str]:
    """The row's numbers by column, and its stated reason ("" when none)."""
    if isinstance(raw, DocumentCounts):
        raw = raw.as_columns()
    if raw is None:
        return {c: None for c in columns}, ""
    if not isinstance(raw, Mapping):
        if len(columns) != 1:
            raise FiguresInvalid(f"表二（主动公开）“{row}”需要按列填写：{'、'.join(columns)}")
        raw = {columns[0]: raw}
    reason = next((str(raw[k]).strip() for k in REASON_KEYS if k in raw), "")
    unknown = sorted(set(raw) - set(columns) - set(REASON_KEYS))
    if unknown:
        raise FiguresInvalid(f"表二（主动公开）“{row}”没有“{unknown[0]}”列（应为：{'、'.join(columns)}，"
                             f"或 {REASON_KEYS[0]}）")
    return {c: _number(row, c, raw.get(c)) for c in columns}, reason


def _text_number(text: str) -> int | float | None:
    """A number typed as text, or None when the text is not one."""
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        return None
    return int(text) if "." not in text else float(text)


def _number(row: str, column: str, value: object) -> float | int | None:
    if value is None:
        return None
    where = f"表二（主动公开）“{row}”行“{column}”列"
    if isinstance(value, str):  # "１２" or "0.35" typed as text: full-width digits are accepted everywhere
        number = _text_number(halfwidth(value))
        if number is None:
            raise FiguresInvalid(f"{where}应为数字，实际为 {value!r}")
        value = number
    if isinstance(value, bool) or not isinstance(value, Real):
        raise FiguresInvalid(f"{where}应为数字，实际为 {value!r}")
    value = cast("int | float", value)  # a Real: what TOML and _text_number give
    if value < 0 and column not in T1_SIGNED_COLUMNS:
        raise FiguresInvalid(f"{where}不能为负数：{value}")
    if column in T1_MONEY_COLUMNS:
        return float(value) if not float(value).is_integer() else int(value)
    if not float(value).is_integer():
        raise FiguresInvalid(f"{where}是件数，应为整数：{value}")
    return int(value)
