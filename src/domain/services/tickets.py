"""Tickets: filing, reading, listing, changing, and the history of changes."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Final

from ..errors import Forbidden, InvalidInput, NotFound
from ..events import EventKind, NewEvent
from ..identity import Caller, CallerIdentity, UserStatus
from ..listing import Cursor, Page, TicketOrder, TicketQuery, page_size, search_terms
from ..policy import customer_may_set_status, ensure_can_see, require_bound
from ..ports import Clock, EventPublisher, Repositories, Storage
from ..tickets import (
    Priority,
    Ticket,
    TicketChange,
    TicketStatus,
    clean_body,
    clean_subject,
    clean_tags,
    describe,
    ensure_move,
)
from ._publishing import write_and_publish
from ._snapshots import ticket_event


class Keep(Enum):
    """Marks a field an update leaves as it is (``None`` means "clear it")."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


class TicketDesk:
    """Use cases on tickets."""

    def __init__(self, storage: Storage, clock: Clock, publisher: EventPublisher) -> None:
        self._storage = storage
        self._clock = clock
        self._publisher = publisher

    async def create(self, caller: Caller, *, subject: str, body: str = "",
                     priority: Priority = Priority.NORMAL, tags: Sequence[str] = (),
                     requester_id: int | None = None) -> Ticket:
        """File a ticket. Staff may file on behalf of a customer with ``requester_id``."""
        who = require_bound(caller)
        clean_s = clean_subject(subject)
        clean_b = clean_body(body)
        clean_t = clean_tags(list(tags))
        if requester_id is not None and requester_id != who.user_id and not who.role.is_staff:
            raise Forbidden("customers file tickets for themselves only")
        now = self._clock.now()

        def add(repos: Repositories) -> tuple[Ticket, list[NewEvent]]:
            requester = who.user_id if requester_id is None else requester_id
            user = repos.users.get(requester)
            if user is None or user.status is UserStatus.DISABLED:
                raise InvalidInput("requester_id", f"user {requester} cannot file tickets")
            ticket = Ticket(
                id=repos.tickets.next_id(), subject=clean_s, body=clean_b,
                status=TicketStatus.NEW, priority=priority, tags=clean_t,
                requester_id=requester, assignee_id=None, created_at=now, updated_at=now,
            )
            repos.tickets.add(ticket)
            repos.tickets.add_change(TicketChange(
                ticket_id=ticket.id, actor_id=who.user_id, at=now, field="created",
                old=None, new=ticket.status.value,
            ))
            event = ticket_event(EventKind.TICKET_CREATED, ticket)
            return ticket, [event]

        return await write_and_publish(self._storage, self._publisher, add)

    async def get(self, caller: Caller, ticket_id: int) -> Ticket:
        """One ticket the caller may see."""
        who = require_bound(caller)

        def look(repos: Repositories) -> Ticket:
            return ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id,
                                  repos.project.settings())

        return await self._storage.read(look)

    async def list_tickets(self, caller: Caller, *, statuses: Sequence[TicketStatus] = (),
                   priorities: Sequence[Priority] = (), assignee_id: int | None = None,
                   unassigned: bool = False, requester_id: int | None = None,
                   tag: str | None = None, text: str = "", order: TicketOrder | None = None,
                   cursor: str | None = None, limit: int | None = None) -> Page[Ticket]:
        """A page of tickets the caller may see; pass ``next_cursor`` for the next page."""
        who = require_bound(caller)
        terms = search_terms(text)
        chosen = order or (TicketOrder.NEWEST if terms else TicketOrder.UPDATED)
        if chosen is TicketOrder.RELEVANCE and not terms:
            raise InvalidInput("order", "relevance needs a search text")
        if assignee_id is not None and unassigned:
            raise InvalidInput("unassigned", "cannot be combined with an assignee")
        after = Cursor.decode(cursor) if cursor else None
        if after is not None and chosen is TicketOrder.RELEVANCE:
            raise InvalidInput("cursor", "ranked results come in one page")
        size = page_size(limit)
        clean_tag = clean_tags([tag])[0] if tag else None

        def run(repos: Repositories) -> Page[Ticket]:
            settings = repos.project.settings()
            scope = requester_id
            if not who.role.is_staff and not settings.customers_see_all_tickets:
                if requester_id not in (None, who.user_id):
                    return Page(items=(), next_cursor=None)
                scope = who.user_id
            query = TicketQuery(
                statuses=frozenset(statuses), priorities=frozenset(priorities),
                requester_id=scope, assignee_id=assignee_id, unassigned=unassigned,
                tag=clean_tag, terms=terms, include_internal=who.role.is_staff,
                order=chosen, after=after, limit=size,
            )
            return repos.tickets.query(query)

        return await self._storage.read(run)

    async def update(self, caller: Caller, ticket_id: int, *,
                     status: TicketStatus | Keep = KEEP, priority: Priority | Keep = KEEP,
                     assignee_id: int | Keep | None = KEEP,
                     tags: Sequence[str] | Keep = KEEP, subject: str | Keep = KEEP) -> Ticket:
        """Change a ticket; every changed field is written to its history."""
        who = require_bound(caller)
        clean_s = subject if isinstance(subject, Keep) else clean_subject(subject)
        clean_t = tags if isinstance(tags, Keep) else clean_tags(list(tags))
        now = self._clock.now()

        def change(repos: Repositories) -> tuple[Ticket, list[NewEvent]]:
            ticket = ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id,
                                    repos.project.settings())
            wanted: dict[str, object] = {}
            if not isinstance(status, Keep) and status is not ticket.status:
                ensure_move(ticket.status, status)
                wanted["status"] = status
            if not isinstance(priority, Keep) and priority is not ticket.priority:
                wanted["priority"] = priority
            if not isinstance(assignee_id, Keep) and assignee_id != ticket.assignee_id:
                wanted["assignee_id"] = assignee_id
            if not isinstance(clean_t, Keep) and clean_t != ticket.tags:
                wanted["tags"] = clean_t
            if not isinstance(clean_s, Keep) and clean_s != ticket.subject:
                wanted["subject"] = clean_s
            if not wanted:
                return ticket, []
            _ensure_may_change(who, ticket, wanted)
            # Only after the role check: the refusal names the user, which a customer
            # must not learn by probing ids.
            if "assignee_id" in wanted and isinstance(assignee_id, int):
                _ensure_assignable(repos, assignee_id)
            updated = ticket.changed(now, **wanted)
            repos.tickets.update(updated)
            for field, new in wanted.items():
                repos.tickets.add_change(TicketChange(
                    ticket_id=ticket.id, actor_id=who.user_id, at=now, field=field,
                    old=describe(getattr(ticket, field)), new=describe(new),
                ))
            return updated, [ticket_event(EventKind.TICKET_UPDATED, updated, sorted(wanted))]

        return await write_and_publish(self._storage, self._publisher, change)

    async def history(self, caller: Caller, ticket_id: int) -> list[TicketChange]:
        """Every change of a ticket, oldest first."""
        who = require_bound(caller)

        def look(repos: Repositories) -> list[TicketChange]:
            ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id,
                           repos.project.settings())
            return repos.tickets.history(ticket_id)

        return await self._storage.read(look)


def _ensure_may_change(who: CallerIdentity, ticket: Ticket, wanted: dict[str, object]) -> None:
    if who.role.is_staff:
        return
    if set(wanted) != {"status"}:
        raise Forbidden("customers may only close or reopen their tickets")
    target = wanted["status"]
    assert isinstance(target, TicketStatus)  # noqa: S101 - set just above
    if not customer_may_set_status(ticket, target, who):
        raise Forbidden("customers may only close or reopen their tickets")


def _ensure_assignable(repos: Repositories, user_id: int) -> None:
    user = repos.users.get(user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    if not user.role.is_staff or user.status is UserStatus.DISABLED:
        raise InvalidInput("assignee_id", f"{user.display_name} is not an active agent")
