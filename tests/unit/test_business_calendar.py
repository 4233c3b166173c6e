"""Business-time arithmetic of the calendar: weekly hours, holidays, DST weeks, edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hero_assistance.domain.business_calendar import (
    DEFAULT_CALENDAR,
    MAX_HOLIDAYS,
    MIN_WEEKLY_MINUTES,
    BusinessCalendar,
    WorkingHours,
    clean_calendar,
    format_clock,
    parse_clock,
)
from hero_assistance.domain.errors import InvalidInput

AMS = ZoneInfo("Europe/Amsterdam")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def local(*parts: int, zone: ZoneInfo = AMS) -> datetime:
    return datetime(*parts, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


def office(zone: str = "Europe/Amsterdam", holidays: tuple[date, ...] = ()) -> BusinessCalendar:
    """Monday to Friday, 9 to 17."""
    return clean_calendar(zone=zone, hours=[WorkingHours(d, 9 * 60, 17 * 60) for d in range(5)],
                          holidays=holidays)


def test_friday_afternoon_plus_an_hour_is_monday_morning() -> None:
    cal = office()
    due = cal.after_working_time(local(2026, 3, 6, 16, 30), H)
    assert due == local(2026, 3, 9, 9, 30)
    assert cal.working_time(local(2026, 3, 6, 16, 30), due) == H


def test_outside_hours_counts_nothing_and_starts_at_opening() -> None:
    cal = office()
    assert cal.working_time(local(2026, 3, 7, 8), local(2026, 3, 8, 22)) == timedelta(0)
    assert cal.after_working_time(local(2026, 3, 7, 12), M) == local(2026, 3, 9, 9, 1)
    assert cal.after_working_time(local(2026, 3, 9, 6), timedelta(0)) == local(2026, 3, 9, 6)
    assert not cal.is_working(local(2026, 3, 9, 17))
    assert cal.is_working(local(2026, 3, 9, 9))


def test_a_target_reached_at_closing_time_is_due_at_closing_time() -> None:
    assert office().after_working_time(local(2026, 3, 9, 9), 8 * H) == local(2026, 3, 9, 17)


def test_the_spring_dst_week_in_amsterdam() -> None:
    # Clocks go 02:00 -> 03:00 on Sunday 29 March 2026; the week keeps 5 x 8 hours, and
    # 9:00 on Monday is 07:00 UTC where the Friday before it was 08:00 UTC.
    cal = office()
    assert cal.working_time(local(2026, 3, 27, 17), local(2026, 3, 30, 9, 30)) == 30 * M
    assert cal.after_working_time(local(2026, 3, 27, 16, 30), H) == datetime(
        2026, 3, 30, 7, 30, tzinfo=UTC)
    week = cal.working_time(local(2026, 3, 23), local(2026, 3, 30))
    assert week == 40 * H


def test_the_autumn_dst_week_in_amsterdam() -> None:
    # Clocks go 03:00 -> 02:00 on Sunday 25 October 2026.
    cal = office()
    assert cal.after_working_time(local(2026, 10, 23, 16, 30), H) == datetime(
        2026, 10, 26, 8, 30, tzinfo=UTC)
    assert cal.working_time(local(2026, 10, 19), local(2026, 10, 26)) == 40 * H


def test_round_the_clock_on_a_dst_sunday_counts_the_real_hours() -> None:
    cal = clean_calendar(zone="Europe/Amsterdam", hours=[WorkingHours(6, 0, 24 * 60)])
    assert cal.working_time(local(2026, 3, 29), local(2026, 3, 30)) == 23 * H
    assert cal.working_time(local(2026, 10, 25), local(2026, 10, 26)) == 25 * H


def test_hours_the_clock_skips_count_nothing_and_nothing_counts_twice() -> None:
    # 01:00-02:30 and 03:00-04:00 on the spring Sunday: 02:00-03:00 does not exist.
    cal = clean_calendar(zone="Europe/Amsterdam", hours=[
        WorkingHours(6, 60, 150), WorkingHours(6, 180, 240)])
    total = cal.working_time(local(2026, 3, 28), local(2026, 3, 30))
    assert total == 2 * H  # 01:00-02:00 CET, then 03:00-04:00 CEST


def test_a_holiday_is_skipped() -> None:
    cal = office(holidays=(date(2026, 4, 6),))  # Easter Monday
    assert cal.after_working_time(local(2026, 4, 3, 16, 30), H) == local(2026, 4, 7, 9, 30)
    assert cal.working_time(local(2026, 4, 6), local(2026, 4, 7)) == timedelta(0)


def test_split_shifts_and_the_end_of_the_day() -> None:
    cal = clean_calendar(zone="UTC", hours=[
        WorkingHours(0, 8 * 60, 12 * 60), WorkingHours(0, 13 * 60, 24 * 60)])
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    assert cal.working_time(monday, monday + timedelta(days=1)) == 15 * H
    assert cal.after_working_time(monday + 11 * H, 2 * H) == monday + 14 * H
    assert cal.after_working_time(monday + 23 * H, 2 * H) == monday + timedelta(days=7, hours=9)


def test_other_zones_count_in_their_own_wall_clock() -> None:
    cal = office(zone="America/New_York")
    ny = ZoneInfo("America/New_York")
    assert cal.after_working_time(local(2026, 3, 6, 16, 30, zone=ny), H) == local(
        2026, 3, 9, 9, 30, zone=ny)


@pytest.mark.parametrize(("zone", "hours", "holidays", "field"), [
    ("Mars/Olympus", [WorkingHours(0, 540, 1020)], [], "zone"),
    ("../../etc/passwd", [WorkingHours(0, 540, 1020)], [], "zone"),
    ("", [WorkingHours(0, 540, 1020)], [], "zone"),
    ("UTC", [], [], "hours"),
    ("UTC", [WorkingHours(0, 540, 1020), WorkingHours(0, 960, 1080)], [], "hours"),
    ("UTC", [WorkingHours(0, 600, 540)], [], "hours"),
    ("UTC", [WorkingHours(0, 600, 600)], [], "hours"),
    ("UTC", [WorkingHours(7, 540, 1020)], [], "hours"),
    ("UTC", [WorkingHours(0, 540, 1441)], [], "hours"),
    ("UTC", [WorkingHours(0, 540, 599)], [], "hours"),
    ("UTC", [WorkingHours(0, 540 + i, 541 + i) for i in range(0, 18, 2)]
     + [WorkingHours(1, 0, 600)], [], "hours"),
    ("UTC", [WorkingHours(0, 540, 1020)], [date(1999, 12, 31)], "holidays"),
    ("UTC", [WorkingHours(0, 540, 1020)],
     [date(2030, 1, 1) + timedelta(days=i) for i in range(MAX_HOLIDAYS + 1)], "holidays"),
])
def test_a_bad_calendar_is_refused_with_its_field(
    zone: str, hours: list[WorkingHours], holidays: list[date], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_calendar(zone=zone, hours=hours, holidays=holidays)
    assert refused.value.field == field


def test_touching_stretches_are_fine_and_holidays_are_sorted_once() -> None:
    cal = clean_calendar(zone="UTC", hours=[WorkingHours(0, 720, 1020), WorkingHours(0, 540, 720)],
                         holidays=[date(2026, 5, 1), date(2026, 1, 1), date(2026, 5, 1)])
    assert [h.start for h in cal.hours] == [540, 720]
    assert cal.holidays == (date(2026, 1, 1), date(2026, 5, 1))


@pytest.mark.parametrize(("text", "minutes"), [("00:00", 0), ("09:30", 570), ("24:00", 1440)])
def test_clock_times(text: str, minutes: int) -> None:
    assert parse_clock("start", text) == minutes
    assert format_clock(minutes) == text


@pytest.mark.parametrize("text", ["9:30", "24:01", "25:00", "12:60", "noon", "", "09:30 "])
def test_bad_clock_times(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_clock("start", text)


# -- properties ---------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(UTC))
amounts = st.integers(min_value=0, max_value=60 * 24 * 5).map(lambda m: timedelta(minutes=m))


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    hours = []
    for day in draw(st.sets(st.integers(0, 6), min_size=1)):
        cuts = sorted(draw(st.sets(st.integers(0, 1440), min_size=2, max_size=6)))
        hours += [WorkingHours(day, a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    assume(sum(h.minutes for h in hours) >= MIN_WEEKLY_MINUTES)
    holidays = draw(st.lists(st.dates(date(2025, 1, 1), date(2027, 12, 31)), max_size=30))
    return clean_calendar(zone=draw(st.sampled_from(ZONES)), hours=hours, holidays=holidays)


@settings(max_examples=60, deadline=None)
@given(calendars(), moments, amounts)
def test_adding_working_time_then_measuring_it_gives_it_back(
    cal: BusinessCalendar, start: datetime, amount: timedelta
) -> None:
    due = cal.after_working_time(start, amount)
    assert due >= start
    assert cal.working_time(start, due) == amount


@settings(max_examples=60, deadline=None)
@given(calendars(), moments, amounts, amounts)
def test_more_working_time_is_never_due_earlier(
    cal: BusinessCalendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    low, high = sorted((a, b))
    assert cal.after_working_time(start, low) <= cal.after_working_time(start, high)


@settings(max_examples=60, deadline=None)
@given(calendars(), moments, moments, moments)
def test_working_time_adds_up_over_a_split_and_never_exceeds_wall_time(
    cal: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    first, middle, last = sorted((a, b, c))
    whole = cal.working_time(first, last)
    assert whole == cal.working_time(first, middle) + cal.working_time(middle, last)
    assert timedelta(0) <= whole <= last - first


@given(moments, st.integers(1, 600))
def test_the_default_calendar_is_weekdays_nine_to_five_utc(start: datetime, minutes: int) -> None:
    due = DEFAULT_CALENDAR.after_working_time(start, timedelta(minutes=minutes))
    assert due.weekday() < 5
    assert 9 * 60 <= due.hour * 60 + due.minute <= 17 * 60
