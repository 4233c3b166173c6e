"""The ticket repository: tickets, their history, and lists with full-text search."""

# SQL text here is assembled from constant fragments only; every value is a ? parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from dataclasses import replace

import msgspec

from ...domain.listing import Page, TicketOrder, TicketQuery, cursor_after
from ...domain.queues import TallyRow
from ...domain.tickets import Priority, Ticket, TicketChange, TicketStatus
from ._ticket_query import (
    RANK_ALL_MESSAGES,
    RANK_PUBLIC_MESSAGES,
    RANK_TICKET_DOCUMENTS,
    TICKET_COLUMNS,
    TICKETS_BY_IDS,
    select_ranking_window,
    select_tickets,
    ticket_filters,
)
from ._times import to_key, to_time
from .errors import MissingRow, execute_checked

_GET = f"SELECT {TICKET_COLUMNS} FROM tickets AS t WHERE t.id = ?"
_ADD = (
    "INSERT INTO tickets (id, subject, body, status, priority, tags, requester_id, "
    "assignee_id, created_at, updated_at, team_id, activity_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE = (
    "UPDATE tickets SET subject = ?, body = ?, status = ?, priority = ?, tags = ?, "
    "requester_id = ?, assignee_id = ?, created_at = ?, updated_at = ?, team_id = ?, "
    "activity_at = ? WHERE id = ?"
)
_ADD_CHANGE = (
    "INSERT INTO ticket_events (ticket_id, actor_id, at, field, old, new, reason) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_HISTORY = (
    "SELECT ticket_id, actor_id, at, field, old, new, reason FROM ticket_events "
    "WHERE ticket_id = ? ORDER BY id"
)
_TALLY = (
    "SELECT status, assignee_id, team_id, n FROM ticket_tally WHERE n > 0 "
    "ORDER BY status, assignee_id, team_id"
)
# Tags are letters, digits and _.- (domain rule), so a range is an exact prefix match.
_TAGS = (
    "SELECT tag, n FROM tag_counts WHERE tag >= ?1 AND tag < ?1 || char(1114111) AND n > 0 "
    "ORDER BY n DESC, tag LIMIT ?2"
)
_CLEAR_TEAM = "UPDATE tickets SET team_id = NULL WHERE team_id = ?"

TicketRow = tuple[int, str, str, str, str, str, int, int | None, int, int, int | None, int]


# msgspec, built once: the json module costs ~10x more per row (see D-09).
_ENCODE = msgspec.json.Encoder().encode
_DECODE_STRINGS = msgspec.json.Decoder(tuple[str, ...]).decode


def encode_list(items: tuple[str, ...]) -> str:
    """An ordered list of strings as the JSON array the schema stores."""
    return _ENCODE(items).decode()


def decode_list(text: str) -> tuple[str, ...]:
    """The JSON array of strings :func:`encode_list` stored."""
    return _DECODE_STRINGS(text)


def encode_ids(ids: list[int]) -> str:
    """A list of ids as one JSON parameter (read back with ``json_each``)."""
    return _ENCODE(ids).decode()


def ticket_from_row(row: TicketRow) -> Ticket:
    """A ticket from the columns of ``TICKET_COLUMNS``."""
    return Ticket(
        id=row[0], subject=row[1], body=row[2], status=TicketStatus(row[3]),
        priority=Priority(row[4]), tags=decode_list(row[5]), requester_id=row[6],
        assignee_id=row[7], created_at=to_time(row[8]), updated_at=to_time(row[9]),
        team_id=row[10], activity_at=to_time(row[11]),
    )


def _values(ticket: Ticket) -> tuple[object, ...]:
    return (
        ticket.subject, ticket.body, ticket.status.value, ticket.priority.value,
        encode_list(ticket.tags), ticket.requester_id, ticket.assignee_id,
        to_key(ticket.created_at), to_key(ticket.updated_at), ticket.team_id,
        to_key(ticket.last_activity),
    )


