"""Importing the register a clerk already keeps in Excel (.xlsx, read with openpyxl) or CSV.

``template`` writes the columns (in Chinese, with a sheet of allowed values);
``read_table`` reads a file into rows; ``check_applications`` / ``check_appeals``
check every row first and return the records or every error by row and column;
``reimport.store_*`` adds them in one transaction. A row already imported (same content,
``import_key``) is skipped, so importing the same file twice adds nothing. Rows alike in every
column are as many entries (the same person asking the same thing twice on one day): the k-th such
row of a sheet has its own key and is the k-th such entry.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from ..errors import InputError
from .errors import RegisterError
from .formats import APPLICANT_TYPES, T3_RESULTS, format_for_year
from .ledger import case_too_early
from .records import (
    APPEAL_KIND_ALIASES, APPEAL_KINDS, CHANNELS, FIRST_REGISTER_YEAR, PENDING, Appeal, Application, check_length,
    check_request, halfwidth, parse_day, plausible_day, resolve_outcome,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# (column as the clerk sees it, field, required)
APPLICATION_COLUMNS = (
    ("收到申请日期", "received_on", True), ("申请渠道", "channel", True), ("申请人类型", "applicant_type", True),
    ("申请人", "applicant", False), ("申请内容", "request", True), ("办理结果", "outcome", False),
    ("答复日期", "replied_on", False), ("收到补正日期", "corrected_on", False),
    ("延长答复期限（工作日）", "extension_workdays", False), ("备注", "note", False),
)
APPEAL_COLUMNS = (
    ("复议诉讼类型", "kind", True), ("提起日期", "filed_on", True), ("结果", "outcome", False),
    ("审结日期", "decided_on", False), ("关联申请编号", "application_id", False), ("备注", "note", False),
)
MAX_ERRORS = 50  # listed at most; the count says how many there were
# Columns a clerk keeps for their own sake and that say nothing of an entry: the row numbers nearly
# every Chinese office sheet starts with. Any other column the template lacks is refused (a typo'd
# label would otherwise lose its data).
OWN_COLUMNS = ("序号",)



class Checked(NamedTuple):
    """A row that passed every check: its record, its content key and its row number."""

    record: Any  # Application or Appeal
    key: str
    row: int
    same_as: int = 0  # the first row of the sheet saying exactly the same, if any


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it (the header is row 1)
    values: dict[str, object]  # column label → cell (str, date, number or None)


def columns_for(register: str) -> tuple[tuple[str, str, bool], ...]:
    return APPLICATION_COLUMNS if register == "application" else APPEAL_COLUMNS


# --- the template --------------------------------------------------------------------


def allowed_values(register: str) -> list[tuple[str, str]]:
    if register == "application":
        outcomes = [r.label for r in format_for_year(2021).table2_rows if r.key in format_for_year(2021).outcome_keys]
        return [("申请渠道", "、".join(CHANNELS)), ("申请人类型", "、".join(APPLICANT_TYPES)),
                ("办理结果", "办理中留空；已答复填“三、本年度办理结果”中的一项：" + "、".join(outcomes)),
                ("日期", "如 2021-03-01（全角数字、2021/3/1、2021年3月1日 也可）")]
    return [("复议诉讼类型", "、".join(APPEAL_KINDS)), ("结果", "、".join(T3_RESULTS) + "（尚未审结可留空）"),
            ("日期", "如 2021-03-01")]


def template(register: str, suffix: str) -> bytes:
    """The empty register to fill in: .xlsx (with a 填写说明 sheet) or .csv (UTF-8 with BOM)."""
    header = [label for label, _, _ in columns_for(register)]
    if suffix == ".csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(header)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = cast("Worksheet", book.active)  # a new workbook's one sheet
    sheet.title = "申请登记" if register == "application" else "复议诉讼登记"
    sheet.append(header)
    for i, label in enumerate(header, 1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, 2 * len(label) + 2)
    notes = book.create_sheet("填写说明")
    notes.append(["列", "可填的值"])
    for row in allowed_values(register):
        notes.append(list(row))
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


# --- reading ---------------------------------------------------------------------------


def read_table(path: Path, register: str) -> list[Row]:
    """The data rows of ``path`` by column label; the header must name the template's columns."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        grid = _xlsx(path)
    elif suffix == ".csv":
        grid = _csv(path)
    else:
        raise RegisterError(f"{path}：只能导入 .xlsx 或 .csv 文件（xxgk {register} template 可生成模板）")
    if not grid:
        raise RegisterError(f"{path}：文件是空的")
    header = [str(c).strip() if c is not None else "" for c in grid[0]]
    known = [label for label, _, _ in columns_for(register)]
    missing = [label for label, _, required in columns_for(register) if required and label not in header]
    unknown = [h for h in header if h and h not in known and h not in OWN_COLUMNS]
    if missing or unknown:
        raise RegisterError(f"{path}：第1行应为模板的列名（{'、'.join(known)}）"
                            + (f"；缺少：{'、'.join(missing)}" if missing else "")
                            + (f"；不认识：{'、'.join(unknown)}" if unknown else ""))
    rows = []
    for number, cells in enumerate(grid[1:], 2):
        values = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header) if h in known}
        if any(_text(v) for v in values.values()):
            rows.append(Row(number, values))
    return rows


