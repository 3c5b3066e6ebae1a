"""The working-day calendar's rules, without Django: 调休, the fallback year, deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riverchief.core import calendar_seed
from riverchief.core.workdays import (
    END_OF_DAY,
    FALLBACK,
    OFFICIAL,
    TIME_ZONE,
    Calendar,
    DayOverride,
    ScheduleError,
    parse_schedule,
    statutory_holidays,
)

# The State Council's schedule for 2026 (国办发明电〔2025〕7号), as the office would paste it.
SCHEDULE_2026 = """
2026-01-01~2026-01-03 休 元旦
2026-01-04 班 元旦调休
2026-02-14 班 春节调休
2026-02-15~2026-02-23 休 春节
2026-02-28 班 春节调休
2026-04-04~2026-04-06 休 清明节
2026-05-01~2026-05-05 休 劳动节
2026-05-09 班 劳动节调休
2026-06-19~2026-06-21 休 端午节
2026-09-20 班 国庆节调休
2026-09-25~2026-09-27 休 中秋节
2026-10-01~2026-10-07 休 国庆节
2026-10-10 班 国庆节调休
"""

# A made-up 2027 schedule for the tests (the real one is not published yet): 元旦 on Friday
# 1 January, and a working Saturday on 9 January that no fallback rule could know.
HYPOTHETICAL_2027 = """
2027-01-01~2027-01-03 休 元旦
2027-01-09 班 调休（测试）
"""


def _calendar(*schedules: str, years: tuple[int, ...]) -> Calendar:
    overrides = {
        line.day: DayOverride(line.is_working_day, line.name)
        for text in schedules
        for line in parse_schedule(text)
    }
    return Calendar(overrides, years)


def _package_calendar() -> Calendar:
    """The calendar as the seeding migration builds it: only days that differ from weekdays."""
    overrides = {}
    for year in (2025, 2026):
        for day, working, name in calendar_seed.package_days(year):
            overrides[day] = DayOverride(working, name)
    return Calendar(overrides, (2025, 2026))


CALENDAR = _calendar(SCHEDULE_2026, years=(2026,))


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- 2026 as the package and the State Council have it --------------------------------------


def test_the_pasted_2026_schedule_agrees_with_chinese_calendar_on_every_day():
    package = _package_calendar()
    for day in _days(date(2026, 1, 1), date(2026, 12, 31)):
        assert CALENDAR.is_working_day(day) == chinese_calendar.is_workday(day), day
        assert package.is_working_day(day) == chinese_calendar.is_workday(day), day


def test_national_day_2026_is_seven_days_off_with_two_working_weekend_days():
    for day in _days(date(2026, 10, 1), date(2026, 10, 7)):
        assert not CALENDAR.is_working_day(day), day
        assert CALENDAR.name_of(day) == "国庆节"
    assert CALENDAR.is_working_day(date(2026, 9, 20))  # Sunday before, 调休
    assert CALENDAR.is_working_day(date(2026, 10, 10))  # Saturday after, 调休
    assert CALENDAR.is_working_day(date(2026, 10, 8))
    assert CALENDAR.is_working_day(date(2026, 9, 30))


def test_spring_festival_2026_is_nine_days_off_between_two_working_saturdays():
    for day in _days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not CALENDAR.is_working_day(day), day
    assert CALENDAR.is_working_day(date(2026, 2, 14))
    assert CALENDAR.is_working_day(date(2026, 2, 28))
    assert CALENDAR.is_working_day(date(2026, 2, 24))
    assert CALENDAR.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


def test_a_make_up_saturday_is_a_working_day_and_an_ordinary_one_is_not():
    assert date(2026, 10, 10).weekday() == 5
    assert CALENDAR.is_working_day(date(2026, 10, 10))
    assert CALENDAR.name_of(date(2026, 10, 10)) == "国庆节调休"
    assert not CALENDAR.is_working_day(date(2026, 10, 17))
    assert CALENDAR.name_of(date(2026, 10, 17)) == ""


def test_the_package_calendar_stores_only_days_that_differ_from_the_weekday_rule():
    days = calendar_seed.package_days(2026)
    for day, working, _name in days:
        assert working == (day.weekday() >= 5)
    working_weekends = [day for day, working, _ in days if working]
    assert working_weekends == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    names = {name for _day, _working, name in days}
    assert {"元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆节"} <= names


# --- deadlines ---------------------------------------------------------------------------


def test_friday_plus_one_working_day_is_due_at_the_end_of_monday():
    friday = date(2026, 11, 6)
    assert CALENDAR.add_working_days(friday, 1) == date(2026, 11, 9)
    assert CALENDAR.deadline(friday, 1) == datetime(2026, 11, 9, 23, 59, 59, 999000, TIME_ZONE)
    saturday = date(2026, 11, 7)
    assert CALENDAR.add_working_days(saturday, 1) == date(2026, 11, 9)
    assert CALENDAR.next_working_day(friday) == date(2026, 11, 9)


def test_zero_working_days_is_the_day_itself_and_negative_counts_are_refused():
    assert CALENDAR.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2026, 10, 3), -1)


def test_a_deadline_spanning_national_day_skips_the_week_off_and_counts_the_working_saturday():
    # Assigned Wednesday 30 September with 5 working days: 8, 9, 10 (Saturday, 调休), 12, 13 Oct.
    assert CALENDAR.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert CALENDAR.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CALENDAR.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    # Without 调休 (weekends and statutory holidays only) it would be one day later.
    assert Calendar().add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 14)


def test_a_datetime_counts_from_its_day_in_beijing():
    # 17:30 UTC on Thursday 1 Oct is 01:30 on Friday 2 Oct in Beijing.
    late = datetime(2026, 10, 1, 17, 30, tzinfo=UTC)
    assert CALENDAR.add_working_days(late, 1) == date(2026, 10, 8)
    due = CALENDAR.deadline(late, 2)
    assert due == datetime(2026, 10, 9, 23, 59, 59, 999000, tzinfo=TIME_ZONE)
    assert due.time() == END_OF_DAY
    assert due.utcoffset() == timedelta(hours=8)
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(datetime(2026, 10, 1, 12, 0), 1)  # naive


def test_working_days_between_counts_after_the_start_up_to_and_including_the_end():
    assert CALENDAR.working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert CALENDAR.working_days_between(date(2026, 10, 13), date(2026, 9, 30)) == -5
    assert CALENDAR.working_days_between(date(2026, 10, 1), date(2026, 10, 1)) == 0


# --- the fallback year -------------------------------------------------------------------


def test_the_package_knows_2026_but_not_2027():
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    assert calendar_seed.package_years(until=2030)[-1] == 2026
    assert calendar_seed.package_years(until=2030)[0] == 2004


def test_the_fallback_for_2027_has_the_statutory_holidays_and_their_substitutes():
    days = statutory_holidays(2027)
    assert days[date(2027, 1, 1)] == "元旦"
    assert days[date(2027, 2, 5)] == "农历除夕"
    assert [d for d, name in days.items() if name.startswith("春节")] == [
        date(2027, 2, d) for d in (6, 7, 8, 9, 10)
    ]
    assert days[date(2027, 10, 4)] == "国庆节（补假）"
    assert all(day.year == 2027 for day in days)
    assert statutory_holidays(2101) == {}  # beyond the package's rules: weekends only


def test_a_twenty_day_deadline_from_december_2026_reaches_2027_on_the_fallback():
    assert CALENDAR.source_of(2026) == OFFICIAL
    assert CALENDAR.source_of(2027) == FALLBACK
    start = date(2026, 12, 15)  # Tuesday
    due = CALENDAR.add_working_days(start, 20)
    # 12 working days left in December; 1 January 2027 is 元旦 (statutory); then 4–8 and 11–13 Jan.
    assert due == date(2027, 1, 13)
    assert CALENDAR.fallback_years_between(start, due) == (2027,)
    assert CALENDAR.fallback_years_between(date(2026, 1, 5), date(2026, 12, 31)) == ()
    assert not CALENDAR.is_working_day(date(2027, 2, 9))  # statutory 补假 in the fallback
    assert not CALENDAR.is_working_day(date(2027, 1, 9))  # no 调休 in the fallback


def test_entering_2027_changes_that_deadline_and_the_fallback_no_longer_applies():
    entered = _calendar(SCHEDULE_2026, HYPOTHETICAL_2027, years=(2026, 2027))
    assert entered.source_of(2027) == OFFICIAL
    assert entered.add_working_days(date(2026, 12, 15), 20) == date(2027, 1, 12)
    assert entered.fallback_years_between(date(2026, 12, 15), date(2027, 1, 12)) == ()
    # The entered schedule is the whole truth for 2027: days it does not list are ordinary.
    assert entered.is_working_day(date(2027, 2, 9))


def test_a_day_set_in_a_fallback_year_overrides_the_statutory_rule():
    calendar = Calendar({date(2027, 1, 1): DayOverride(True, "")}, (2026,))
    assert calendar.source_of(2027) == FALLBACK
    assert calendar.is_working_day(date(2027, 1, 1))
    assert not calendar.is_working_day(date(2027, 2, 8))
    special = {day.day: day for day in calendar.special_days(2027)}
    assert special[date(2027, 1, 1)].is_working_day and special[date(2027, 1, 1)].entered
    assert not special[date(2027, 2, 8)].entered


def test_a_calendar_without_any_working_day_refuses_instead_of_looping():
    everything_off = {d: DayOverride(False, "x") for d in _days(date(2030, 1, 1), date(2031, 6, 1))}
    with pytest.raises(ValueError):
        Calendar(everything_off, (2030, 2031)).add_working_days(date(2030, 1, 1), 1)


# --- the pasted schedule -----------------------------------------------------------------


def test_the_schedule_reads_ranges_kinds_names_and_comments():
    lines = parse_schedule(
        "# 国务院办公厅通知\n\n2027-02-05~2027-02-07 休 春节\n2027/2/20 班\n"
        "2027-10-01..2027-10-02 off National Day # note\n2027-05-01 假\n",
        2027,
    )
    assert [(line.day, line.is_working_day, line.name) for line in lines] == [
        (date(2027, 2, 5), False, "春节"),
        (date(2027, 2, 6), False, "春节"),
        (date(2027, 2, 7), False, "春节"),
        (date(2027, 2, 20), True, ""),
        (date(2027, 10, 1), False, "National Day"),
        (date(2027, 10, 2), False, "National Day"),
        (date(2027, 5, 1), False, ""),
    ]
    assert lines[3].line_number == 4


@pytest.mark.parametrize(
    ("text", "line_number", "code"),
    [
        ("2027-01-01 休\nnot a date\n", 2, "format"),
        ("2027-02-30 休", 1, "date"),
        ("2027-01-01 maybe", 1, "kind"),
        ("2027-01-05~2027-01-01 休", 1, "reversed"),
        ("2027-01-01~2027-03-01 休", 1, "range_too_long"),
        ("2026-12-31 休", 1, "wrong_year"),
        ("2027-01-01 休\n2027-01-01 班", 2, "duplicate"),
        ("2027-01-01 休 " + "长" * 61, 1, "name_too_long"),
    ],
)
def test_an_unreadable_line_is_named(text, line_number, code):
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text, 2027)
    assert caught.value.line_number == line_number
    assert caught.value.code == code


# --- properties ---------------------------------------------------------------------------

starts = st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 12, 31))
counts = st.integers(min_value=0, max_value=80)


@settings(max_examples=300, deadline=None)
@given(start=starts, n=st.integers(min_value=1, max_value=80))
def test_a_deadline_is_always_a_working_day_after_the_start(start, n):
    due = CALENDAR.add_working_days(start, n)
    assert due > start
    assert CALENDAR.is_working_day(due)


@settings(max_examples=300, deadline=None)
@given(start=starts, n=counts, m=counts)
def test_deadlines_grow_with_the_number_of_days(start, n, m):
    low, high = sorted((n, m))
    assert CALENDAR.add_working_days(start, low) <= CALENDAR.add_working_days(start, high)
    if low < high:
        assert CALENDAR.add_working_days(start, low) < CALENDAR.add_working_days(start, high)


@settings(max_examples=300, deadline=None)
@given(start=starts, n=counts)
def test_working_days_between_inverts_add_working_days(start, n):
    due = CALENDAR.add_working_days(start, n)
    assert CALENDAR.working_days_between(start, due) == n
    assert CALENDAR.working_days_between(due, start) == -n
    if n >= 1:
        # Nothing earlier reaches n: the deadline is the first day with n working days after start.
        assert CALENDAR.working_days_between(start, due - timedelta(days=1)) == n - 1


@settings(max_examples=200, deadline=None)
@given(a=starts, b=starts, c=starts)
def test_working_days_between_adds_up(a, b, c):
    assert CALENDAR.working_days_between(a, b) + CALENDAR.working_days_between(
        b, c
    ) == CALENDAR.working_days_between(a, c)
