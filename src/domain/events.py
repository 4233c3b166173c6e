"""Events: what happened, numbered per project so a client can resume after a gap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EventKind(StrEnum):
    """The kinds of notification a subscriber can receive."""

    TICKET_CREATED = "ticket.created"
    TICKET_UPDATED = "ticket.updated"
    MESSAGE_CREATED = "message.created"
    MESSAGE_EDITED = "message.edited"
    PRESENCE_CHANGED = "presence.changed"
    PROJECT_UPDATED = "project.updated"
    READ_CHANGED = "read.changed"  # live only, to the one user whose unread state changed

    @property
    def is_project_wide(self) -> bool:
        """About the project itself (its name, its policy), for everyone signed in."""
        return self is EventKind.PROJECT_UPDATED


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """A notification. Durable events carry ``seq``; presence changes are live only.

    ``requester_id`` and ``internal`` are what policy needs to route the event without
    loading anything else; ``data`` is a JSON-ready snapshot for the client.
    ``recipient_id`` names the one user an event is for (their unread state): such
    events are live only, never in the durable log.
    """

    seq: int | None
    kind: EventKind
    ticket_id: int | None
    requester_id: int | None
    internal: bool
    occurred_at: datetime
    data: Mapping[str, object]
    recipient_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEvent:
    """An event before storage gave it a sequence number."""

    kind: EventKind
    ticket_id: int | None
    requester_id: int | None
    internal: bool
    occurred_at: datetime
    data: Mapping[str, object]
    recipient_id: int | None = None

    def numbered(self, seq: int) -> Event:
        """The durable event with its project sequence number."""
        if self.recipient_id is not None:
            raise ValueError("an event for one user is live only; it has no sequence number")
        return Event(
            seq=seq,
            kind=self.kind,
            ticket_id=self.ticket_id,
            requester_id=self.requester_id,
            internal=self.internal,
            occurred_at=self.occurred_at,
            data=self.data,
        )

    def live(self) -> Event:
        """The event as a live-only notification (no sequence number)."""
        return Event(
            seq=None,
            kind=self.kind,
            ticket_id=self.ticket_id,
            requester_id=self.requester_id,
            internal=self.internal,
            occurred_at=self.occurred_at,
            data=self.data,
            recipient_id=self.recipient_id,
        )