def _xlsx(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    try:  # not read_only: only a full sheet knows its merged cells
        book = load_workbook(path, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a file that is not a workbook
        raise RegisterError(f"{path}：不是有效的 .xlsx 文件（{type(e).__name__}）") from None
    try:
        sheet = book.worksheets[0]
        grid: list[list[object]] = [list(r) for r in sheet.iter_rows(values_only=True)]
        for merged in sheet.merged_cells.ranges:
            _fill_merged(grid, merged.min_row, merged.max_row, merged.min_col)
        return grid
    finally:
        book.close()


def _fill_merged(grid: list[list[object]], first: int, last: int, column: int) -> None:
    """Pure: a cell merged over rows (one 申请渠道 for several applications) is each row's value, as
    the clerk sees it; openpyxl gives it to the first row only. (1-based rows and column, as Excel's.)"""
    value = grid[first - 1][column - 1]
    for r in range(first, last + 1):
        grid[r - 1][column - 1] = value


def _csv(path: Path) -> list[list[object]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel saves CSV as GBK on a Chinese Windows
        try:
            return [list(r) for r in csv.reader(io.StringIO(raw.decode(encoding)))]
        except UnicodeDecodeError:
            continue
    raise RegisterError(f"{path}：无法识别的文字编码（请另存为 UTF-8 的 CSV 或 .xlsx）")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return halfwidth(str(value))


def _day(value: object) -> date | None:
    if isinstance(value, datetime):  # a date cell: checked as a typed day is (records.parse_day)
        return plausible_day(value.date())
    if isinstance(value, date):
        return plausible_day(value)
    if serial := _day_serial(value):
        return serial
    text = _text(value)
    return parse_day(text) if text else None


EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug is before 1 March 1900)
SERIALS = range((date(FIRST_REGISTER_YEAR, 1, 1) - EXCEL_EPOCH).days, (date(9999, 12, 31) - EXCEL_EPOCH).days + 1)


def _day_serial(value: object) -> date | None:
    """A date column left in Excel's 常规 format gives the day's serial number (44621 = 2022-03-01):
    the day Excel means, when it is a whole number a register date can be."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if float(value).is_integer() and int(value) in SERIALS:
        return EXCEL_EPOCH + timedelta(days=int(value))
    return None


# --- checking ----------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, row: Row, column: str, message: str) -> None:
        self.lines.append(f"第{row.number}行“{column}”：{message}")

    def raise_if_any(self, path: Path) -> None:
        if self.lines:
            shown = self.lines[:MAX_ERRORS]
            more = f"\n（另有 {len(self.lines) - MAX_ERRORS} 处）" if len(self.lines) > MAX_ERRORS else ""
            raise RegisterError(f"{path}：{len(self.lines)} 处错误，没有导入任何一行：\n"
                                + "\n".join(shown) + more)


def _field(row: Row, errors: _Errors, label: str, parse: Callable[[Any], Any], required: bool = False) -> Any:
    """The cell parsed, or None (its error noted)."""
    value = row.values.get(label)
    try:
        parsed = parse(value)
    except RegisterError as e:
        errors.add(row, label, str(e))
        return None
    if required and parsed in (None, ""):
        errors.add(row, label, "不能为空")
    return parsed


def _choice(options: Sequence[str], aliases: Mapping[str, str] | None = None) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = _text(value)
        text = (aliases or {}).get(text, text)
        if text and text not in options:
            raise RegisterError(f"“{text}”无效，应为：{'、'.join(options)}")
        return text
    return parse


def _count(value: object) -> int:
    text = _text(value)
    if not text:
        return 0
    if not text.isdigit():
        raise RegisterError(f"“{text}”不是整数")
    return int(text)


def import_key(register: str, record: dict[str, Any], occurrence: int = 1) -> str:
    """The content of a row, hashed: the same row imported again has the same key. The k-th row of a
    sheet with that content (k > 1) has its own key, so each copy is imported once."""
    content: list[Any] = [register, record] if occurrence == 1 else [register, record, occurrence]
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def check_applications(rows: list[Row], path: Path, today: date) -> list[Checked]:
    errors = _Errors()
    seen: dict[str, list[int]] = {}  # content key → the rows that had it
    out: list[Checked] = []
    for row in rows:
        n = len(errors.lines)
        received = _field(row, errors, "收到申请日期", _day, True)
        channel = _field(row, errors, "申请渠道", _choice(CHANNELS), True)
        kind = _field(row, errors, "申请人类型", _choice(APPLICANT_TYPES), True)
        request = _field(row, errors, "申请内容", lambda v: check_request(_text(v)))
        outcome = _field(row, errors, "办理结果", lambda v: resolve_outcome(_text(v)) if _text(v) else None)
        replied = _field(row, errors, "答复日期", _day)
        corrected = _field(row, errors, "收到补正日期", _day)
        extension = _field(row, errors, "延长答复期限（工作日）", _count)
        applicant = _field(row, errors, "申请人", lambda v: check_length("applicant", _text(v)))
        note = _field(row, errors, "备注", lambda v: check_length("note", _text(v)))
        for label, day in (("收到申请日期", received), ("答复日期", replied), ("收到补正日期", corrected)):
            if day and day > today:
                errors.add(row, label, f"{day} 晚于今天（{today}）")
        if len(errors.lines) == n:
            _accept(row, errors, seen, out, "application", partial(
                Application, received_on=received, channel=channel, applicant_type=kind, request=request,
                outcome=outcome, replied_on=replied, corrected_on=corrected, extension_workdays=extension,
                applicant=applicant or "", note=note or ""))
    errors.raise_if_any(path)
    return out


def _accept(row: Row, errors: _Errors, seen: dict[str, list[int]], out: list[Checked], register: str,
            build: Callable[[], Application | Appeal]) -> None:
    """Build the record (its own checks speak for the column they name); a row the same as earlier
    ones is the next such entry (two applications alike in every column are two applications)."""
    columns = columns_for(register)
    try:
        record = build()
    except InputError as e:  # RegisterError, or DatesOutOfOrder from a consultation's dates
        errors.add(row, _column_of(str(e), columns), str(e))
        return
    content = {k: str(getattr(record, k)) for _, k, _ in columns}
    earlier = seen.setdefault(import_key(register, content), [])
    key = import_key(register, content, len(earlier) + 1)
    out.append(Checked(record, key, row.number, earlier[0] if earlier else 0))
    earlier.append(row.number)


def check_appeals(rows: list[Row], path: Path, today: date, known_applications: Mapping[str, Application]
                  ) -> list[Checked]:
    errors = _Errors()
    seen: dict[str, list[int]] = {}  # content key → the rows that had it
    out: list[Checked] = []
    for row in rows:
        n = len(errors.lines)
        kind = _field(row, errors, "复议诉讼类型", _choice(tuple(APPEAL_KINDS), APPEAL_KIND_ALIASES), True)
        filed = _field(row, errors, "提起日期", _day, True)
        outcome = _field(row, errors, "结果", _choice(T3_RESULTS)) or PENDING
        decided = _field(row, errors, "审结日期", _day)
        app_id = _field(row, errors, "关联申请编号", _text)
        if app_id and app_id not in known_applications:
            errors.add(row, "关联申请编号", f"没有编号为 {app_id} 的申请")
        elif app_id and filed and (too_early := case_too_early(filed, known_applications[app_id])):
            errors.add(row, "提起日期", too_early)
        for label, day in (("提起日期", filed), ("审结日期", decided)):
            if day and day > today:
                errors.add(row, label, f"{day} 晚于今天（{today}）")
        if len(errors.lines) == n:
            _accept(row, errors, seen, out, "appeal", partial(
                Appeal, kind=kind, filed_on=filed, outcome=outcome, decided_on=decided, application_id=app_id or "",
                note=_text(row.values.get("备注"))))
    errors.raise_if_any(path)
    return out


def _column_of(message: str, columns: tuple[tuple[str, str, bool], ...]) -> str:
    """The column a record's own check names first (答复日期 …), for the error line."""
    hits = [(message.find(label), label) for label, _, _ in columns if label in message]
    return min(hits)[1] if hits else columns[0][0]
