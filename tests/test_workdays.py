"""Working days and 依申请公开 deadlines (条例第三十、三十三条; DOMAIN.md §5)."""

from datetime import date

import pytest

from pipeline.errors import DatesOutOfOrder, InputError, InternalError, XxgkError
from pipeline.workdays import (
    CalendarGap,
    CalendarGapError,
    Consultation,
    add_workdays,
    calendar_covers,
    compute_deadline,
    horizon_gap,
    is_workday,
    workdays_between,
)


@pytest.mark.parametrize(
    ("received", "due", "extended"),
    [  # DOMAIN.md §5 worked examples (chinesecalendar 1.11.0, 次日起算)
        (date(2025, 9, 26), date(2025, 10, 30), date(2025, 11, 27)),
        (date(2025, 12, 25), date(2026, 1, 23), date(2026, 2, 27)),
        (date(2026, 1, 30), date(2026, 3, 5), date(2026, 4, 2)),
    ],
)
def test_domain_worked_examples(received, due, extended):
    d = compute_deadline(received, extension_workdays=20)
    assert (d.due, d.final_due, d.latest_possible_due) == (due, extended, extended)
    assert d.gaps == () and not d.provisional
    assert compute_deadline(received).final_due == due


def test_2020_extended_spring_festival_and_make_up_sunday():
    # 2020-01-19 (Sunday) was a make-up workday; the 春节 break ran 01-24 … 02-02 (extended).
    assert is_workday(date(2020, 1, 19))
    assert not is_workday(date(2020, 1, 31)) and not is_workday(date(2020, 2, 2))
    # Fri 01-17: 01-19 is day 1, 01-20…01-23 days 2–5, then 02-03 is day 6 … 02-21 day 20.
    assert add_workdays(date(2020, 1, 17), 5) == date(2020, 1, 23)
    assert add_workdays(date(2020, 1, 17), 6) == date(2020, 2, 3)
    assert compute_deadline(date(2020, 1, 17)).due == date(2020, 2, 21)


def test_2020_national_day_with_make_up_saturday():
    # 国庆+中秋 2020: 10-01…10-08 off; 09-27 (Sun) and 10-10 (Sat) were workdays.
    assert is_workday(date(2020, 9, 27)) and is_workday(date(2020, 10, 10))
    assert add_workdays(date(2020, 9, 25), 1) == date(2020, 9, 27)
    assert add_workdays(date(2020, 9, 25), 5) == date(2020, 10, 9)
    assert add_workdays(date(2020, 9, 25), 6) == date(2020, 10, 10)
    assert compute_deadline(date(2020, 9, 25)).due == date(2020, 10, 29)


def test_workdays_between_is_the_inverse_of_add_workdays():
    start = date(2025, 9, 26)
    for n in (0, 1, 7, 20, 40):
        assert workdays_between(start, add_workdays(start, n)) == n
    assert workdays_between(date(2025, 10, 30), start) == -20
    assert workdays_between(date(2025, 10, 1), date(2025, 10, 8)) == 0  # 国庆
    with pytest.raises(InternalError):
        add_workdays(start, -1)


def test_2027_falls_back_to_monday_friday_and_reports_the_gap():
    assert calendar_covers(2026) and not calendar_covers(2027) and not calendar_covers(2003)
    d = compute_deadline(date(2026, 12, 20))  # Sunday
    # 12-21…12-25 days 1–5, 12-28…12-31 days 6–9, 2027-01-01 (Fri, assumed a workday) day 10,
    # 01-04…01-08 days 11–15, 01-11…01-15 days 16–20.
    assert d.due == date(2027, 1, 15)
    assert d.gaps == (CalendarGap(2027),)
    assert "2027" in d.gaps[0].message and "周一至周五" in d.gaps[0].message
    gaps: list[CalendarGap] = []
    add_workdays(date(2026, 12, 30), 10, gaps=gaps)
    add_workdays(date(2026, 12, 30), 12, gaps=gaps)
    assert gaps == [CalendarGap(2027)]  # reported once
    with pytest.raises(CalendarGapError) as err:
        compute_deadline(date(2026, 12, 20), strict=True)
    assert isinstance(err.value, XxgkError) and err.value.gap.year == 2027


