"""Tickets: filing, reading, listing, changing, and the history of changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Final

from ..errors import DomainError, Forbidden, InvalidInput, NotFound
from ..events import EventKind, NewEvent
from ..identity import Caller, CallerIdentity, UserStatus
from ..listing import Cursor, Page, TicketOrder, TicketQuery, page_size, search_terms
from ..policy import customer_may_set_status, ensure_can_see, require_bound
from ..ports import Clock, EventPublisher, Repositories, Storage
from ..queues import QueueView, ViewFilter, view_filter
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
from ._reads import keep_read, unread_of
from ._snapshots import staff_ticket_event, ticket_event


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
            # Who filed it has seen it (a customer filed for by staff has not).
            repos.reads.put(who.user_id, ticket.id, ticket.last_activity)
            event = ticket_event(EventKind.TICKET_CREATED, ticket, actor_id=who.user_id)
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
                   cursor: str | None = None, limit: int | None = None,
                   view: QueueView | None = None, team_id: int | None = None) -> Page[Ticket]:
        """A page of tickets the caller may see; pass ``next_cursor`` for the next page.

        ``view`` (staff) starts from a built-in queue; the other filters narrow it.
        ``team_id`` (staff) keeps one team's tickets.
        """
        who = require_bound(caller)
        terms = search_terms(text)
        chosen = order or (TicketOrder.NEWEST if terms else TicketOrder.UPDATED)
        if chosen is TicketOrder.RELEVANCE and not terms:
            raise InvalidInput("order", "relevance needs a search text")
        if assignee_id is not None and unassigned:
            raise InvalidInput("unassigned", "cannot be combined with an assignee")
        if (view is not None or team_id is not None) and not who.role.is_staff:
            raise Forbidden("queues and teams are for support staff")
        narrowed = _narrow_by_view(view, who.user_id, statuses=frozenset(statuses),
                                   assignee_id=assignee_id, unassigned=unassigned,
                                   team_id=team_id)
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
                statuses=narrowed.statuses, priorities=frozenset(priorities),
                requester_id=scope, assignee_id=narrowed.assignee_id,
                unassigned=narrowed.unassigned, team_id=narrowed.team_id,
                tag=clean_tag, terms=terms, include_internal=who.role.is_staff,
                order=chosen, after=after, limit=size,
            )
            page = repos.tickets.query(query)
            # The markers in the same snapshot (and the same hop) as the page.
            return replace(page, unread=frozenset(unread_of(repos, who, page.items)))

        return await self._storage.read(run)

    async def update(self, caller: Caller, ticket_id: int, *,
                     status: TicketStatus | Keep = KEEP, priority: Priority | Keep = KEEP,
                     assignee_id: int | Keep | None = KEEP,
                     tags: Sequence[str] | Keep = KEEP, subject: str | Keep = KEEP,
                     team_id: int | Keep | None = KEEP) -> Ticket:
        """Change a ticket; every changed field is written to its history.

        The team is staff-only: changing it moves neither ``updated_at`` nor anything a
        customer can see.
        """
        who = require_bound(caller)
        change = TicketChangeRequest(
            status=status, priority=priority, assignee_id=assignee_id,
            tags=tags if isinstance(tags, Keep) else clean_tags(list(tags)),
            subject=subject if isinstance(subject, Keep) else clean_subject(subject),
            team_id=team_id,
        )
        now = self._clock.now()

        def work(repos: Repositories) -> tuple[Ticket, list[NewEvent]]:
            return apply_change(repos, who, ticket_id, change, now)

        return await write_and_publish(self._storage, self._publisher, work)

    async def bulk_update(self, caller: Caller, ticket_ids: Sequence[int],
                          change: TicketChangeRequest) -> list[BulkOutcome]:
        """The same change on several tickets in one transaction, each checked by policy
        on its own: a refused ticket gets its error and the others go ahead."""
        who = require_bound(caller)
        wanted = list(dict.fromkeys(ticket_ids))
        if not wanted:
            raise InvalidInput("ticket_ids", "name at least one ticket")
        if len(wanted) > MAX_BULK:
            raise InvalidInput("ticket_ids", f"at most {MAX_BULK} tickets at once")
        request = replace(
            change,
            tags=change.tags if isinstance(change.tags, Keep) else clean_tags(list(change.tags)),
            add_tags=clean_tags(list(change.add_tags)),
            remove_tags=clean_tags(list(change.remove_tags)),
            subject=(change.subject if isinstance(change.subject, Keep)
                     else clean_subject(change.subject)),
        )
        now = self._clock.now()

        def work(repos: Repositories) -> tuple[list[BulkOutcome], list[NewEvent]]:
            outcomes: list[BulkOutcome] = []
            events: list[NewEvent] = []
            for ticket_id in wanted:
                try:
                    ticket, more = apply_change(repos, who, ticket_id, request, now)
                except DomainError as refused:
                    outcomes.append(BulkOutcome(ticket_id=ticket_id, error=refused))
                    continue
                outcomes.append(BulkOutcome(ticket_id=ticket_id, ticket=ticket))
                events += more
            return outcomes, events

        return await write_and_publish(self._storage, self._publisher, work)

    async def history(self, caller: Caller, ticket_id: int) -> list[TicketChange]:
        """Every change of a ticket, oldest first (customers: what they may see)."""
        who = require_bound(caller)

        def look(repos: Repositories) -> list[TicketChange]:
            ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id,
                           repos.project.settings())
            changes = repos.tickets.history(ticket_id)
            if who.role.is_staff:
                return changes
            return [c for c in changes if c.field not in STAFF_ONLY_FIELDS]

        return await self._storage.read(look)


MAX_BULK = 100
STAFF_ONLY_FIELDS = frozenset({"team_id"})
"""Ticket fields customers never see, nor hear about, nor find in the history."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketChangeRequest:
    """What to change on a ticket (``KEEP``: leave it); text already cleaned."""

    status: TicketStatus | Keep = KEEP
    priority: Priority | Keep = KEEP
    assignee_id: int | Keep | None = KEEP
    tags: tuple[str, ...] | Keep = KEEP
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    subject: str | Keep = KEEP
    team_id: int | Keep | None = KEEP


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkOutcome:
    """One ticket of a bulk change: the ticket as it is now, or why it was refused."""

    ticket_id: int
    ticket: Ticket | None = None
    error: DomainError | None = None


