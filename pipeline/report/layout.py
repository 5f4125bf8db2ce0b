"""The three tables laid out as the official format prints them: grids of cells
with rowspan/colspan, shared by the HTML and the .docx writers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from pipeline.registers.formats import (
    APPLICANT_TYPES,
    T1_FIRST_COLUMN,
    T2_APPLICANT_HEADER,
    T2_COLUMNS,
    T2_NOTE,
    T2_ORG_GROUP,
    T2_TOTAL_COLUMN,
    T3_COLUMNS,
    T3_GROUPS,
    T3_LITIGATION,
    T3_REVIEW,
    ReportFormat,
    Row,
)

TO_FILL = "待填报"


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    numeric: bool = False


Grid = list[list[Cell]]  # rows of origin cells, as an HTML table lists them


def fmt_number(value: object) -> str:
    """A cell value as printed: integers plain, 万元 amounts exactly as entered (the
    shortest decimal of the number, never rounded: 0.123456 stays 0.123456)."""
    if value is None:
        return TO_FILL
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f") if not value.is_integer() else str(int(value))
    return str(value)


def table1_grid(fmt: ReportFormat, cells: Mapping[str, Mapping[str, object]]) -> Grid:
    width = 1 + max(len(b.columns) for b in fmt.table1)
    grid: Grid = []
    for block in fmt.table1:
        spans = _spread(len(block.columns), width - 1)
        grid.append([Cell(block.title, colspan=width, header=True)])
        grid.append([Cell(T1_FIRST_COLUMN, header=True)]
                    + [Cell(c, colspan=s, header=True) for c, s in zip(block.columns, spans)])
        for row in block.rows:
            values = cells.get(row) or {}
            grid.append([Cell(row)] + [Cell(fmt_number(values.get(c)), colspan=s, numeric=True)
                                       for c, s in zip(block.columns, spans)])
    return grid


def _spread(n: int, width: int) -> list[int]:
    """Column spans so ``n`` cells fill ``width`` columns (the last one stretches)."""
    return [1] * (n - 1) + [width - n + 1]


def table2_grid(fmt: ReportFormat, table: Mapping[str, Mapping[str, int]]) -> Grid:
    grid: Grid = [
        [Cell(T2_NOTE, rowspan=3, colspan=3, header=True),
         Cell(T2_APPLICANT_HEADER, colspan=len(T2_COLUMNS), header=True)],
        [Cell(APPLICANT_TYPES[0], rowspan=2, header=True),
         Cell(T2_ORG_GROUP, colspan=len(APPLICANT_TYPES) - 1, header=True),
         Cell(T2_TOTAL_COLUMN, rowspan=2, header=True)],
        [Cell(c, header=True) for c in APPLICANT_TYPES[1:]],
    ]
    by_key = {r.key: r for r in fmt.table2_rows}
    emitted: set[str] = set()
    for row in fmt.table2_data_rows:
        chain = _ancestors(row, by_key)
        line = []
        for anc in chain:
            if anc.key not in emitted:
                emitted.add(anc.key)
                line.append(Cell(anc.label, rowspan=_leaves(anc.key, fmt)))
        line.append(Cell(row.label, colspan=3 - len(chain)))
        values = table.get(row.key) or {}
        line += [Cell(fmt_number(values.get(c, 0)), numeric=True) for c in T2_COLUMNS]
        grid.append(line)
    return grid


def _ancestors(row: Row, by_key: Mapping[str, Row]) -> list[Row]:
    chain: list[Row] = []
    while row.parent is not None:
        row = by_key[row.parent]
        chain.insert(0, row)
    return chain


def _leaves(key: str, fmt: ReportFormat) -> int:
    kids = fmt.children(key)
    return sum(_leaves(k.key, fmt) if not k.has_data else 1 for k in kids)


def table3_grid(table: Mapping[str, Mapping[str, int]]) -> Grid:
    n = len(T3_COLUMNS)
    return [
        [Cell(T3_REVIEW, rowspan=2, colspan=n, header=True),
         Cell(T3_LITIGATION, colspan=2 * n, header=True)],
        [Cell(g, colspan=n, header=True) for g in T3_GROUPS[1:]],
        [Cell(c, header=True) for _ in T3_GROUPS for c in T3_COLUMNS],
        [Cell(fmt_number((table.get(g) or {}).get(c, 0)), numeric=True)
         for g in T3_GROUPS for c in T3_COLUMNS],
    ]


def place(grid: Grid) -> tuple[int, int, list[tuple[int, int, Cell]]]:
    """Absolute (row, column) of every origin cell, as a browser would lay them out."""
    taken: set[tuple[int, int]] = set()
    placed = []
    width = 0
    for r, line in enumerate(grid):
        c = 0
        for cell in line:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
            width = max(width, c)
    return len(grid), width, placed
