"""Repositories of the agent's workspace: teams, unread marks and canned replies."""

# SQL text here is assembled from constant fragments only; every value is a ? parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ...domain.canned import CannedReply
from ...domain.listing import TicketQuery
from ...domain.teams import Team
from ._ticket_query import ticket_filters
from ._tickets import encode_ids
from ._times import to_key, to_time
from .errors import MissingRow, execute_checked

_TEAM = "id, name, created_at"
_TEAM_GET = f"SELECT {_TEAM} FROM teams WHERE id = ?"
_TEAM_BY_NAME = f"SELECT {_TEAM} FROM teams WHERE lower(name) = lower(?)"
_TEAM_ALL = f"SELECT {_TEAM} FROM teams ORDER BY lower(name), id"
_TEAM_OF_USER = (
    f"SELECT {_TEAM} FROM teams WHERE id IN (SELECT team_id FROM team_members "
    "WHERE user_id = ?) ORDER BY lower(name), id"
)
_TEAM_ADD = "INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)"
_TEAM_RENAME = "UPDATE teams SET name = ?, created_at = ? WHERE id = ?"
_TEAM_REMOVE = "DELETE FROM teams WHERE id = ?"
_MEMBERS = "SELECT user_id FROM team_members WHERE team_id = ? ORDER BY user_id"
_MEMBERS_ADD = "INSERT INTO team_members (team_id, user_id) VALUES (?, ?)"
_MEMBERS_CLEAR = "DELETE FROM team_members WHERE team_id = ?"


