"""Builders and fixtures shared by the SQLite integration tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hero_assistance.domain.events import EventKind, NewEvent
from hero_assistance.domain.identity import Role, User, UserStatus
from hero_assistance.domain.listing import MAX_PAGE_SIZE, Cursor, TicketOrder, TicketQuery
from hero_assistance.domain.messages import Message, Visibility
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.tickets import Priority, Ticket, TicketChange, TicketStatus

PROJECT = ProjectSettings(name="Integration project")
T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """A moment after the tests' epoch, with microseconds."""
    return T0 + timedelta(seconds=seconds)


def user(user_id: int, role: Role = Role.CUSTOMER) -> User:
    """An active account."""
    return User(id=user_id, email=f"u{user_id}@example.com", display_name=f"User {user_id}",
                role=role, status=UserStatus.ACTIVE, created_at=at(user_id))


def ticket(ticket_id: int, *, subject: str | None = None, body: str = "",
           requester_id: int = 1, tags: tuple[str, ...] = (),
           updated_at: datetime | None = None) -> Ticket:
    """A new ticket."""
    return Ticket(
        id=ticket_id, subject=subject or f"Ticket {ticket_id}", body=body,
        status=TicketStatus.NEW, priority=Priority.NORMAL, tags=tags,
        requester_id=requester_id, assignee_id=None, created_at=at(ticket_id),
        updated_at=updated_at or at(ticket_id),
    )


def message(message_id: int, ticket_id: int, body: str, *,
            visibility: Visibility = Visibility.PUBLIC) -> Message:
    """A message on a ticket."""
    return Message(id=message_id, ticket_id=ticket_id, parent_id=None, author_id=1, body=body,
                   visibility=visibility, attachments=(), created_at=at(1000 + message_id))


def open_ticket(repos: Repositories, subject: str = "Printer on fire") -> int:
    """What ``ticket.create`` does to storage: the ticket, its history row, an event."""
    ticket_id = repos.tickets.next_id()
    repos.tickets.add(ticket(ticket_id, subject=subject))
    repos.tickets.add_change(TicketChange(ticket_id=ticket_id, actor_id=1, at=at(ticket_id),
                                          field="status", old=None, new="new"))
    repos.events.append(NewEvent(kind=EventKind.TICKET_CREATED, ticket_id=ticket_id,
                                 requester_id=1, internal=False, occurred_at=at(ticket_id),
                                 data={"id": ticket_id, "subject": subject}))
    return ticket_id


def ticket_ids(repos: Repositories) -> list[int]:
    """Every stored ticket id, ascending, paging through the keyset pages."""
    found: list[int] = []
    after: Cursor | None = None
    while True:
        page = repos.tickets.query(
            TicketQuery(order=TicketOrder.NEWEST, limit=MAX_PAGE_SIZE, after=after)
        )
        found.extend(t.id for t in page.items)
        if page.next_cursor is None:
            return sorted(found)
        after = Cursor.decode(page.next_cursor)
