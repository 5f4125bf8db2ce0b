"""The office's registers (applications, appeals) and the tables computed from them.

Pure functions of plain records: no database. ``compute_table2`` and
``compute_table3`` count a year from the registers; ``compute_table1`` fills the
主动公开 table from catalogue counts plus the figures file the office fills in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from numbers import Real

from pipeline.report.errors import FiguresInvalid
from pipeline.report.formats import (
    ALL_OUTCOME_KEYS,
    APPLICANT_TYPES,
    T1_MONEY_COLUMNS,
    T1_SIGNED_COLUMNS,
    T2_COLUMNS,
    T2_TOTAL_COLUMN,
    T3_COLUMNS,
    T3_GROUPS,
    T3_RESULTS,
    T3_TOTAL,
    ReportFormat,
    format_for_year,
)
from pipeline.workdays import Consultation, Deadline, compute_deadline

CHANNELS = ("网站", "信函", "当面", "传真", "电子邮件", "其他")  # how an application came in
APPEAL_KINDS = {  # Appeal.kind → Table 3 group
    "行政复议": "行政复议",
    "行政诉讼-未经复议直接起诉": "未经复议直接起诉",
    "行政诉讼-复议后起诉": "复议后起诉",
}
PENDING = "尚未审结"


@dataclass(frozen=True)
class Application:
    """One 政府信息公开申请 in the office's register.

    ``outcome`` is a Table 2 row key (``formats.ALL_OUTCOME_KEYS``, e.g.
    ``"withheld.third_party"``), None while the application is open.
    Whether it was carried over from an earlier year is derived from the dates.
    """

    received_on: date  # 收到申请之日 (条例第三十一条)
    channel: str  # one of CHANNELS
    applicant_type: str  # one of formats.APPLICANT_TYPES
    request: str = ""
    outcome: str | None = None
    replied_on: date | None = None
    id: str = ""
    corrected_on: date | None = None  # 收到补正申请之日 (第三十条)
    consultations: tuple[Consultation, ...] = ()  # 征求第三方/其他机关意见 (第三十二、三十四条)
    extension_workdays: int = 0  # 延长答复期限 (第三十三条, ≤ 20)
    applicant: str = ""  # 申请人 (kept in the register only, never published)
    note: str = ""

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}; one of {CHANNELS}")
        if self.applicant_type not in APPLICANT_TYPES:
            raise ValueError(
                f"unknown applicant_type {self.applicant_type!r}; one of {APPLICANT_TYPES}"
            )
        if self.outcome is not None and self.outcome not in ALL_OUTCOME_KEYS:
            raise ValueError(f"unknown outcome {self.outcome!r}; one of {sorted(ALL_OUTCOME_KEYS)}")
        if (self.outcome is None) != (self.replied_on is None):
            raise ValueError("outcome and replied_on go together: both set when closed, both None")
        if self.replied_on is not None and self.replied_on < self.received_on:
            raise ValueError("replied_on is before received_on")

    def is_open_on(self, day: date) -> bool:
        """Received by ``day`` and not yet answered at the end of ``day``."""
        return self.received_on <= day and (self.replied_on is None or self.replied_on > day)

    def deadline(self) -> Deadline:
        return compute_deadline(
            self.received_on,
            corrected_on=self.corrected_on,
            extension_workdays=self.extension_workdays,
            consultations=self.consultations,
        )


@dataclass(frozen=True)
class Appeal:
    """A 行政复议 or 行政诉讼 about the office's 政府信息公开 work."""

    kind: str  # a key of APPEAL_KINDS
    filed_on: date
    outcome: str = PENDING  # 结果维持 / 结果纠正 / 其他结果 / 尚未审结
    decided_on: date | None = None
    application_id: str = ""
    id: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in APPEAL_KINDS:
            raise ValueError(f"unknown appeal kind {self.kind!r}; one of {tuple(APPEAL_KINDS)}")
        if self.outcome not in T3_RESULTS:
            raise ValueError(f"unknown appeal outcome {self.outcome!r}; one of {T3_RESULTS}")
        if (self.outcome == PENDING) != (self.decided_on is None):
            raise ValueError("decided_on is set exactly when the outcome is not 尚未审结")
        if self.decided_on is not None and self.decided_on < self.filed_on:
            raise ValueError("decided_on is before filed_on")


def resolve_outcome(text: str) -> str:
    """An outcome as staff type it → a Table 2 row key.

    Accepts the key (``withheld.third_party``), the verbatim label
    (``4.保护第三方合法权益``, ``（一）予以公开``) or the label without its numbering
    (``保护第三方合法权益``, ``予以公开``).
    """
    text = text.strip()
    if text in ALL_OUTCOME_KEYS:
        return text
    wanted = _bare(text)
    for fmt in (format_for_year(2021), format_for_year(2020)):
        for row in fmt.table2_data_rows:
            if row.key in fmt.outcome_keys and wanted in (row.label, _bare(row.label)):
                return row.key
    raise ValueError(f"未知的办理结果 {text!r}：应为“三、本年度办理结果”中的一项，"
                     f"如 予以公开、部分公开、保护第三方合法权益、本机关不掌握相关政府信息、重复申请")


def _bare(label: str) -> str:
    """A row label without its numbering: （三）不予公开 → 不予公开, 1.属于国家秘密 → 属于国家秘密."""
    label = re.sub(r"^(（[一二三四五六七]）|\d+\.)", "", label.strip())
    return label.split("（")[0] if label.startswith("部分公开") else label


# --- Table 2 -----------------------------------------------------------------


def empty_table2(fmt: ReportFormat) -> dict[str, dict[str, int]]:
    return {r.key: {c: 0 for c in T2_COLUMNS} for r in fmt.table2_data_rows}