def test_horizon_gap_for_the_nightly_check():
    assert horizon_gap(date(2026, 3, 2)) is None
    assert horizon_gap(date(2026, 11, 2), 60) == CalendarGap(2027)


def test_correction_restarts_the_clock():
    # 第三十条: counted from the day the corrected application is received.
    d = compute_deadline(date(2025, 9, 26), corrected_on=date(2025, 10, 9))
    assert d.clock_start == date(2025, 10, 9)
    # 10-10 day 1, 10-11 (make-up Saturday) day 2, … 11-05 day 20.
    assert d.due == date(2025, 11, 5)
    # 补正 must be asked for within 7 working days of receipt: 09-28 (make-up Sunday) is day 1.
    assert d.correction_notice_due == date(2025, 10, 13)
    with pytest.raises(DatesOutOfOrder):
        compute_deadline(date(2025, 9, 26), corrected_on=date(2025, 9, 1))


def test_consultation_time_is_not_counted():
    # 第三十三条第三款. Letter sent 10-09, answer 10-15: 10-10, 10-11, 10-13, 10-14, 10-15 paused.
    d = compute_deadline(date(2025, 9, 26),
                         consultations=(Consultation(date(2025, 10, 9), date(2025, 10, 15)),))
    assert d.paused_workdays == 5
    assert d.due == date(2025, 11, 6)  # 2025-10-30 pushed by 5 working days
    assert not d.provisional


def test_unanswered_consultation_is_provisional_for_15_workdays():
    d = compute_deadline(date(2025, 9, 26), consultations=(Consultation(date(2025, 10, 9)),))
    assert d.provisional and d.paused_workdays == 15
    assert d.due == add_workdays(date(2025, 10, 30), 15)


def test_extension_is_at_most_20_workdays_and_overdue():
    with pytest.raises(InputError, match="20"):
        compute_deadline(date(2025, 9, 26), extension_workdays=21)
    d = compute_deadline(date(2025, 9, 26), extension_workdays=5)
    assert d.final_due == add_workdays(date(2025, 10, 30), 5)
    assert d.latest_possible_due == date(2025, 11, 27)
    assert not d.is_overdue(d.final_due) and d.is_overdue(date(2025, 12, 1))


def test_an_application_received_before_the_revised_regulation_had_15_working_days():
    """Under the 2008 条例 (第二十四条) a reply was due in 15 working days, extended by at most 15; the
    revised 条例 took effect on 2019-05-15. A 2016 application was given the revised 20 days."""
    from pipeline.workdays import reply_rules

    old = compute_deadline(date(2016, 3, 1))
    assert old.due == add_workdays(date(2016, 3, 1), 15)
    assert old.latest_possible_due == add_workdays(date(2016, 3, 1), 30)
    assert compute_deadline(date(2019, 5, 15)).due == add_workdays(date(2019, 5, 15), 20)
    assert compute_deadline(date(2019, 5, 14)).due == add_workdays(date(2019, 5, 14), 15)
    assert reply_rules(date(2016, 3, 1)).max_extension == 15
    with pytest.raises(InputError, match="最长不得超过15个工作日（2008年《条例》第二十四条）"):
        compute_deadline(date(2016, 3, 1), extension_workdays=20)


def test_the_register_refuses_an_extension_the_regulation_of_its_day_did_not_allow(unsynced_office):
    from .builders import add_application, cli

    config, _ = unsynced_office
    add_application(config, "2016-03-01")
    out = cli(config, "application", "update", "2016-001", "--extend", "20", code=2)
    assert "延长答复期限应为 0 到 15 个工作日（2008年《条例》第二十四条）" in out
    cli(config, "application", "update", "2016-001", "--extend", "15")
