"""Working-day arithmetic for the 条例's "N个工作日" deadlines.

Holidays and 调休 make-up workdays come from ``chinese_calendar`` (PyPI
``chinesecalendar``), which only knows the years the State Council has already
published (1.11.0: 2004–2026). For a date outside its data we fall back to
Monday–Friday and *report* it as a :class:`CalendarGap` — collected into a list
the caller passes in, and carried on every :class:`Deadline` — so a page or a
CLI can show a visible warning. (Not Python's ``warnings`` module: the test
suite runs with warnings as errors, and a warning there is easy to lose.)

Counting rule (次日起算): the day after the start date is working day 1 if it is
a working day. DOMAIN.md §5 marks this reading UNCONFIRMED (国办公开办函〔2015〕207号's
section on calculation was not in the stored copies).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

from pipeline.errors import CalendarGapError, DatesOutOfOrder, InputError, InternalError

__all__ = [
    "CalendarGap",
    "CalendarGapError",
    "Consultation",
    "Deadline",
    "NOTICES",
    "add_workdays",
    "calendar_covers",
    "compute_deadline",
    "horizon_gap",
    "is_workday",
    "next_year_calendar_warning",
    "reply_rules",
    "workdays_between",
]

REPLY_WORKDAYS = 20  # 条例第三十三条第二款
MAX_EXTENSION_WORKDAYS = 20  # 条例第三十三条第二款: 延长的期限最长不得超过20个工作日
# The revised 条例 took effect on 2019-05-15; an application received before it was answered under
# the 2008 条例 (第二十四条): 15 working days, extended by at most 15.
REVISED_FROM = date(2019, 5, 15)


@dataclass(frozen=True)
class ReplyRules:
    """How long an application may take under the 条例 in force on the day it was received."""

    reply_workdays: int
    max_extension: int
    article: str  # cited in messages


def reply_rules(received_on: date) -> ReplyRules:
    """Pure: the reply period and the longest extension for an application received that day."""
    if received_on < REVISED_FROM:
        return ReplyRules(15, 15, "2008年《条例》第二十四条")
    return ReplyRules(REPLY_WORKDAYS, MAX_EXTENSION_WORKDAYS, "条例第三十三条")
CORRECTION_NOTICE_WORKDAYS = 7  # 条例第三十条: 7个工作日内一次性告知补正
CONSULTATION_WORKDAYS = 15  # 条例第三十二条、第三十四条: 15个工作日内提出意见

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class CalendarGap:
    """The holiday data does not cover ``year``; Mon–Fri was assumed for it."""

    year: int

    @property
    def message(self) -> str:
        version = getattr(chinese_calendar, "__version__", "?")
        return (
            f"chinesecalendar {version} 没有 {self.year} 年的节假日和调休数据，"
            f"{self.year} 年的日期按周一至周五计算工作日，期限可能不准确；"
            "请在国务院公布该年放假安排后升级 chinesecalendar。"
        )

    def __str__(self) -> str:
        return self.message


def calendar_covers(year: int) -> bool:
    """Whether the installed holiday data knows ``year`` (the nightly December check)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _note(gaps: list[CalendarGap] | None, gap: CalendarGap) -> None:
    if gaps is not None and gap not in gaps:
        gaps.append(gap)


def is_workday(
    day: date, *, gaps: list[CalendarGap] | None = None, strict: bool = False
) -> bool:
    """Whether ``day`` is a working day (holidays off, 调休 make-up days on)."""
    try:
        return bool(chinese_calendar.is_workday(day))  # untyped library
    except NotImplementedError:
        gap = CalendarGap(day.year)
        if strict:
            raise CalendarGapError(gap) from None
        _note(gaps, gap)
        return day.weekday() < 5


def add_workdays(
    start: date, n: int, *, gaps: list[CalendarGap] | None = None, strict: bool = False
) -> date:
    """The ``n``-th working day after ``start`` (次日起算: the day after ``start`` is day 1).

    The 次日起算 reading is UNCONFIRMED (DOMAIN.md §5). Years outside the holiday
    data fall back to Mon–Fri and append a :class:`CalendarGap` to ``gaps``;
    with ``strict=True`` a :class:`CalendarGapError` is raised instead.
    """
    if n < 0:
        raise InternalError(f"n must be >= 0, got {n}")
    day, counted = start, 0
    while counted < n:
        day += _ONE_DAY
        if is_workday(day, gaps=gaps, strict=strict):
            counted += 1
    return day


def workdays_between(
    a: date, b: date, *, gaps: list[CalendarGap] | None = None, strict: bool = False
) -> int:
    """Working days in (a, b]: ``workdays_between(a, add_workdays(a, n)) == n``.

    Negative when ``b`` is before ``a``.
    """
    if b < a:
        return -workdays_between(b, a, gaps=gaps, strict=strict)
    count = 0
    for year in range(a.year, b.year + 1):  # year by year: a stored 0020-03-01 must not loop for centuries
        lo = a if year == a.year else date(year - 1, 12, 31)
        hi = b if year == b.year else date(year, 12, 31)
        if calendar_covers(year):
            count += sum(1 for n in range(1, (hi - lo).days + 1) if is_workday(lo + timedelta(days=n)))
            continue
        gap = CalendarGap(year)
        if strict:
            raise CalendarGapError(gap)
        _note(gaps, gap)
        count += _weekdays_through(hi) - _weekdays_through(lo)  # Mon–Fri, counted without a loop
    return count