class SqliteTeams:
    """Teams (``teams``) and their members (``team_members``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def next_id(self) -> int:
        """One more than the highest id (safe: there is one writer)."""
        return int(self._c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM teams").fetchone()[0])

    def _team(self, row: tuple[int, str, int]) -> Team:
        members = tuple(r[0] for r in self._c.execute(_MEMBERS, (row[0],)))
        return Team(id=row[0], name=row[1], members=members, created_at=to_time(row[2]))

    def get(self, team_id: int) -> Team | None:
        """The team, or ``None``."""
        row = self._c.execute(_TEAM_GET, (team_id,)).fetchone()
        return None if row is None else self._team(row)

    def by_name(self, name: str) -> Team | None:
        """The team of this name in any case, or ``None``."""
        row = self._c.execute(_TEAM_BY_NAME, (name,)).fetchone()
        return None if row is None else self._team(row)

    def add(self, team: Team) -> None:
        """Store a new team; a taken id or name raises ``DuplicateKey``."""
        execute_checked(self._c, _TEAM_ADD, (team.id, team.name, to_key(team.created_at)))
        self._c.executemany(_MEMBERS_ADD, [(team.id, m) for m in team.members])

    def update(self, team: Team) -> None:
        """Replace the name and the members; an unknown id raises ``MissingRow``."""
        cur = execute_checked(self._c, _TEAM_RENAME,
                              (team.name, to_key(team.created_at), team.id))
        if cur.rowcount == 0:
            raise MissingRow(f"team {team.id!r} does not exist")
        self._c.execute(_MEMBERS_CLEAR, (team.id,))
        self._c.executemany(_MEMBERS_ADD, [(team.id, m) for m in team.members])

    def remove(self, team_id: int) -> None:
        """Delete the team (its members go with it)."""
        self._c.execute(_TEAM_REMOVE, (team_id,))

    def all(self) -> list[Team]:
        """Every team, by name."""
        return [self._team(row) for row in self._c.execute(_TEAM_ALL).fetchall()]

    def of_user(self, user_id: int) -> list[Team]:
        """The teams a user belongs to, by name."""
        return [self._team(row) for row in self._c.execute(_TEAM_OF_USER, (user_id,)).fetchall()]


_MARKS = (
    "SELECT ticket_id, read_at FROM ticket_reads WHERE user_id = ? "
    "AND ticket_id IN (SELECT value FROM json_each(?))"
)
_MARK_PUT = (
    "INSERT INTO ticket_reads (user_id, ticket_id, read_at) VALUES (?, ?, ?) "
    "ON CONFLICT (user_id, ticket_id) DO UPDATE SET read_at = excluded.read_at"
)


class SqliteReads:
    """Read marks (``ticket_reads``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def marks(self, user_id: int, ticket_ids: Sequence[int]) -> dict[int, datetime]:
        """One indexed lookup per ticket of the page."""
        if not ticket_ids:
            return {}
        rows = self._c.execute(_MARKS, (user_id, encode_ids(list(ticket_ids))))
        return {r[0]: to_time(r[1]) for r in rows}

    def put(self, user_id: int, ticket_id: int, read_at: datetime) -> None:
        """Set (or replace) the user's mark on a ticket."""
        self._c.execute(_MARK_PUT, (user_id, ticket_id, to_key(read_at)))

    def count_unread(self, user_id: int, query: TicketQuery, *, staff: bool,
                     horizon: datetime, cap: int) -> int:
        """Unread tickets of the query, stopping after ``cap``, in two bounded walks.

        A ticket is unread when the activity its audience sees is later than the user's
        mark, or than ``horizon`` without one. Since marks are set when the user acts,
        after their horizon, an unread ticket changed after the horizon (first walk, by
        the activity indexes of 0004 from the horizon on) or has a mark older than the
        horizon, as "mark as unread" leaves (second walk, over the user's old marks).
        """
        where, params = ticket_filters(replace(query, terms=()))
        seen = "t.activity_at" if staff else "t.updated_at"
        mark = ("COALESCE((SELECT r.read_at FROM ticket_reads AS r "
                "WHERE r.user_id = ? AND r.ticket_id = t.id), ?)")
        recent = " AND ".join([*where, f"{seen} > ?", f"{seen} > {mark}"])
        older = " AND ".join(["r.user_id = ?", "r.read_at < ?", *where,
                              f"{seen} <= ?", f"{seen} > r.read_at"])
        sql = (f"SELECT count(*) FROM (SELECT 1 FROM tickets AS t WHERE {recent} "
               f"UNION ALL SELECT 1 FROM ticket_reads AS r CROSS JOIN tickets AS t "
               f"ON t.id = r.ticket_id WHERE {older} LIMIT ?)")
        edge = to_key(horizon)
        row = self._c.execute(sql, (*params, edge, user_id, edge,
                                    user_id, edge, *params, edge, cap)).fetchone()
        return int(row[0])


_CANNED = "id, owner_id, shared, title, body, created_at, updated_at"
_CANNED_GET = f"SELECT {_CANNED} FROM canned_replies WHERE id = ?"
_CANNED_ADD = f"INSERT INTO canned_replies ({_CANNED}) VALUES (?, ?, ?, ?, ?, ?, ?)"
_CANNED_UPDATE = (
    "UPDATE canned_replies SET owner_id = ?, shared = ?, title = ?, body = ?, created_at = ?, "
    "updated_at = ? WHERE id = ?"
)
_CANNED_REMOVE = "DELETE FROM canned_replies WHERE id = ?"
_CANNED_VISIBLE = (
    f"SELECT {_CANNED} FROM canned_replies WHERE shared = 1 OR owner_id = ? "
    "ORDER BY lower(title), id LIMIT ?"
)

_CannedRow = tuple[int, int, int, str, str, int, int]


def _canned(row: _CannedRow) -> CannedReply:
    return CannedReply(id=row[0], owner_id=row[1], shared=bool(row[2]), title=row[3],
                       body=row[4], created_at=to_time(row[5]), updated_at=to_time(row[6]))


class SqliteCanned:
    """Canned replies (``canned_replies``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def next_id(self) -> int:
        """One more than the highest id (safe: there is one writer)."""
        sql = "SELECT COALESCE(MAX(id), 0) + 1 FROM canned_replies"
        return int(self._c.execute(sql).fetchone()[0])

    def get(self, canned_id: int) -> CannedReply | None:
        """The reply, or ``None``."""
        row = self._c.execute(_CANNED_GET, (canned_id,)).fetchone()
        return None if row is None else _canned(row)

    def add(self, reply: CannedReply) -> None:
        """Store a new reply; a taken id raises ``DuplicateKey``."""
        execute_checked(self._c, _CANNED_ADD, (reply.id, *_canned_values(reply)))

    def update(self, reply: CannedReply) -> None:
        """Replace a stored reply; an unknown id raises ``MissingRow``."""
        cur = execute_checked(self._c, _CANNED_UPDATE, (*_canned_values(reply), reply.id))
        if cur.rowcount == 0:
            raise MissingRow(f"canned reply {reply.id!r} does not exist")

    def remove(self, canned_id: int) -> None:
        """Delete the reply if it exists."""
        self._c.execute(_CANNED_REMOVE, (canned_id,))

    def visible_to(self, user_id: int, *, limit: int) -> list[CannedReply]:
        """Shared replies and the user's own, by title."""
        return [_canned(row) for row in self._c.execute(_CANNED_VISIBLE, (user_id, limit))]


def _canned_values(reply: CannedReply) -> tuple[object, ...]:
    return (reply.owner_id, int(reply.shared), reply.title, reply.body,
            to_key(reply.created_at), to_key(reply.updated_at))