class SqliteTickets:
    """Tickets, their history and full-text search over them and their messages."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def next_id(self) -> int:
        """One more than the highest id (safe: there is one writer)."""
        return int(self._c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets").fetchone()[0])

    def get(self, ticket_id: int) -> Ticket | None:
        """The ticket, or ``None``."""
        row = self._c.execute(_GET, (ticket_id,)).fetchone()
        return None if row is None else ticket_from_row(row)

    def add(self, ticket: Ticket) -> None:
        """Store a new ticket; a taken id raises ``DuplicateKey``."""
        execute_checked(self._c, _ADD, (ticket.id, *_values(ticket)))

    def update(self, ticket: Ticket) -> None:
        """Replace a stored ticket; an unknown id raises ``MissingRow``."""
        cur = execute_checked(self._c, _UPDATE, (*_values(ticket), ticket.id))
        if cur.rowcount == 0:
            raise MissingRow(f"ticket {ticket.id!r} does not exist")

    def add_change(self, change: TicketChange) -> None:
        """Append one history entry."""
        self._c.execute(_ADD_CHANGE, (
            change.ticket_id, change.actor_id, to_key(change.at), change.field, change.old,
            change.new, change.reason,
        ))

    def history(self, ticket_id: int) -> list[TicketChange]:
        """A ticket's history, oldest first."""
        return [
            TicketChange(ticket_id=r[0], actor_id=r[1], at=to_time(r[2]), field=r[3], old=r[4],
                         new=r[5], reason=r[6])
            for r in self._c.execute(_HISTORY, (ticket_id,))
        ]

    def count(self, query: TicketQuery, *, cap: int) -> int:
        """Walks the query's index, at most ``cap`` rows."""
        where, params = ticket_filters(replace(query, terms=()))
        sql = "SELECT count(*) FROM (SELECT 1 FROM tickets AS t"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return int(self._c.execute(sql + " LIMIT ?)", (*params, cap)).fetchone()[0])

    def tally(self) -> list[TallyRow]:
        """The maintained counts (``ticket_tally``), without zero rows; 0 means none."""
        return [
            TallyRow(status=TicketStatus(r[0]), assignee_id=r[1] or None, team_id=r[2] or None,
                     count=r[3])
            for r in self._c.execute(_TALLY)
        ]

    def tags(self, prefix: str, *, limit: int) -> list[tuple[str, int]]:
        """Tags by prefix from the maintained ``tag_counts``."""
        return [(r[0], r[1]) for r in self._c.execute(_TAGS, (prefix, limit))]

    def clear_team(self, team_id: int) -> int:
        """Take every ticket out of the team (through the team index)."""
        return int(self._c.execute(_CLEAR_TEAM, (team_id,)).rowcount)

    def query(self, query: TicketQuery) -> Page[Ticket]:
        """One page of tickets; see ``TicketQuery`` for the filters and orders."""
        if query.order is TicketOrder.RELEVANCE:
            return Page(items=tuple(self._ranked(query)), next_cursor=None)
        select = select_tickets(query)
        if select is None:
            return Page(items=(), next_cursor=None)
        tickets = [ticket_from_row(row) for row in self._c.execute(select.sql, select.params)]
        page = tickets[: query.limit]
        cursor = None
        if len(tickets) > query.limit and page:
            last = page[-1]
            cursor = cursor_after(last, query.order).encode()
        return Page(items=tuple(page), next_cursor=cursor)

    def _ranked(self, query: TicketQuery) -> list[Ticket]:
        """Best bm25 first among the newest ``RELEVANCE_WINDOW`` matches (ties: newest).

        Three bounded steps in the read's snapshot: the window's ids, the ranks of the
        documents in the window's id range (a ticket keeps its best document's rank),
        then the page's tickets.
        """
        plan = select_ranking_window(query)
        if plan is None:
            return []
        match, window_select = plan
        window = [row[0] for row in self._c.execute(window_select.sql, window_select.params)]
        if not window:
            return []
        if match:
            # bm25 is negative, lower is better; outside the window nothing counts.
            ranks = dict.fromkeys(window, float("inf"))
            low, high = window[-1], window[0]
            messages = RANK_ALL_MESSAGES if query.include_internal else RANK_PUBLIC_MESSAGES
            for sql in (RANK_TICKET_DOCUMENTS, messages):
                for ticket_id, rank in self._c.execute(sql, (match, low, high)):
                    if rank < ranks.get(ticket_id, rank):
                        ranks[ticket_id] = rank
            window.sort(key=lambda ticket_id: (ranks[ticket_id], -ticket_id))
        chosen = window[: max(query.limit, 0)]
        rows = self._c.execute(TICKETS_BY_IDS, (encode_ids(chosen),))
        found = {ticket.id: ticket for ticket in map(ticket_from_row, rows)}
        return [found[ticket_id] for ticket_id in chosen]