def _weekdays_through(day: date) -> int:
    """Pure: Monday–Friday days from 0001-01-01 (a Monday) to ``day`` inclusive."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


# The holiday data is the installation's, not an office's: its warning goes to this logger, whose
# messages a district run prints once however many offices give them (nightly.logs.once_per_run).
NOTICES = "xxgk.notices"


def next_year_calendar_warning(today: date) -> str | None:
    """In December, a warning when the holiday data lacks next year (the nightly job
    calls this; the State Council publishes the schedule around November and a new
    chinesecalendar follows). None otherwise."""
    if today.month != 12 or calendar_covers(today.year + 1):
        return None
    return (f"节假日数据缺少 {today.year + 1} 年：{CalendarGap(today.year + 1).message}"
            f"（pip install -U chinesecalendar）")


def horizon_gap(today: date, workdays: int = 60) -> CalendarGap | None:
    """The gap the nightly job should alert on: today + ``workdays`` leaves the data."""
    gaps: list[CalendarGap] = []
    add_workdays(today, workdays, gaps=gaps)
    return gaps[0] if gaps else None


# --- deadlines for 依申请公开 (条例第三十条、第三十二条、第三十三条) -----------------------


@dataclass(frozen=True)
class Consultation:
    """A written consultation of a third party or another agency (第三十二、三十四条).

    Its time is not counted in the reply period (第三十三条第三款). We pause the
    working days after ``sent_on`` up to and including ``answered_on``. While
    no answer has come, the pause is assumed to run to the 15th working day
    after ``sent_on`` (the latest a third party may answer) and the deadline
    is marked provisional.
    """

    sent_on: date
    answered_on: date | None = None

    def __post_init__(self) -> None:
        if self.answered_on is not None and self.answered_on < self.sent_on:
            raise DatesOutOfOrder(f"征求意见答复日期（{self.answered_on}）不能早于征求意见日期（{self.sent_on}）")


@dataclass(frozen=True)
class Deadline:
    """The reply deadline of one application (条例第三十三条)."""

    received_on: date  # 收到申请之日 (第三十一条)
    clock_start: date  # received_on, or the day the corrected application came in (第三十条)
    correction_notice_due: date  # last day to ask for 补正 (第三十条: 7个工作日)
    due: date  # the reply period's last counted working day (20; 15 before 2019-05-15)
    extension_workdays: int  # extension granted, 0–20 (0–15 before 2019-05-15)
    final_due: date  # due plus the extension granted
    latest_possible_due: date  # due plus the maximum extension
    paused_workdays: int  # working days not counted because of consultations
    provisional: bool = False  # a consultation is still unanswered
    gaps: tuple[CalendarGap, ...] = field(default=())

    def is_overdue(self, on: date) -> bool:
        return on > self.final_due


def compute_deadline(
    received_on: date,
    *,
    corrected_on: date | None = None,
    extension_workdays: int = 0,
    consultations: Iterable[Consultation] = (),
    strict: bool = False,
) -> Deadline:
    """Reply deadline: 20 working days from receipt (or from the corrected
    application, 第三十条), plus an extension of at most 20 (第三十三条第二款),
    not counting consultation time (第三十三条第三款); 15 and 15 for an application
    received before the revised 条例 took effect (`reply_rules`)."""
    rules = reply_rules(received_on)
    if not 0 <= extension_workdays <= rules.max_extension:
        raise InputError(
            f"延长答复期限最长不得超过{rules.max_extension}个工作日（{rules.article}），"
            f"实为 {extension_workdays}"
        )
    if corrected_on is not None and corrected_on < received_on:
        raise DatesOutOfOrder(f"收到补正日期（{corrected_on}）不能早于收到申请日期（{received_on}）")
    gaps: list[CalendarGap] = []
    clock_start = corrected_on or received_on
    pauses, provisional = _pauses(consultations, gaps, strict)

    targets = (rules.reply_workdays, rules.reply_workdays + extension_workdays,
               rules.reply_workdays + rules.max_extension)
    found: dict[int, date] = {}
    paused_at: dict[int, int] = {}
    day, counted, paused = clock_start, 0, 0
    while counted < targets[-1]:
        day += _ONE_DAY
        if not is_workday(day, gaps=gaps, strict=strict):
            continue
        if any(lo < day <= hi for lo, hi in pauses):
            paused += 1
            continue
        counted += 1
        found.setdefault(counted, day)
        paused_at.setdefault(counted, paused)
    return Deadline(
        received_on=received_on,
        clock_start=clock_start,
        correction_notice_due=add_workdays(
            received_on, CORRECTION_NOTICE_WORKDAYS, gaps=gaps, strict=strict
        ),
        due=found[targets[0]],
        extension_workdays=extension_workdays,
        final_due=found[targets[1]],
        latest_possible_due=found[targets[2]],
        paused_workdays=paused_at[targets[1]],
        provisional=provisional,
        gaps=tuple(gaps),
    )


def _pauses(
    consultations: Iterable[Consultation], gaps: list[CalendarGap], strict: bool
) -> tuple[Sequence[tuple[date, date]], bool]:
    pauses, provisional = [], False
    for c in consultations:
        end = c.answered_on
        if end is None:
            end = add_workdays(c.sent_on, CONSULTATION_WORKDAYS, gaps=gaps, strict=strict)
            provisional = True
        pauses.append((c.sent_on, end))
    return pauses, provisional
