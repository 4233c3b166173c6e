"""What staff look up while working: colleagues, customers, a requester's context, tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import InvalidInput
from ..identity import Caller, DeviceBinding, Role, User, UserStatus
from ..listing import TicketQuery
from ..policy import ensure_can_see, require_staff
from ..ports import Clock, Repositories, Storage
from ..presence import PresenceState
from ..tickets import OPEN_STATUSES, Ticket

MAX_SEARCH_RESULTS = 20
MAX_TAG_SUGGESTIONS = 50
CONTEXT_TICKETS = 20
_TAG_PREFIX_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffMember:
    """A colleague as the assignee picker shows them."""

    user: User
    presence: PresenceState  # online if any device is, else away if any is, else offline
    last_seen: datetime | None  # the latest of their devices
    team_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerContext:
    """Beside a ticket, for staff: who asked, their devices, their other tickets."""

    customer: User
    devices: tuple[DeviceBinding, ...]
    tickets: tuple[Ticket, ...]  # their most recently updated tickets, this one included
    open_tickets: int


class StaffDirectory:
    """Staff-only lookups (customers never see other people's details)."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def staff(self, caller: Caller) -> list[StaffMember]:
        """Every agent and admin who is not disabled, with presence and teams, by name."""
        require_staff(caller)
        now = self._clock.now()

        def look(repos: Repositories) -> list[StaffMember]:
            people = [u for role in (Role.AGENT, Role.ADMIN) for u in repos.users.list(role=role)
                      if u.status is not UserStatus.DISABLED]
            teams = repos.teams.all()
            live: dict[int, PresenceState] = {}
            for p in repos.presence.all():
                if p.is_live(now) and live.get(p.user_id) is not PresenceState.ONLINE:
                    live[p.user_id] = p.state
            found = []
            for user in people:
                seen = [d.last_seen for d in repos.devices.for_user(user.id)]
                found.append(StaffMember(
                    user=user, presence=live.get(user.id, PresenceState.OFFLINE),
                    last_seen=max(seen) if seen else None,
                    team_ids=tuple(t.id for t in teams if t.has_member(user.id))))
            return sorted(found, key=lambda m: (m.user.display_name.casefold(), m.user.id))

        return await self._storage.read(look)

    async def find_customers(self, caller: Caller, text: str, *,
                             limit: int = MAX_SEARCH_RESULTS) -> list[User]:
        """Customers whose name or email contains ``text`` (filing on someone's behalf)."""
        require_staff(caller)
        wanted = " ".join(text.split())
        if not wanted:
            raise InvalidInput("query", "type part of a name or an email address")
        if not 1 <= limit <= MAX_SEARCH_RESULTS:
            raise InvalidInput("limit", f"must be between 1 and {MAX_SEARCH_RESULTS}")
        return await self._storage.read(
            lambda r: r.users.search(wanted, role=Role.CUSTOMER, limit=limit))

    async def customer_context(self, caller: Caller, ticket_id: int) -> CustomerContext:
        """The requester of a ticket: name, email, devices, recent tickets."""
        who = require_staff(caller)

        def look(repos: Repositories) -> CustomerContext:
            ticket = ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id,
                                    repos.project.settings())
            customer = repos.users.get(ticket.requester_id)
            if customer is None:  # pragma: no cover - a ticket's requester always exists
                raise InvalidInput("ticket_id", "the ticket's requester is gone")
            mine = TicketQuery(requester_id=customer.id, include_internal=True,
                               limit=CONTEXT_TICKETS)
            return CustomerContext(
                customer=customer, devices=tuple(repos.devices.for_user(customer.id)),
                tickets=repos.tickets.query(mine).items,
                open_tickets=repos.tickets.count(
                    TicketQuery(requester_id=customer.id, statuses=OPEN_STATUSES),
                    cap=10_000))

        return await self._storage.read(look)

    async def suggest_tags(self, caller: Caller, prefix: str = "", *,
                           limit: int = 10) -> list[tuple[str, int]]:
        """The project's tags starting with ``prefix``, most used first, with counts."""
        require_staff(caller)
        if not 1 <= limit <= MAX_TAG_SUGGESTIONS:
            raise InvalidInput("limit", f"must be between 1 and {MAX_TAG_SUGGESTIONS}")
        wanted = prefix.strip().lower()
        if any(ch not in _TAG_PREFIX_CHARS for ch in wanted):
            return []  # no tag can start like that
        return await self._storage.read(lambda r: r.tickets.tags(wanted, limit=limit))
