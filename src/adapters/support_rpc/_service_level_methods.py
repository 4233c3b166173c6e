"""Service levels: sla.settings, sla.set_calendar, sla.set_policy, ticket.service_level
(issue 15)."""

from __future__ import annotations

from datetime import date

from ...domain.business_calendar import (
    WEEKDAYS,
    BusinessCalendar,
    WorkingHours,
    format_clock,
    parse_clock,
)
from ...domain.errors import InvalidInput
from ...domain.service_levels import ServiceLevelPolicy, Target
from ...domain.services import TicketServiceLevel
from ..jsonrpc import DEVICE_NOT_BOUND, FORBIDDEN, NOT_FOUND, RATE_LIMITED, MethodRegistry
from . import wire
from . import wire_service_levels as sl
from .context import RequestContext
from .services import ServerServices

STAFF = (DEVICE_NOT_BOUND, FORBIDDEN)


def parse_dates(raw: list[str]) -> list[date]:
    """ISO dates (the pattern is checked by the schema; 2026-02-30 is checked here)."""
    try:
        return [date.fromisoformat(day) for day in raw]
    except ValueError as exc:
        raise InvalidInput("holidays", f"{exc}") from None


def calendar_view(calendar: BusinessCalendar, *, is_default: bool) -> sl.CalendarView:
    """The wire form of a calendar."""
    return sl.CalendarView(
        zone=calendar.zone, holidays=list(calendar.holidays), is_default=is_default,
        hours=[sl.WorkingHoursView(day=sl.Weekday(WEEKDAYS[h.weekday]),
                                   start=format_clock(h.start), end=format_clock(h.end))
               for h in calendar.hours])


def policy_view(policy: ServiceLevelPolicy) -> sl.PolicyView:
    """The wire form of a policy."""
    return sl.PolicyView(priority=policy.priority, targets=[
        sl.TargetView(kind=t.kind, minutes=t.minutes, business=t.business)
        for t in policy.targets])


def ticket_service_level_view(found: TicketServiceLevel) -> sl.TicketServiceLevelView:
    """The wire form of a ticket's service level."""
    return sl.TicketServiceLevelView(
        ticket_id=found.ticket.id, priority=found.ticket.priority,
        has_policy=found.policy is not None, next_due_at=found.state.next_due_at,
        breached=found.state.breached, turns=[sl.TurnView(
            kind=t.kind, target_minutes=t.target.minutes, business=t.target.business,
            started_at=t.started_at, ended_at=t.ended_at, due_at=t.due_at,
            elapsed_seconds=int(t.elapsed.total_seconds()),
            left_seconds=int(t.left.total_seconds()), outcome=t.outcome)
            for t in found.state.turns])


def register(reg: MethodRegistry[RequestContext], s: ServerServices) -> None:
    """Add the service-level methods to ``reg``."""

    @reg.method("sla.settings", params=None, result=sl.ServiceLevelSettingsView,
                tags=["service levels"], errors=STAFF,
                summary="The business calendar and each priority's targets (staff)")
    async def settings(ctx: RequestContext, _p: None) -> sl.ServiceLevelSettingsView:
        found = await s.service_levels.settings(ctx.caller)
        return sl.ServiceLevelSettingsView(
            calendar=calendar_view(found.calendar, is_default=found.is_default),
            policies=[policy_view(p) for p in found.policies])

    @reg.method("sla.set_calendar", params=sl.CalendarParams, result=sl.CalendarView,
                tags=["service levels", "writes"], errors=[*STAFF, RATE_LIMITED],
                summary="Replace the business calendar: time zone, weekly hours, holidays "
                "(admins)",
                description="Business-time targets count only these hours, in this zone's "
                "wall-clock time; every ticket's due times follow the new calendar.")
    async def set_calendar(ctx: RequestContext, p: sl.CalendarParams) -> sl.CalendarView:
        hours = [WorkingHours(WEEKDAYS.index(h.day.value), parse_clock("hours", h.start),
                              parse_clock("hours", h.end)) for h in p.hours]
        calendar = await s.service_levels.set_calendar(ctx.caller, zone=p.zone, hours=hours,
                                                       holidays=parse_dates(p.holidays))
        return calendar_view(calendar, is_default=False)

    @reg.method("sla.set_policy", params=sl.PolicyParams, result=sl.PolicyView | None,
                tags=["service levels", "writes"], errors=[*STAFF, RATE_LIMITED],
                summary="Set the targets of one priority (admins); none: no promise",
                description="First response, next response (after each customer message) "
                "and resolution, each in business or wall-clock minutes (1 to 90 days). "
                "Answers null when the list was empty and the priority's policy is gone.")
    async def set_policy(ctx: RequestContext, p: sl.PolicyParams) -> sl.PolicyView | None:
        policy = await s.service_levels.set_policy(
            ctx.caller, p.priority,
            [Target(t.kind, t.minutes, t.business) for t in p.targets])
        return None if policy is None else policy_view(policy)

    @reg.method("ticket.service_level", params=wire.TicketRef,
                result=sl.TicketServiceLevelView, tags=["tickets", "service levels"],
                errors=[DEVICE_NOT_BOUND, NOT_FOUND],
                summary="Where a ticket's service-level promises stand now",
                description="Computed from the ticket's own history: the clock pauses "
                "while pending, stops while resolved or closed, resumes on reopen.")
    async def ticket_service_level(ctx: RequestContext, p: wire.TicketRef
                                   ) -> sl.TicketServiceLevelView:
        return ticket_service_level_view(
            await s.service_levels.for_ticket(ctx.caller, p.ticket_id))
