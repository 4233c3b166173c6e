"""Service levels: admins set the business calendar and each priority's policy; anyone
who may see a ticket sees where its promises stand.

A ticket's state is computed by :func:`~hero_assistance.domain.sla_clock.service_level`
from the ticket's own history (its status changes and public messages), the policy of
its priority and the calendar, at the Clock port's now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..business_calendar import DEFAULT_CALENDAR, BusinessCalendar, WorkingHours, clean_calendar
from ..identity import Caller
from ..messages import Message
from ..policy import ensure_can_see, require_admin, require_bound, require_staff
from ..ports import Clock, Repositories, Storage
from ..service_levels import ServiceLevelPolicy, Target, clean_policy
from ..sla_clock import (
    MomentKind,
    ServiceLevelState,
    TicketMoment,
    TicketTimeline,
    service_level,
)
from ..tickets import Priority, Ticket, TicketStatus

_PAGE = 500  # messages read per step while building a timeline


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceLevelSettings:
    """The calendar in force (``is_default``: none was set) and every policy."""

    calendar: BusinessCalendar
    is_default: bool
    policies: tuple[ServiceLevelPolicy, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketServiceLevel:
    """A ticket, the policy of its priority (if any) and its state now."""

    ticket: Ticket
    policy: ServiceLevelPolicy | None
    state: ServiceLevelState


class ServiceLevelDesk:
    """Use cases on service levels."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def settings(self, caller: Caller) -> ServiceLevelSettings:
        """The calendar and policies (staff: customers see only their tickets' state)."""
        require_staff(caller)
        return await self._storage.read(_settings)

    async def set_calendar(self, caller: Caller, *, zone: str, hours: Iterable[WorkingHours],
                           holidays: Iterable[date] = ()) -> BusinessCalendar:
        """Replace the business calendar (admins); every ticket's state follows it."""
        require_admin(caller)
        calendar = clean_calendar(zone=zone, hours=hours, holidays=holidays)

        def save(repos: Repositories) -> BusinessCalendar:
            repos.service_levels.save_calendar(calendar)
            return calendar

        return await self._storage.write(save)

    async def set_policy(self, caller: Caller, priority: Priority,
                         targets: Iterable[Target]) -> ServiceLevelPolicy | None:
        """Replace the targets of ``priority`` (admins); no targets: no promise for it."""
        require_admin(caller)
        chosen = list(targets)
        policy = clean_policy(priority, chosen) if chosen else None

        def save(repos: Repositories) -> ServiceLevelPolicy | None:
            if policy is None:
                repos.service_levels.remove_policy(priority)
            else:
                repos.service_levels.save_policy(policy)
            return policy

        return await self._storage.write(save)

    async def for_ticket(self, caller: Caller, ticket_id: int) -> TicketServiceLevel:
        """Where a ticket's promises stand now (anyone who may see the ticket)."""
        who = require_bound(caller)
        now = self._clock.now()

        def look(repos: Repositories) -> TicketServiceLevel:
            ticket = ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id,
                                    repos.project.settings())
            settings = _settings(repos)
            policy = next((p for p in settings.policies if p.priority is ticket.priority), None)
            state = service_level(timeline(repos, ticket), policy, settings.calendar, now)
            return TicketServiceLevel(ticket=ticket, policy=policy, state=state)

        return await self._storage.read(look)


def _settings(repos: Repositories) -> ServiceLevelSettings:
    stored = repos.service_levels.calendar()
    return ServiceLevelSettings(calendar=stored or DEFAULT_CALENDAR, is_default=stored is None,
                                policies=tuple(repos.service_levels.policies()))


def timeline(repos: Repositories, ticket: Ticket) -> TicketTimeline:
    """What of ``ticket``'s history counts for service levels: its status changes, its
    customers' public messages and staff's public replies (internal notes do not count)."""
    statuses = {s.value: s for s in TicketStatus}
    moments = [
        TicketMoment(change.at, MomentKind.STATUS, statuses[change.new])
        for change in repos.tickets.history(ticket.id)
        if change.field == "status" and change.new in statuses
    ]
    staff: dict[int, bool] = {}
    for message in _public_messages(repos, ticket.id):
        if message.author_id not in staff:
            author = repos.users.get(message.author_id)
            staff[message.author_id] = author is not None and author.role.is_staff
        kind = MomentKind.AGENT_REPLY if staff[message.author_id] else MomentKind.CUSTOMER_MESSAGE
        moments.append(TicketMoment(message.created_at, kind))
    return TicketTimeline(created_at=ticket.created_at, moments=tuple(moments))


def _public_messages(repos: Repositories, ticket_id: int) -> list[Message]:
    found: list[Message] = []
    after = 0
    while True:
        page = repos.messages.for_ticket(ticket_id, include_internal=False, after_id=after,
                                         limit=_PAGE)
        found += page
        if len(page) < _PAGE:
            return found
        after = page[-1].id
