"""JSON-ready snapshots of entities, as events carry them."""

from __future__ import annotations

from ..events import EventKind, NewEvent
from ..messages import Message
from ..presence import Presence
from ..tickets import Ticket


def ticket_data(ticket: Ticket) -> dict[str, object]:
    """A ticket as plain data."""
    return {
        "id": ticket.id,
        "subject": ticket.subject,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "tags": list(ticket.tags),
        "requester_id": ticket.requester_id,
        "assignee_id": ticket.assignee_id,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
    }


def message_data(message: Message) -> dict[str, object]:
    """A message as plain data."""
    return {
        "id": message.id,
        "ticket_id": message.ticket_id,
        "parent_id": message.parent_id,
        "author_id": message.author_id,
        "body": message.body,
        "visibility": message.visibility.value,
        "attachments": list(message.attachments),
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
    }


def presence_data(presence: Presence) -> dict[str, object]:
    """A presence heartbeat as plain data."""
    return {
        "user_id": presence.user_id,
        "role": presence.role.value,
        "state": presence.state.value,
        "viewing_ticket_id": presence.viewing_ticket_id,
        "typing": presence.typing,
        "last_seen": presence.last_seen.isoformat(),
    }


def ticket_event(kind: EventKind, ticket: Ticket, fields: list[str] | None = None) -> NewEvent:
    """A ticket event carrying the ticket's snapshot (and which fields changed)."""
    data: dict[str, object] = {"ticket": ticket_data(ticket)}
    if fields is not None:
        data["changed"] = fields
    return NewEvent(kind=kind, ticket_id=ticket.id, requester_id=ticket.requester_id,
                    internal=False, occurred_at=ticket.updated_at, data=data)
