"""The business calendar: when a support team works, and time counted in those hours.

A calendar is a time zone (IANA, through :mod:`zoneinfo`), weekly working hours in that
zone's wall-clock time and holidays (local dates off). Its two operations are the ones
service levels need: how much working time lies between two instants, and the instant
a given amount of working time after another.

Working hours are wall-clock times of a local day, so a 9-17 day is 8 hours on the
Sundays the clocks change too; hours the clocks skip do not exist and count nothing,
hours they repeat count once (the first time), so time never runs twice.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .errors import InvalidInput

MINUTES_PER_DAY = 24 * 60
MAX_HOLIDAYS = 1000
MIN_WEEKLY_MINUTES = 60  # less is no service: a 90-day target would take decades
MAX_HOURS_PER_WEEKDAY = 8  # intervals per weekday (a split shift needs two)
FIRST_HOLIDAY = date(2000, 1, 1)
LAST_HOLIDAY = date(2199, 12, 31)
# A walk through the calendar gives up after this many days (a calendar is checked to
# have working hours every week, and holidays are capped, so this only guards a bug).
_MAX_WALK_DAYS = 200 * 366
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True, order=True)
class WorkingHours:
    """One stretch of work on a weekday: ``start``..``end`` minutes after local midnight
    (``end`` may be 1440, midnight at the end of the day)."""

    weekday: int  # 0 = Monday, as date.weekday()
    start: int
    end: int

    @property
    def minutes(self) -> int:
        """How long the stretch lasts on a day without a clock change."""
        return self.end - self.start


@dataclass(frozen=True, kw_only=True)  # no slots: the zone and weekdays are cached
class BusinessCalendar:
    """Working hours in a time zone, with holidays. Build it with :func:`clean_calendar`."""

    zone: str
    hours: tuple[WorkingHours, ...]  # sorted, not overlapping, at least one
    holidays: tuple[date, ...] = ()  # sorted, distinct

    @cached_property
    def _tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @cached_property
    def _by_weekday(self) -> tuple[tuple[WorkingHours, ...], ...]:
        return tuple(tuple(h for h in self.hours if h.weekday == day) for day in range(7))

    @cached_property
    def _days_off(self) -> frozenset[date]:
        return frozenset(self.holidays)

    def local_date(self, moment: datetime) -> date:
        """The calendar's date at ``moment``."""
        return moment.astimezone(self._tz).date()

    def _instant(self, day: date, minute: int) -> datetime:
        if minute >= MINUTES_PER_DAY:
            day, minute = day + timedelta(days=1), minute - MINUTES_PER_DAY
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self._tz)
        return local.astimezone(UTC)

    def segments(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working stretches as UTC instants, in order and disjoint, from the local day of
        ``start`` on (the first may begin before ``start``)."""
        day = self.local_date(start)
        floor = datetime.min.replace(tzinfo=UTC)
        for _ in range(_MAX_WALK_DAYS):
            if day not in self._days_off:
                for stretch in self._by_weekday[day.weekday()]:
                    # In a skipped hour a wall-clock time maps before the skip; keep the
                    # stretches in order so no instant is counted twice.
                    begin = max(self._instant(day, stretch.start), floor)
                    end = self._instant(day, stretch.end)
                    if end > begin:
                        floor = end
                        yield begin, end
            day += timedelta(days=1)
        raise RuntimeError("the calendar has no working hours within 200 years")

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """The working time between two instants (zero if ``end`` is not after ``start``)."""
        total = timedelta(0)
        if end <= start:
            return total
        for begin, finish in self.segments(start):
            if begin >= end:
                break
            overlap = min(finish, end) - max(begin, start)
            if overlap > timedelta(0):
                total += overlap
        return total

    def after_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant when ``amount`` of working time has passed since ``start``.

        Zero working time is ``start`` itself; otherwise the answer lies inside working
        hours (a target reached exactly at closing time is due at closing time).
        """
        if amount <= timedelta(0):
            return start
        left = amount
        for begin, finish in self.segments(start):
            if finish <= start:
                continue
            opens = max(begin, start)
            if finish - opens >= left:
                return opens + left
            left -= finish - opens
        raise AssertionError("unreachable: segments() ends by raising")  # pragma: no cover

    def is_working(self, moment: datetime) -> bool:
        """Whether ``moment`` lies within working hours."""
        for begin, finish in self.segments(moment):
            if begin > moment:
                return False
            if moment < finish:
                return True
        return False  # pragma: no cover - segments() ends by raising


DEFAULT_CALENDAR = BusinessCalendar(
    zone="UTC", hours=tuple(WorkingHours(day, 9 * 60, 17 * 60) for day in range(5)))
"""Until an admin sets one: Monday to Friday, 9 to 17, UTC, no holidays."""


def parse_clock(field: str, raw: str) -> int:
    """``"HH:MM"`` (``"24:00"`` is the end of the day) as minutes after midnight."""
    found = _CLOCK.match(raw)
    if found is None:
        raise InvalidInput(field, f"{raw!r} is not a time of day as HH:MM")
    minutes = int(found.group(1)) * 60 + int(found.group(2))
    if minutes > MINUTES_PER_DAY:
        raise InvalidInput(field, f"{raw!r} is after the end of the day (24:00)")
    return minutes


def format_clock(minutes: int) -> str:
    """Minutes after midnight as ``"HH:MM"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clean_zone(raw: str) -> str:
    """An IANA time zone name the system knows (``Europe/Amsterdam``, ``UTC``)."""
    name = raw.strip()
    # Only names from the zone database: ZoneInfo would also read other files by path.
    if name not in _known_zones():
        raise InvalidInput("zone", f"{raw!r} is not an IANA time zone (e.g. Europe/Amsterdam)")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed zones load
        raise InvalidInput("zone", f"{raw!r} cannot be loaded") from exc
    return name


_ZONES: frozenset[str] | None = None


def _known_zones() -> frozenset[str]:
    global _ZONES  # noqa: PLW0603 - read once, the zone database does not change under us
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def clean_hours(raw: Iterable[WorkingHours]) -> tuple[WorkingHours, ...]:
    """Working hours sorted; refuses empty weeks, empty or overlapping stretches."""
    hours = sorted(raw)
    if not hours:
        raise InvalidInput("hours", "a calendar needs working hours on at least one day")
    for h in hours:
        if not 0 <= h.weekday < len(WEEKDAYS):
            raise InvalidInput("hours", f"weekday {h.weekday} is not 0 (Monday) to 6 (Sunday)")
        if not 0 <= h.start < h.end <= MINUTES_PER_DAY:
            raise InvalidInput("hours", f"{WEEKDAYS[h.weekday]} {format_clock(h.start)}-"
                               f"{format_clock(h.end)} must start before it ends, within the day")
    for before, after in itertools.pairwise(hours):
        if before.weekday == after.weekday and after.start < before.end:
            raise InvalidInput("hours", f"{WEEKDAYS[before.weekday]} "
                               f"{format_clock(before.start)}-{format_clock(before.end)} "
                               f"overlaps {format_clock(after.start)}-{format_clock(after.end)}")
    if sum(h.minutes for h in hours) < MIN_WEEKLY_MINUTES:
        raise InvalidInput("hours", f"a week needs at least {MIN_WEEKLY_MINUTES} minutes of "
                           "working hours")
    for day in range(7):
        if sum(1 for h in hours if h.weekday == day) > MAX_HOURS_PER_WEEKDAY:
            raise InvalidInput("hours", f"at most {MAX_HOURS_PER_WEEKDAY} stretches on "
                               f"{WEEKDAYS[day]}")
    return tuple(hours)


def clean_holidays(raw: Iterable[date]) -> tuple[date, ...]:
    """Distinct holidays, sorted, at most ``MAX_HOLIDAYS``, within 2000-2199."""
    days = sorted(set(raw))
    if len(days) > MAX_HOLIDAYS:
        raise InvalidInput("holidays", f"at most {MAX_HOLIDAYS} holidays")
    for day in days:
        if not FIRST_HOLIDAY <= day <= LAST_HOLIDAY:
            raise InvalidInput("holidays", f"{day.isoformat()} is not between "
                               f"{FIRST_HOLIDAY.isoformat()} and {LAST_HOLIDAY.isoformat()}")
    return tuple(days)


def clean_calendar(*, zone: str, hours: Iterable[WorkingHours],
                   holidays: Iterable[date] = ()) -> BusinessCalendar:
    """A checked calendar; every refusal names the field and what is wrong with it."""
    return BusinessCalendar(zone=clean_zone(zone), hours=clean_hours(hours),
                            holidays=clean_holidays(holidays))