def apply_change(repos: Repositories, who: CallerIdentity, ticket_id: int,
                 change: TicketChangeRequest, now: datetime) -> tuple[Ticket, list[NewEvent]]:
    """One ticket's change inside a unit of work: policy, history, events, read mark.

    Raises a domain error before writing anything, so a bulk change can skip a refused
    ticket and go on with the next in the same transaction.
    """
    ticket = ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id,
                            repos.project.settings())
    wanted = _wanted(ticket, change)
    if not wanted:
        return ticket, []
    if "status" in wanted:
        target = wanted["status"]
        assert isinstance(target, TicketStatus)  # noqa: S101 - set by _wanted
        ensure_move(ticket.status, target)
    _ensure_may_change(who, ticket, wanted)
    # Only after the role check: the refusal names the user, which a customer
    # must not learn by probing ids.
    if "assignee_id" in wanted and isinstance(wanted["assignee_id"], int):
        _ensure_assignable(repos, wanted["assignee_id"])
    team_id = wanted.get("team_id")
    if isinstance(team_id, int) and repos.teams.get(team_id) is None:
        raise NotFound(f"team {team_id} does not exist")
    public = {k: v for k, v in wanted.items() if k not in STAFF_ONLY_FIELDS}
    private = {k: v for k, v in wanted.items() if k in STAFF_ONLY_FIELDS}
    updated = ticket.changed(now, **public) if public else ticket
    if private:
        updated = updated.noted(now, **private)
    repos.tickets.update(updated)
    for field, new in wanted.items():
        repos.tickets.add_change(TicketChange(
            ticket_id=ticket.id, actor_id=who.user_id, at=now, field=field,
            old=describe(getattr(ticket, field)), new=describe(new),
        ))
    keep_read(repos, who, ticket, updated)
    events: list[NewEvent] = []
    if public:
        events.append(ticket_event(EventKind.TICKET_UPDATED, updated, sorted(public),
                                   actor_id=who.user_id))
    if private:
        events.append(staff_ticket_event(updated, sorted(wanted), actor_id=who.user_id))
    return updated, events


def _wanted(ticket: Ticket, change: TicketChangeRequest) -> dict[str, object]:
    wanted: dict[str, object] = {}
    if not isinstance(change.status, Keep) and change.status is not ticket.status:
        wanted["status"] = change.status
    if not isinstance(change.priority, Keep) and change.priority is not ticket.priority:
        wanted["priority"] = change.priority
    if not isinstance(change.assignee_id, Keep) and change.assignee_id != ticket.assignee_id:
        wanted["assignee_id"] = change.assignee_id
    tags = ticket.tags if isinstance(change.tags, Keep) else change.tags
    if change.add_tags or change.remove_tags:
        tags = clean_tags([t for t in (*tags, *change.add_tags) if t not in change.remove_tags])
    if tags != ticket.tags:
        wanted["tags"] = tags
    if not isinstance(change.subject, Keep) and change.subject != ticket.subject:
        wanted["subject"] = change.subject
    if not isinstance(change.team_id, Keep) and change.team_id != ticket.team_id:
        wanted["team_id"] = change.team_id
    return wanted


def _narrow_by_view(view: QueueView | None, me: int, *, statuses: frozenset[TicketStatus],
                    assignee_id: int | None, unassigned: bool,
                    team_id: int | None) -> ViewFilter:
    """The view's filter narrowed by the explicit ones (which must not contradict it)."""
    if view is None:
        return ViewFilter(statuses=statuses, assignee_id=assignee_id, unassigned=unassigned,
                          team_id=team_id)
    base = view_filter(view, me=me, team_id=team_id if view is QueueView.TEAM else None)
    chosen = base.statuses & statuses if statuses else base.statuses
    if not chosen:
        raise InvalidInput("status", f"none of these statuses is in the {view.value} view")
    if base.assignee_id is not None and (unassigned or assignee_id not in (None,
                                                                          base.assignee_id)):
        raise InvalidInput("assignee_id", f"the {view.value} view is your own tickets")
    if base.unassigned and assignee_id is not None:
        raise InvalidInput("assignee_id", "the unassigned view has no assignee")
    return ViewFilter(statuses=chosen, assignee_id=base.assignee_id or assignee_id,
                      unassigned=base.unassigned or unassigned,
                      team_id=base.team_id if base.team_id is not None else team_id)


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
