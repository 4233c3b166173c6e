"""Wire types of service levels (issue 15): the business calendar, each priority's
policy and a ticket's state against it. Same style as :mod:`.wire`: ``Params`` refuse
unknown fields, results are ``View`` s, the OpenRPC document is generated from these."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from msgspec import Meta, field

from ...domain.business_calendar import (
    MAX_HOLIDAYS,
    MAX_HOURS_PER_WEEKDAY,
    WEEKDAYS,
)
from ...domain.service_levels import MAX_TARGET_MINUTES, MIN_TARGET_MINUTES, TargetKind
from ...domain.sla_clock import TurnOutcome
from ...domain.tickets import Priority
from .wire import Params, View

Weekday = StrEnum("Weekday", [(day.upper(), day) for day in WEEKDAYS])  # type: ignore[misc]
ClockTime = Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-4]):[0-5][0-9]$",
                                examples=["09:00", "24:00"],
                                description="a wall-clock time HH:MM (24:00: end of day)")]
Zone = Annotated[str, Meta(min_length=1, max_length=64, examples=["Europe/Amsterdam"],
                           description="an IANA time zone name")]
IsoDate = Annotated[str, Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                              examples=["2026-12-25"], description="a date, YYYY-MM-DD")]
Minutes = Annotated[int, Meta(ge=MIN_TARGET_MINUTES, le=MAX_TARGET_MINUTES,
                              description="minutes of counted time (at most 90 days)")]


class WorkingHoursView(View, frozen=True, kw_only=True):
    """One stretch of working hours on a weekday, in the calendar's time zone."""

    day: Weekday
    start: str
    end: str


class CalendarView(View, frozen=True, kw_only=True):
    """The business calendar; ``is_default`` while no admin has set one."""

    zone: str
    hours: list[WorkingHoursView]
    holidays: list[date]
    is_default: bool


class TargetView(View, frozen=True, kw_only=True):
    """A promise: ``minutes`` of business time (``business``) or wall-clock time."""

    kind: TargetKind
    minutes: int
    business: bool


class PolicyView(View, frozen=True, kw_only=True):
    """The targets of one priority."""

    priority: Priority
    targets: list[TargetView]


class ServiceLevelSettingsView(View, frozen=True, kw_only=True):
    """The calendar in force and every priority's policy (most urgent first)."""

    calendar: CalendarView
    policies: list[PolicyView]


class WorkingHoursParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One stretch of working hours: ``start`` before ``end``, within the day."""

    day: Weekday
    start: ClockTime
    end: ClockTime


class CalendarParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new business calendar (admins): replaces the one in force."""

    zone: Zone
    hours: Annotated[list[WorkingHoursParams], Meta(
        min_length=1, max_length=7 * MAX_HOURS_PER_WEEKDAY,
        description="working hours per weekday; stretches of a day must not overlap")]
    holidays: Annotated[list[IsoDate], Meta(max_length=MAX_HOLIDAYS,
                                         description="local dates off")] = field(
        default_factory=list)


class TargetParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One target of a policy."""

    kind: TargetKind
    minutes: Minutes
    business: bool = True


class PolicyParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The targets of one priority (admins); an empty list removes its policy."""

    priority: Priority
    targets: Annotated[list[TargetParams], Meta(max_length=len(TargetKind),
                                                description="at most one of each kind")]


class TurnView(View, frozen=True, kw_only=True):
    """One promise on a ticket and where it stands; durations in seconds of counted time
    (``left`` negative: overdue by that much)."""

    kind: TargetKind
    target_minutes: int
    business: bool
    started_at: datetime
    ended_at: datetime | None
    due_at: datetime | None
    elapsed_seconds: int
    left_seconds: int
    outcome: TurnOutcome


class TicketServiceLevelView(View, frozen=True, kw_only=True):
    """A ticket's service level: every turn of its priority's targets, oldest first."""

    ticket_id: int
    priority: Priority
    has_policy: bool
    next_due_at: datetime | None
    breached: bool
    turns: list[TurnView]
