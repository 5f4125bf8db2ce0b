"""The office's registers (applications, appeals) and the tables computed from them.

Pure functions of plain records: no database. ``compute_table2`` and
``compute_table3`` count a year from the registers; ``compute_table1`` fills the
主动公开 table from catalogue counts plus the figures file the office fills in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pipeline.registers.formats import (
    ALL_OUTCOME_KEYS,
    APPLICANT_TYPES,
    T2_COLUMNS,
    T2_TOTAL_COLUMN,
    T3_COLUMNS,
    T3_GROUPS,
    T3_RESULTS,
    T3_TOTAL,
    ReportFormat,
    format_for_year,
)
from pipeline.normalize import halfwidth as halfwidth  # the register code's name for it
from pipeline.registers.errors import RegisterError
from pipeline.workdays import Consultation, Deadline, compute_deadline, reply_rules

CHANNELS = ("网站", "信函", "当面", "传真", "电子邮件", "其他")  # how an application came in
APPEAL_KINDS = {  # Appeal.kind → Table 3 group
    "行政复议": "行政复议",
    "行政诉讼-未经复议直接起诉": "未经复议直接起诉",
    "行政诉讼-复议后起诉": "复议后起诉",
}
APPEAL_KIND_ALIASES = {"复议": "行政复议", "直接起诉": "行政诉讼-未经复议直接起诉",
                       "未经复议直接起诉": "行政诉讼-未经复议直接起诉", "复议后起诉": "行政诉讼-复议后起诉"}
PENDING = "尚未审结"
MAX_EXTENSION = 20  # 条例第三十三条: 延长的期限最长不得超过20个工作日


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
            raise RegisterError(f"申请渠道“{self.channel}”无效，应为：{'、'.join(CHANNELS)}")
        if self.applicant_type not in APPLICANT_TYPES:
            raise RegisterError(f"申请人类型“{self.applicant_type}”无效，应为：{'、'.join(APPLICANT_TYPES)}")
        if self.outcome is not None and self.outcome not in ALL_OUTCOME_KEYS:
            raise RegisterError(f"办理结果“{self.outcome}”无效：应为“三、本年度办理结果”中的一项")
        if (self.outcome is None) != (self.replied_on is None):
            raise RegisterError("办理结果和答复日期应同时填写（已答复）或同时留空（办理中）")
        _not_before(self.replied_on, "答复日期", self.received_on, "收到申请日期")
        _not_before(self.corrected_on, "收到补正日期", self.received_on, "收到申请日期")
        for c in self.consultations:
            _not_before(c.sent_on, "征求意见日期", self.received_on, "收到申请日期")
            _not_before(c.answered_on, "征求意见答复日期", c.sent_on, "征求意见日期")
        rules = reply_rules(self.received_on)  # the 条例 in force when it was received
        if not 0 <= self.extension_workdays <= rules.max_extension:
            raise RegisterError(f"延长答复期限应为 0 到 {rules.max_extension} 个工作日（{rules.article}），"
                             f"实为 {self.extension_workdays}")

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
            raise RegisterError(f"复议诉讼类型“{self.kind}”无效，应为：{'、'.join(APPEAL_KINDS)}")
        if self.outcome not in T3_RESULTS:
            raise RegisterError(f"复议诉讼结果“{self.outcome}”无效，应为：{'、'.join(T3_RESULTS)}")
        if (self.outcome == PENDING) != (self.decided_on is None):
            raise RegisterError("审结日期与结果应同时填写（已审结），尚未审结时两者都不填")
        _not_before(self.decided_on, "审结日期", self.filed_on, "提起日期")


def _not_before(day: date | None, label: str, earliest: date, earliest_label: str) -> None:
    if day is not None and day < earliest:
        raise RegisterError(f"{label}（{day}）不能早于{earliest_label}（{earliest}）")


def check_entry_dates(today: date, **days: date | None) -> None:
    """A register entry made on ``today`` cannot name a day after it: ``received_on=…`` etc.
    (keyword = field, see FIELD_LABELS)."""
    for name, day in days.items():
        if day is not None and day > today:
            raise RegisterError(f"{FIELD_LABELS[name]}（{day}）不能晚于今天（{today}）")


def check_request(text: str) -> str:
    """申请内容: required, so the register says what was asked."""
    text = (text or "").strip()
    if not text:
        raise RegisterError("申请内容不能为空：请写明申请公开的政府信息")
    return check_length("request", text)


# The longest text a register field takes (the review page's maxlength is the same number): longer
# input is refused with this message, never cut.
TEXT_LIMITS = {"request": 2000, "applicant": 200, "note": 500, "reason": 500}


def length_problem(name: str, text: str) -> str:
    """Pure: the Chinese refusal of ``text`` as field ``name`` when it is too long, else ""."""
    limit = TEXT_LIMITS[name]
    if len(text) <= limit:
        return ""
    return f"{FIELD_LABELS[name]}不能超过 {limit} 字（现有 {len(text)} 字），请删减后再保存"


def check_length(name: str, text: str) -> str:
    """``text`` when it fits field ``name``; RegisterError (in Chinese) when it is too long."""
    problem = length_problem(name, text)
    if problem:
        raise RegisterError(problem)
    return text


# Field names as staff see them, for every message about a register entry.
FIELD_LABELS = {
    "received_on": "收到申请日期", "channel": "申请渠道", "applicant_type": "申请人类型",
    "applicant": "申请人", "request": "申请内容", "outcome": "办理结果", "replied_on": "答复日期",
    "corrected_on": "收到补正日期", "extension_workdays": "延长答复期限（工作日）", "note": "备注",
    "consulted_on": "征求意见日期", "answered_on": "征求意见答复日期",
    "kind": "复议诉讼类型", "filed_on": "提起日期", "decided_on": "审结日期", "application_id": "关联申请编号",
    "result": "结果", "consultations": "征求意见", "count": "件数", "id": "编号",
    "reason": "理由", "year": "年度", "output": "输出文件", "path": "要导入的文件",
}


def outcome_label(key: str | None) -> str:
    """A stored outcome key as the format prints it: granted → （一）予以公开."""
    if key is None:
        return "办理中"
    for fmt in (format_for_year(2021), format_for_year(2020)):
        for row in fmt.table2_rows:
            if row.key == key:
                return row.label
    return key


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
    raise RegisterError(f"未知的办理结果 {text!r}：应为“三、本年度办理结果”中的一项，"
                     f"如 予以公开、部分公开、保护第三方合法权益、本机关不掌握相关政府信息、重复申请")


def _bare(label: str) -> str:
    """A row label without its numbering: （三）不予公开 → 不予公开, 1.属于国家秘密 → 属于国家秘密."""
    label = re.sub(r"^(（[一二三四五六七]）|\d+\.)", "", label.strip())
    return label.split("（")[0] if label.startswith("部分公开") else label


FIRST_REGISTER_YEAR = 2008  # 《政府信息公开条例》自 2008年5月1日起施行: no register date is earlier


def parse_day(text: str) -> date:
    """2021-03-01, ２０２１－０３－０１, 2021/3/1 or 2021年3月1日 → a date (RegisterError in Chinese).

    The one parser of every register date (web forms, the CLI, the Excel import): a day that
    does not exist and a year before the 条例 are refused here, with what is wrong."""
    value = halfwidth(str(text)).strip()
    m = _DAY.fullmatch(value)
    if m:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        try:  # the other forms ISO 8601 allows (20210301 …)
            found = date.fromisoformat(value)
        except ValueError:
            raise RegisterError(f"“{str(text)[:40]}”不是 年-月-日 格式的日期，应写作 2021-03-01") from None
        year, month, day = found.year, found.month, found.day
    if year < FIRST_REGISTER_YEAR:
        raise RegisterError(_too_early(str(text)))
    try:
        return date(year, month, day)
    except ValueError:
        raise RegisterError(f"“{text}”这一天不存在（{_no_such_day(year, month, day)}），请检查日期") from None


def plausible_day(day: date) -> date:
    """``day`` (a date cell of a spreadsheet, …) when a register may hold it: not before 2008."""
    if day.year < FIRST_REGISTER_YEAR:
        raise RegisterError(_too_early(day.isoformat()))
    return day


def _too_early(text: str) -> str:
    return (f"“{text}”的年份早于 {FIRST_REGISTER_YEAR} 年，不可能是登记的日期"
            f"（《政府信息公开条例》自 2008年5月1日起施行），请检查年份")


def _no_such_day(year: int, month: int, day: int) -> str:
    """Pure: why year-month-day is no date, in words (2021-02-30 → 2021年2月没有30日)."""
    if not 1 <= month <= 12:
        return f"一年只有 12 个月，没有{month}月"
    return f"{year}年{month}月没有{day}日"


# a time after the day (2021-03-01 09:30, from a spreadsheet or another system) is read past
_DAY = re.compile(r"(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?(?:[\sT]+\d{1,2}:\d{2}(?::\d{2})?)?")


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
    for cells in table.values():
        cells[T2_TOTAL_COLUMN] = sum(cells[c] for c in APPLICANT_TYPES)
    return table


# --- Table 3 -----------------------------------------------------------------


def empty_table3() -> dict[str, dict[str, int]]:
    return {g: {c: 0 for c in T3_COLUMNS} for g in T3_GROUPS}


def table3_cell(year: int, appeal: Appeal) -> tuple[str, str] | None:
    """The (group, result) of ``year``'s 表四 this case counts in, or None.

    A case counts once, in the year it was filed, with its result as of 31 December
    of that year (undecided then → 尚未审结). The format's 表四 (国办公开办函〔2021〕30号,
    DOMAIN.md §1.5) is one row per group with the columns "结果维持 结果纠正 其他结果
    尚未审结 总计": unlike 表三 it has no "上年结转" row, so a case filed in an earlier
    year has no cell to go in; counting it again would make 总计 count one case in
    two years' reports. A later decision is listed by ``decided_later`` for the text.
    """
    if appeal.filed_on.year != year:
        return None
    end = date(year, 12, 31)
    decided = appeal.decided_on is not None and appeal.decided_on <= end
    return APPEAL_KINDS[appeal.kind], appeal.outcome if decided else PENDING


def decided_later(year: int, appeals: Iterable[Appeal]) -> list[Appeal]:
    """Cases filed before ``year`` and decided in it: reported 尚未审结 in their own
    year's 表四, their result belongs in the text of part 四 (not in a cell)."""
    return [a for a in appeals if a.filed_on.year < year and a.decided_on is not None
            and a.decided_on.year == year]


def compute_table3(year: int, appeals: Iterable[Appeal]) -> dict[str, dict[str, int]]:
    """表四 (复议、诉讼) for ``year``: the cases filed in the year (see ``table3_cell``)."""
    table = empty_table3()
    for a in appeals:
        cell = table3_cell(year, a)
        if cell is not None:
            group, result = cell
            table[group][result] += 1
            table[group][T3_TOTAL] += 1
    return table


# 表二 (主动公开) lives in table1; these names stay importable from here.
from pipeline.registers.table1 import (  # noqa: E402
    DocumentCounts as DocumentCounts, Stated as Stated, Table1 as Table1, compute_table1 as compute_table1,
)
