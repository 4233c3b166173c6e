"""JSON-ready snapshots of entities, as events carry them."""

from __future__ import annotations

from ..events import EventKind, NewEvent
from ..messages import Message
from ..presence import Presence
from ..tickets import Ticket


def ticket_data(ticket: Ticket, *, staff: bool = False) -> dict[str, object]:
    """A ticket as plain data; ``staff`` adds what only staff may see (the team)."""
    data: dict[str, object] = {
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
    if staff:
        data["team_id"] = ticket.team_id
    return data


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


def ticket_event(kind: EventKind, ticket: Ticket, fields: list[str] | None = None, *,
                 actor_id: int | None = None, reason: str | None = None) -> NewEvent:
    """A ticket event anyone who sees the ticket may receive: the public snapshot, which
    fields changed, who changed them and (for automatic moves) why."""
    data: dict[str, object] = {"ticket": ticket_data(ticket)}
    if fields is not None:
        data["changed"] = fields
    if actor_id is not None:
        data["actor_id"] = actor_id
    if reason is not None:
        data["reason"] = reason
    return NewEvent(kind=kind, ticket_id=ticket.id, requester_id=ticket.requester_id,
                    internal=False, occurred_at=ticket.updated_at, data=data)


def staff_ticket_event(ticket: Ticket, fields: list[str], *, actor_id: int) -> NewEvent:
    """A ticket change only staff may hear of (the team): the staff snapshot, internal."""
    data: dict[str, object] = {"ticket": ticket_data(ticket, staff=True), "changed": fields,
                               "actor_id": actor_id}
    return NewEvent(kind=EventKind.TICKET_UPDATED, ticket_id=ticket.id,
                    requester_id=ticket.requester_id, internal=True,
                    occurred_at=ticket.last_activity, data=data)
