"""Unread state: which tickets have activity a user has not seen yet.

The server keeps, per user and ticket, the moment of activity the user has seen up
to (a *read mark*), so the state follows the person across devices. Staff see every
activity (internal notes and team changes too); customers only what they can read,
which is ``updated_at``. A ticket the user never opened counts from their *horizon*:
the moment their account was created, so an agent who joins a busy project is not
told that last year's tickets are unread.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .tickets import Ticket

UNREAD_CAP = 100
"""Unread counts stop counting here ("99+"): a bounded walk on any queue size."""

NEVER_READ = datetime(1970, 1, 1, tzinfo=UTC)
"""The read mark of "mark as unread": before any activity."""


def seen_activity(ticket: Ticket, *, staff: bool) -> datetime:
    """The activity of ``ticket`` its audience can see."""
    return ticket.last_activity if staff else ticket.updated_at


def is_unread(ticket: Ticket, read_at: datetime | None, *, staff: bool,
              horizon: datetime) -> bool:
    """Whether ``ticket`` has activity after the user's read mark (or horizon)."""
    mark = horizon if read_at is None else read_at
    return seen_activity(ticket, staff=staff) > mark