def table2_cells(year: int, app: Application) -> list[tuple[str, str]]:
    """The (row key, column) cells of ``year``'s Table 2 this application counts in.

    一 if received in the year, 二 if received earlier and still open on 1 January;
    then either its outcome row and （七）总计 (closed in the year) or 四 (open on
    31 December). Empty when the application does not belong to the year.
    """
    fmt = format_for_year(year)
    start, end = date(year, 1, 1), date(year, 12, 31)
    col = app.applicant_type
    if app.received_on.year == year:
        cells = [("new", col)]
    elif app.received_on < start and (app.replied_on is None or app.replied_on >= start):
        cells = [("carried_over", col)]
    else:
        return []  # closed before the year, or received after it
    if app.is_open_on(end):
        return cells + [("carried_forward", col)]
    assert app.outcome is not None
    return cells + [(fmt.fold_outcome(app.outcome), col), ("total", col)]


def compute_table2(year: int, applications: Iterable[Application]) -> dict[str, dict[str, int]]:
    """Table 2 for ``year``: 一 received in the year; 二 received earlier and still
    open on 1 January; 三 closed in the year, by outcome; 四 open on 31 December."""
    table = empty_table2(format_for_year(year))
    for app in applications:
        for row, col in table2_cells(year, app):
            table[row][col] += 1
    for row in table.values():
        row[T2_TOTAL_COLUMN] = sum(row[c] for c in APPLICANT_TYPES)
    return table


# --- Table 3 -----------------------------------------------------------------


def empty_table3() -> dict[str, dict[str, int]]:
    return {g: {c: 0 for c in T3_COLUMNS} for g in T3_GROUPS}


def table3_cell(year: int, appeal: Appeal) -> tuple[str, str] | None:
    """The (group, result) of ``year``'s Table 3 this case counts in, or None:
    cases filed in the year or still pending on 1 January, with their result
    as of 31 December (undecided → 尚未审结)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    if appeal.filed_on > end or (appeal.decided_on is not None and appeal.decided_on < start):
        return None
    decided = appeal.decided_on is not None and appeal.decided_on <= end
    return APPEAL_KINDS[appeal.kind], appeal.outcome if decided else PENDING


def compute_table3(year: int, appeals: Iterable[Appeal]) -> dict[str, dict[str, int]]:
    """Table 3 for ``year`` (see ``table3_cell``).

    So a case pending at the end of one year appears again, with its result, the
    next year. The format does not say which reading it wants (UNCONFIRMED).
    """
    table = empty_table3()
    for a in appeals:
        cell = table3_cell(year, a)
        if cell is not None:
            group, result = cell
            table[group][result] += 1
            table[group][T3_TOTAL] += 1
    return table


# --- Table 1 -----------------------------------------------------------------


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


@dataclass(frozen=True)
class Table1:
    """Table 1 cells ``{row: {column: value}}``; None marks a cell still to be filled in."""

    year: int
    cells: dict[str, dict[str, float | int | None]]
    missing: tuple[str, ...] = field(default=())  # "行政许可（本年处理决定数量）", …

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def message(self) -> str:
        if not self.missing:
            return ""
        return (f"{self.year}年报告表一（主动公开政府信息情况）还缺少以下数字，"
                f"请在数据文件（figures）中填写：{'、'.join(self.missing)}")


def compute_table1(
    year: int,
    documents: Mapping[str, Mapping[str, float] | DocumentCounts] | None,
    figures: Mapping[str, object] | None,
) -> Table1:
    """Table 1 from catalogue counts (``documents``: 规章 / 行政规范性文件) and the
    office's ``figures`` (行政许可, 行政处罚, 行政强制, 行政事业性收费 in 万元, …).

    A row's value is a number when its block has one column, else a mapping of
    column label → number. Missing values (or ``figures is None``) do not raise:
    they are left None and listed in ``Table1.missing``.
    """
    fmt = format_for_year(year)
    cells: dict[str, dict[str, float | int | None]] = {}
    missing: list[str] = []
    for block, row in fmt.table1_rows():
        source = documents if block.source == "documents" else figures
        raw = _lookup(row, source)
        if raw is None and block.source == "documents":
            raw = _lookup(row, figures)  # the office may type them in the figures file
        values = _row_values(row, block.columns, raw)
        cells[row] = values
        missing += [f"{row}（{col}）" for col, v in values.items() if v is None]
    return Table1(year, cells, tuple(missing))


def _lookup(row: str, source: Mapping[str, object] | None) -> object:
    if not source:
        return None
    if row in source:
        return source[row]
    return source.get(_ROW_ALIASES.get(row, ""))


def _row_values(row: str, columns: tuple[str, ...], raw: object) -> dict[str, float | int | None]:
    if isinstance(raw, DocumentCounts):
        raw = raw.as_columns()
    if raw is None:
        return {c: None for c in columns}
    if not isinstance(raw, Mapping):
        if len(columns) != 1:
            raise FiguresInvalid(f"表一“{row}”需要按列填写：{'、'.join(columns)}")
        raw = {columns[0]: raw}
    return {c: _number(row, c, raw.get(c)) for c in columns}


def _number(row: str, column: str, value: object) -> float | int | None:
    if value is None:
        return None
    where = f"表一“{row}”行“{column}”列"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise FiguresInvalid(f"{where}应为数字，实际为 {value!r}")
    if value < 0 and column not in T1_SIGNED_COLUMNS:
        raise FiguresInvalid(f"{where}不能为负数：{value}")
    if column in T1_MONEY_COLUMNS:
        return float(value) if not float(value).is_integer() else int(value)
    if not float(value).is_integer():
        raise FiguresInvalid(f"{where}是件数，应为整数：{value}")
    return int(value)
