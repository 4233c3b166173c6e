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
from ...domain.tickets import OPEN_STATUSES
from ._fts import match_expression

TICKET_COLUMNS = (
    "t.id, t.subject, t.body, t.status, t.priority, t.tags, t.requester_id, t.assignee_id, "
    "t.created_at, t.updated_at, t.team_id, t.activity_at"
)

# The PRIORITY order's key, exactly as the expression indexes of 0003 spell it.
PRIORITY_KEY = (
    "(CASE t.priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END)"
    " * 9007199254740992 + t.updated_at"
)
# The open statuses as the partial indexes of 0003 name them: only this exact text
# lets SQLite use them, so the open set is written out rather than bound.
OPEN_CLAUSE = "t.status IN ('new', 'open', 'pending')"

_ORDER_BY = {
    TicketOrder.UPDATED: " ORDER BY t.updated_at DESC, t.id DESC",
    TicketOrder.NEWEST: " ORDER BY t.id DESC",
    TicketOrder.PRIORITY: f" ORDER BY {PRIORITY_KEY} DESC, t.id DESC",
}
_LOW_32_BITS = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class TicketSelect:
    """One statement and its parameters; ``None`` when the query can match nothing."""

    sql: str
    params: tuple[object, ...]


def ticket_filters(query: TicketQuery) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []
    if query.statuses == OPEN_STATUSES:
        where.append(OPEN_CLAUSE)
    elif query.statuses:
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
    if query.team_id is not None:
        where.append("t.team_id = ?")
        params.append(query.team_id)
    if query.tag is not None:
        where.append("t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ?)")
        params.append(query.tag)
    return where, params


def _newest_bound(after: Cursor) -> int:
    """NEWEST compares (id, id) with (key, ticket_id): ids below the returned bound.

    That is ids below ``key``, or ``key`` itself too when ``key < ticket_id`` (cursors
    this adapter hands out always have ``key == ticket_id``).
    """
    return after.key + 1 if after.key < after.ticket_id else after.key


def _keyset(order: TicketOrder, after: Cursor) -> tuple[str, list[object]]:
    """Rows strictly after the cursor, comparing (sort key, id) as the memory adapter does."""
    if order is TicketOrder.UPDATED:
        # A row value, not "a < ? OR (a = ? AND id < ?)": SQLite seeks an index on
        # (updated_at[, rowid]) straight to the cursor only for the row-value form.
        return "(t.updated_at, t.id) < (?, ?)", [after.key, after.ticket_id]
    if order is TicketOrder.PRIORITY:
        # On an expression index the row value alone scans from the top; the plain
        # bound in front of it is what lets SQLite seek to the cursor.
        return (f"{PRIORITY_KEY} <= ? AND ({PRIORITY_KEY}, t.id) < (?, ?)",
                [after.key, after.key, after.ticket_id])
    return "t.id < ?", [_newest_bound(after)]


def _matching_ids(query: TicketQuery, match: str, where: list[str], params: list[object],
                  below: int | None) -> tuple[str, list[object]]:
    """A compound SELECT of the ids of tickets whose own text or one of whose messages
    matches, each arm in ticket-id order straight from its FTS index.

    A ticket document is its subject and body (two columns of one FTS row, rowid = the
    ticket id); each message is a document of its own, with rowid = (ticket id << 32) |
    message id, so both arms walk their index in ticket-id order. ``where`` (filters on
    ``t``) and ``below`` (ids below a cursor, as a rowid range) are pushed into each arm.
    """
    ticket_arm = "SELECT tickets_fts.rowid AS id FROM tickets_fts"
    message_arm = "SELECT messages_fts.rowid >> 32 AS id FROM messages_fts"
    ticket_where, message_where = ["tickets_fts MATCH ?"], ["messages_fts MATCH ?"]
    ticket_params: list[object] = [match]
    message_params: list[object] = [match]
    if not query.include_internal:
        message_arm += f" JOIN messages AS m ON m.id = messages_fts.rowid & {_LOW_32_BITS}"
        message_where.append("m.visibility = 'public'")
    if where:
        ticket_arm += " JOIN tickets AS t ON t.id = tickets_fts.rowid"
        message_arm += " JOIN tickets AS t ON t.id = messages_fts.rowid >> 32"
        ticket_where += where
        message_where += where
        ticket_params += params
        message_params += params
    if below is not None:
        ticket_where.append("tickets_fts.rowid < ?")
        ticket_params.append(below)
        message_where.append("messages_fts.rowid < ?")
        message_params.append(below << 32)
    sql = (
        f"{ticket_arm} WHERE {' AND '.join(ticket_where)} "
        f"UNION {message_arm} WHERE {' AND '.join(message_where)}"
    )
    return sql, ticket_params + message_params


def _ids_newest_first(query: TicketQuery, match: str, where: list[str],
                      params: list[object], *, below: int | None,
                      limit: int) -> tuple[str, list[object]]:
    """A SELECT of at most ``limit`` matching, filtered ticket ids, highest first.

    Unfiltered, the two FTS arms stream in id order and the compound stops after
    ``limit`` ids: the agent's "search everything" does not touch every match. Filtered
    (a customer's own tickets, a status), the matches are collected once and the
    tickets walked by index instead: probing FTS per ticket would redo the prefix
    expansion for each one, and filtering a stream would visit every match anyway.
    """
    if not where:
        return _streamed_ids(query, match, below=below, limit=limit)
    ids, id_params = _matching_ids(query, match, [], [], None)
    clauses = [*where, f"t.id IN ({ids})"]
    values = [*params, *id_params]
    if below is not None:
        clauses.append("t.id < ?")
        values.append(below)
    sql = f"SELECT t.id FROM tickets AS t WHERE {' AND '.join(clauses)} ORDER BY t.id DESC LIMIT ?"
    return sql, [*values, limit]


