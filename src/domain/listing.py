"""Ticket queries: filters, full-text terms and keyset pagination (never OFFSET)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

from .errors import InvalidInput
from .tickets import Priority, Ticket, TicketStatus

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_SEARCH_TERMS = 8
RELEVANCE_WINDOW = 1000  # ranked search looks at this many newest matches, no more
_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # the words FTS5 unicode61 indexes
_CURSOR = re.compile(r"(-?[0-9]{1,19})\.([0-9]{1,19})", re.ASCII)
_INT64 = range(-(2**63), 2**63)


class TicketOrder(StrEnum):
    """How a ticket list is sorted (one place to add an order, e.g. by due time)."""

    UPDATED = "updated"  # most recently changed first (the inbox)
    NEWEST = "newest"  # most recently created first
    PRIORITY = "priority"  # most urgent first, then most recently changed
    RELEVANCE = "relevance"  # best text match first, among the newest matches


PRIORITY_RANK: dict[Priority, int] = {
    Priority.URGENT: 3, Priority.HIGH: 2, Priority.NORMAL: 1, Priority.LOW: 0,
}
PRIORITY_SCALE = 2**53  # rank * scale + updated_at: one sort key (microseconds < 2^53)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: the sort key of the last row handed out."""

    key: int  # updated_at in µs for UPDATED, the ticket id for NEWEST, see priority_key
    ticket_id: int

    def encode(self) -> str:
        """An opaque token for clients."""
        return f"{self.key}.{self.ticket_id}"

    @classmethod
    def decode(cls, raw: str) -> Cursor:
        """Parse a token from :meth:`encode`, refusing anything else."""
        # ASCII digits only, within SQLite's 64-bit integers: str.isdigit() would let
        # "--5" or "\u00b2" through to int(), which then fails with a ValueError.
        match = _CURSOR.fullmatch(raw)
        if match is None or int(match[1]) not in _INT64 or int(match[2]) not in _INT64:
            raise InvalidInput("cursor", "is not a cursor this server handed out")
        return cls(int(match[1]), int(match[2]))


def search_terms(raw: str) -> tuple[str, ...]:
    """Words to match (each as a prefix, all required); syntax characters are dropped."""
    terms = tuple(dict.fromkeys(w.lower() for w in _WORD.findall(raw)))
    if len(terms) > MAX_SEARCH_TERMS:
        raise InvalidInput("query", f"at most {MAX_SEARCH_TERMS} words")
    return terms


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketQuery:
    """Filters for a ticket list. ``requester_id`` is also how policy scopes customers."""

    statuses: frozenset[TicketStatus] = frozenset()
    priorities: frozenset[Priority] = frozenset()
    requester_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    tag: str | None = None
    terms: tuple[str, ...] = ()
    include_internal: bool = False  # may terms match internal notes?
    order: TicketOrder = TicketOrder.UPDATED
    after: Cursor | None = None
    limit: int = DEFAULT_PAGE_SIZE


def page_size(raw: int | None) -> int:
    """Validate a requested page size."""
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= raw <= MAX_PAGE_SIZE:
        raise InvalidInput("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
    return raw


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the cursor of the next one (``None`` at the end).

    ``unread``: for a page of tickets, the ids with activity the caller has not seen
    (read in the same snapshot as the page).
    """

    items: tuple[T, ...]
    next_cursor: str | None
    unread: frozenset[int] = frozenset()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp_key(moment: datetime) -> int:
    """Microseconds since the epoch: the sort key adapters store for times."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_timestamp_key(key: int) -> datetime:
    """The inverse of :func:`timestamp_key` (UTC)."""
    return _EPOCH + timedelta(microseconds=key)


def priority_key(priority: Priority, updated_at: datetime) -> int:
    """The PRIORITY order's sort key: the rank above, the update time below."""
    return PRIORITY_RANK[priority] * PRIORITY_SCALE + timestamp_key(updated_at)


def sort_key(ticket: Ticket, order: TicketOrder) -> int:
    """The key a ticket sorts by in ``order`` (descending, ties by id descending)."""
    if order is TicketOrder.UPDATED:
        return timestamp_key(ticket.updated_at)
    if order is TicketOrder.PRIORITY:
        return priority_key(ticket.priority, ticket.updated_at)
    return ticket.id


def cursor_after(ticket: Ticket, order: TicketOrder) -> Cursor:
    """The cursor that continues after a ticket in the given order."""
    return Cursor(sort_key(ticket, order), ticket.id)
