"""Tickets, their status machine and the history of every change."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import IllegalTransition, InvalidInput, TooLarge

MAX_SUBJECT_LENGTH = 200
MAX_BODY_LENGTH = 64 * 1024
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
_TAG = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_TICK = timedelta(microseconds=1)
REOPENED_BY_REPLY = "reopened by reply"
ANSWERED_BY_CUSTOMER = "customer replied"


class TicketStatus(StrEnum):
    """Where a ticket stands."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    """How urgent a ticket is."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


OPEN_STATUSES = frozenset({TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING})
"""Statuses of tickets that still need work: the queues' default."""

# new -> open -> pending -> resolved -> closed; pending goes back to open when the
# customer answers; resolved and closed reopen; any live ticket may be closed
# (a customer withdrawing it). Nothing returns to "new".
ALLOWED_MOVES: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset(
        {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.OPEN: frozenset(
        {TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.PENDING: frozenset(
        {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.RESOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.OPEN}),
}


def ensure_move(current: TicketStatus, target: TicketStatus) -> None:
    """Raise ``IllegalTransition`` unless ``current -> target`` is allowed."""
    if target not in ALLOWED_MOVES[current]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_MOVES[current])) or "none"
        raise IllegalTransition(
            f"a {current.value} ticket cannot become {target.value} (allowed: {allowed})"
        )


def is_reopen(current: TicketStatus, target: TicketStatus) -> bool:
    """Moving a resolved or closed ticket back to open."""
    return current in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and target is TicketStatus.OPEN


def parse_status(raw: str) -> TicketStatus:
    """Parse a status name with a helpful message."""
    try:
        return TicketStatus(raw)
    except ValueError:
        valid = ", ".join(s.value for s in TicketStatus)
        raise InvalidInput("status", f"{raw!r} is not one of {valid}") from None


def parse_priority(raw: str) -> Priority:
    """Parse a priority name with a helpful message."""
    try:
        return Priority(raw)
    except ValueError:
        valid = ", ".join(p.value for p in Priority)
        raise InvalidInput("priority", f"{raw!r} is not one of {valid}") from None


def clean_subject(raw: str) -> str:
    """One printable line, trimmed, not empty, at most ``MAX_SUBJECT_LENGTH`` characters."""
    subject = " ".join(raw.split())
    if not subject:
        raise InvalidInput("subject", "must not be empty")
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidInput("subject", f"must be at most {MAX_SUBJECT_LENGTH} characters")
    # One printable line: NUL or terminal escapes would reach storage and the CLI.
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in subject):
        raise InvalidInput("subject", "must not contain control characters")
    return subject


def clean_body(raw: str, field: str = "body", *, required: bool = False) -> str:
    """Trim trailing space; enforce the size cap; optionally refuse empty text."""
    body = raw.strip()
    if required and not body:
        raise InvalidInput(field, "must not be empty")
    if len(body.encode("utf-8")) > MAX_BODY_LENGTH:
        raise TooLarge(field, f"must be at most {MAX_BODY_LENGTH // 1024} KiB")
    if "\x00" in body:
        raise InvalidInput(field, "must not contain NUL characters")
    return body


def clean_tags(raw: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Lower-case, de-duplicated, sorted tags of letters, digits, ``_.-``."""
    tags: set[str] = set()
    for item in raw:
        tag = item.strip().lower()
        if not tag:
            raise InvalidInput("tags", "a tag must not be empty")
        if len(tag) > MAX_TAG_LENGTH or not _TAG.match(tag):
            raise InvalidInput(
                "tags",
                f"{item!r} is not a tag (letters, digits, '_', '.', '-'; "
                f"at most {MAX_TAG_LENGTH} characters)",
            )
        tags.add(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput("tags", f"at most {MAX_TAGS} tags")
    return tuple(sorted(tags))


@dataclass(frozen=True, slots=True, kw_only=True)
class Ticket:
    """A request for help from one requester, worked by at most one assignee.

    ``updated_at`` moves with what the requester can see (public replies, status,
    priority, ...); ``activity_at`` with everything staff can see as well (internal
    notes, the team), and only ever forwards, so "has anything happened since I looked"
    is one comparison for either audience. ``team_id`` is staff-only routing.
    """

    id: int
    subject: str
    body: str
    status: TicketStatus
    priority: Priority
    tags: tuple[str, ...]
    requester_id: int
    assignee_id: int | None
    created_at: datetime
    updated_at: datetime
    team_id: int | None = None
    activity_at: datetime | None = None  # None: the same as updated_at (filled in)

    def __post_init__(self) -> None:
        if self.activity_at is None or self.activity_at < self.updated_at:
            object.__setattr__(self, "activity_at", self.updated_at)

    @property
    def last_activity(self) -> datetime:
        """``activity_at``, typed as always present."""
        return self.activity_at or self.updated_at

    def changed(self, now: datetime, **fields: object) -> Ticket:
        """A copy with ``fields`` replaced and ``updated_at`` moved to ``now`` (a public
        change); both times move strictly forwards even if the clock did not."""
        # Field names are checked by dataclasses.replace at run time.
        return replace(self, updated_at=max(now, self.updated_at + _TICK),
                       activity_at=self._next_activity(now), **fields)  # type: ignore[arg-type]

    def noted(self, now: datetime, **fields: object) -> Ticket:
        """A copy after staff-only activity (a note, a team): ``updated_at`` stays."""
        return replace(self, activity_at=self._next_activity(now), **fields)  # type: ignore[arg-type]

    def _next_activity(self, now: datetime) -> datetime:
        # Strictly later than the last activity even if the clock did not move, so a
        # read mark taken at the previous activity never hides this one.
        return max(now, self.last_activity + _TICK, self.updated_at + _TICK)

    @property
    def is_open(self) -> bool:
        """Still needs work (new, open or pending)."""
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketChange:
    """One entry of a ticket's history: who changed what, when."""

    ticket_id: int
    actor_id: int
    at: datetime
    field: str
    old: str | None
    new: str | None
    reason: str | None = None  # why, when it was not a plain edit ("reopened by reply")


def describe(value: object) -> str | None:
    """The history text of a field value."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)