def _streamed_ids(query: TicketQuery, match: str, *, below: int | None,
                  limit: int) -> tuple[str, list[object]]:
    """The newest ``limit`` matching ticket ids, each arm reading its FTS index newest
    first and stopping after ``limit`` ids, so at most 2 x ``limit`` ids are sorted.

    Each arm orders by its own ``rowid``, which FTS5 delivers in that order without a
    sort; ordering the compound by the message arm's ``rowid >> 32`` instead makes
    SQLite collect and sort every matching message (tens of milliseconds at a few
    hundred thousand matches). A message rowid's high bits are its ticket id, so the
    message arm's rows come ticket by ticket and ``DISTINCT`` keeps the first of each.
    """
    ticket_where, message_where = "tickets_fts MATCH ?", "messages_fts MATCH ?"
    ticket_params: list[object] = [match]
    message_params: list[object] = [match]
    if below is not None:
        ticket_where += " AND tickets_fts.rowid < ?"
        ticket_params.append(below)
        message_where += " AND messages_fts.rowid < ?"
        message_params.append(below << 32)
    messages = "messages_fts"
    if not query.include_internal:
        messages += f" JOIN messages AS m ON m.id = messages_fts.rowid & {_LOW_32_BITS}"
        message_where += " AND m.visibility = 'public'"
    ticket_arm = (
        f"SELECT id FROM (SELECT tickets_fts.rowid AS id FROM tickets_fts WHERE {ticket_where} "
        "ORDER BY tickets_fts.rowid DESC LIMIT ?)"
    )
    message_arm = (
        "SELECT id FROM (SELECT DISTINCT rowid >> 32 AS id FROM (SELECT messages_fts.rowid "
        f"AS rowid FROM {messages} WHERE {message_where} ORDER BY messages_fts.rowid DESC) "
        "LIMIT ?)"
    )
    sql = f"SELECT id FROM ({ticket_arm} UNION {message_arm}) ORDER BY id DESC LIMIT ?"
    return sql, [*ticket_params, limit, *message_params, limit, limit]


def select_tickets(query: TicketQuery) -> TicketSelect | None:
    """One page of an UPDATED or NEWEST list (``limit + 1`` rows, to see if more exist)."""
    where, params = ticket_filters(query)
    match = match_expression(query.terms) if query.terms else ""
    if match is None:
        return None
    if match and query.order is TicketOrder.NEWEST:
        below = _newest_bound(query.after) if query.after is not None else None
        ids, id_params = _ids_newest_first(query, match, where, params, below=below,
                                         limit=query.limit + 1)
        sql = (
            f"WITH hits(id) AS ({ids}) SELECT {TICKET_COLUMNS} "
            "FROM hits JOIN tickets AS t ON t.id = hits.id ORDER BY t.id DESC"
        )
        return TicketSelect(sql, tuple(id_params))
    if match:
        # The inbox order is not an FTS order: collect the matching ids, then page.
        ids, id_params = _matching_ids(query, match, [], [], None)
        where.append(f"t.id IN ({ids})")
        params.extend(id_params)
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


def select_ranking_window(query: TicketQuery) -> tuple[str, TicketSelect] | None:
    """The MATCH string and the ids of the ``RELEVANCE_WINDOW`` newest matches (filtered).

    ``None`` when nothing can match; an empty MATCH string when there are no terms (the
    window is then simply the newest tickets).
    """
    where, params = ticket_filters(query)
    match = match_expression(query.terms) if query.terms else ""
    if match is None:
        return None
    if not match:
        sql = "SELECT t.id FROM tickets AS t"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return "", TicketSelect(sql + " ORDER BY t.id DESC LIMIT ?", (*params, RELEVANCE_WINDOW))
    ids, id_params = _ids_newest_first(query, match, where, params, below=None,
                                     limit=RELEVANCE_WINDOW)
    return match, TicketSelect(ids, tuple(id_params))


# bm25 of every matching document whose ticket id is in [low, high]: the window's range.
# bm25 uses whole-index statistics, so the range changes which rows are scored, not how.
RANK_TICKET_DOCUMENTS = (
    "SELECT rowid, bm25(tickets_fts) FROM tickets_fts "
    "WHERE tickets_fts MATCH ? AND rowid BETWEEN ? AND ?"
)
RANK_ALL_MESSAGES = (
    "SELECT rowid >> 32, bm25(messages_fts) FROM messages_fts "
    "WHERE messages_fts MATCH ? AND rowid BETWEEN ? << 32 AND (? << 32) | 4294967295"
)
RANK_PUBLIC_MESSAGES = (
    "SELECT messages_fts.rowid >> 32, bm25(messages_fts) FROM messages_fts "
    f"JOIN messages AS m ON m.id = messages_fts.rowid & {_LOW_32_BITS} "
    "WHERE messages_fts MATCH ? AND messages_fts.rowid BETWEEN ? << 32 AND (? << 32) | 4294967295 "
    "AND m.visibility = 'public'"
)
TICKETS_BY_IDS = (
    f"SELECT {TICKET_COLUMNS} FROM tickets AS t WHERE t.id IN (SELECT value FROM json_each(?))"
)
