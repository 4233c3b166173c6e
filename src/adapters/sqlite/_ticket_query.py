"""SQL for ticket lists: filters, full-text matches, keyset pages and bounded ranking.

Every statement is built from fixed fragments and ``?`` placeholders; only the number
of placeholders varies (one per status or priority asked for), so sqlite3's statement
cache sees a handful of distinct texts. Pages are keyset pages (``WHERE key < cursor``
over an index); nothing here uses ``OFFSET``.
"""

# SQL text here is assembled from constant fragments only; every value is a ? parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from ...domain.listing import RELEVANCE_WINDOW, Cursor, TicketOrder, TicketQuery
from ._fts import match_expression

TICKET_COLUMNS = (
    "t.id, t.subject, t.body, t.status, t.priority, t.tags, t.requester_id, t.assignee_id, "
    "t.created_at, t.updated_at"
)

# Ticket ids whose own text, or one of whose messages, matches. A ticket document is its
# subject and body (two columns of one FTS row); each message is a document of its own.
_HITS_ALL = (
    "SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ? "
    "UNION SELECT m.ticket_id FROM messages_fts JOIN messages AS m ON m.id = messages_fts.rowid "
    "WHERE messages_fts MATCH ?"
)
_HITS_PUBLIC = _HITS_ALL + " AND m.visibility = 'public'"

# The same with a bm25 rank (lower is better); a ticket keeps its best document's rank.
_RANKED_ALL = (
    "SELECT rowid AS id, bm25(tickets_fts) AS rank FROM tickets_fts WHERE tickets_fts MATCH ? "
    "UNION ALL SELECT m.ticket_id, bm25(messages_fts) FROM messages_fts "
    "JOIN messages AS m ON m.id = messages_fts.rowid WHERE messages_fts MATCH ?"
)
_RANKED_PUBLIC = _RANKED_ALL + " AND m.visibility = 'public'"

_ORDER_BY = {
    TicketOrder.UPDATED: " ORDER BY t.updated_at DESC, t.id DESC",
    TicketOrder.NEWEST: " ORDER BY t.id DESC",
}


@dataclass(frozen=True, slots=True)
class TicketSelect:
    """One statement and its parameters; ``None`` when the query can match nothing."""

    sql: str
    params: tuple[object, ...]


def _filters(query: TicketQuery) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []
    if query.statuses:
        values = sorted(s.value for s in query.statuses)
        where.append(f"t.status IN ({', '.join('?' * len(values))})")
        params.extend(values)
    if query.priorities:
        values = sorted(p.value for p in query.priorities)
        where.append(f"t.priority IN ({', '.join('?' * len(values))})")
        params.extend(values)
    if query.requester_id is not None:
        where.append("t.requester_id = ?")
        params.append(query.requester_id)
    if query.assignee_id is not None:
        where.append("t.assignee_id = ?")
        params.append(query.assignee_id)
    if query.unassigned:
        where.append("t.assignee_id IS NULL")
    if query.tag is not None:
        where.append("t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ?)")
        params.append(query.tag)
    return where, params


def _keyset(order: TicketOrder, after: Cursor) -> tuple[str, list[object]]:
    """Rows strictly after the cursor, comparing (sort key, id) as the memory adapter does."""
    if order is TicketOrder.UPDATED:
        # A row value, not "a < ? OR (a = ? AND id < ?)": SQLite seeks an index on
        # (updated_at[, rowid]) straight to the cursor only for the row-value form.
        return "(t.updated_at, t.id) < (?, ?)", [after.key, after.ticket_id]
    # NEWEST compares (id, id) with (key, ticket_id): below key, or key itself when
    # key < ticket_id (cursors this adapter hands out always have key == ticket_id).
    bound = after.key + 1 if after.key < after.ticket_id else after.key
    return "t.id < ?", [bound]


def select_tickets(query: TicketQuery) -> TicketSelect | None:
    """The statement for one page of ``query`` (``limit + 1`` rows, to see if more exist)."""
    where, params = _filters(query)
    match = match_expression(query.terms) if query.terms else ""
    if match is None:
        return None
    if match:
        hits = _HITS_ALL if query.include_internal else _HITS_PUBLIC
        if query.order is TicketOrder.RELEVANCE:
            return _ranked(query, match, where, params)
        where.append(f"t.id IN ({hits})")
        params.extend((match, match))
    elif query.order is TicketOrder.RELEVANCE:
        # Without terms every ticket scores the same: the newest come first.
        return _ranked(query, None, where, params)
    if query.after is not None:
        clause, values = _keyset(query.order, query.after)
        where.append(clause)
        params.extend(values)
    sql = f"SELECT {TICKET_COLUMNS} FROM tickets AS t"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += _ORDER_BY[query.order] + " LIMIT ?"
    params.append(query.limit + 1)
    return TicketSelect(sql, tuple(params))


def _ranked(
    query: TicketQuery, match: str | None, where: list[str], params: list[object]
) -> TicketSelect:
    """Best bm25 rank first among the ``RELEVANCE_WINDOW`` newest matches; one page only."""
    if match is None:
        source = "SELECT t.*, 0.0 AS rank FROM tickets AS t"
        head: list[object] = []
    else:
        ranked = _RANKED_ALL if query.include_internal else _RANKED_PUBLIC
        source = (
            f"SELECT t.*, best.rank AS rank FROM (SELECT id, MIN(rank) AS rank FROM ({ranked}) "
            "GROUP BY id) AS best JOIN tickets AS t ON t.id = best.id"
        )
        head = [match, match]
    if where:
        source += " WHERE " + " AND ".join(where)
    source += " ORDER BY t.id DESC LIMIT ?"
    sql = (
        f"SELECT {TICKET_COLUMNS} FROM ({source}) AS t ORDER BY t.rank, t.id DESC LIMIT ?"
    )
    return TicketSelect(sql, (*head, *params, RELEVANCE_WINDOW, query.limit))
