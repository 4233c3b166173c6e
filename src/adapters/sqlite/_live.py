"""Repositories of what changes by the second: presence heartbeats and the event log."""

# SQL text here is assembled from constant fragments only; every value is a ? parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from typing import Any

import msgspec

from ...domain.events import Event, EventKind, NewEvent
from ...domain.identity import Role
from ...domain.presence import Presence, PresenceState
from ._times import to_key, to_time

_PRESENCE = "device_addr, user_id, role, state, viewing_ticket_id, typing, last_seen"
_PRESENCE_GET = f"SELECT {_PRESENCE} FROM presence WHERE device_addr = ?"
_PRESENCE_PUT = (
    f"INSERT INTO presence ({_PRESENCE}) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (device_addr) DO UPDATE SET user_id = excluded.user_id, role = excluded.role, "
    "state = excluded.state, viewing_ticket_id = excluded.viewing_ticket_id, "
    "typing = excluded.typing, last_seen = excluded.last_seen"
)
_PRESENCE_REMOVE = "DELETE FROM presence WHERE device_addr = ?"
_PRESENCE_ON_TICKET = (
    f"SELECT {_PRESENCE} FROM presence WHERE viewing_ticket_id = ? ORDER BY device_addr"
)
_PRESENCE_ALL = f"SELECT {_PRESENCE} FROM presence ORDER BY device_addr"

_PresenceRow = tuple[str, int, str, str, int | None, int, int]


def _presence(row: _PresenceRow) -> Presence:
    return Presence(
        device_addr=row[0], user_id=row[1], role=Role(row[2]), state=PresenceState(row[3]),
        viewing_ticket_id=row[4], typing=bool(row[5]), last_seen=to_time(row[6]),
    )


class SqlitePresence:
    """The last heartbeat of each device."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def get(self, device_addr: str) -> Presence | None:
        """The device's last heartbeat, or ``None``."""
        row = self._c.execute(_PRESENCE_GET, (device_addr,)).fetchone()
        return None if row is None else _presence(row)

    def put(self, presence: Presence) -> None:
        """Record a heartbeat, replacing the device's previous one."""
        p = presence
        self._c.execute(_PRESENCE_PUT, (
            p.device_addr, p.user_id, p.role.value, p.state.value, p.viewing_ticket_id,
            int(p.typing), to_key(p.last_seen),
        ))

    def remove(self, device_addr: str) -> None:
        """Forget a device's heartbeat (nothing happens if there is none)."""
        self._c.execute(_PRESENCE_REMOVE, (device_addr,))

    def on_ticket(self, ticket_id: int) -> list[Presence]:
        """Heartbeats of devices viewing a ticket, by address."""
        return [_presence(row) for row in self._c.execute(_PRESENCE_ON_TICKET, (ticket_id,))]

    def all(self) -> list[Presence]:
        """Every heartbeat, by address."""
        return [_presence(row) for row in self._c.execute(_PRESENCE_ALL)]


_EVENT_APPEND = (
    "INSERT INTO events (kind, ticket_id, requester_id, internal, occurred_at, data) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_EVENT_AFTER = (
    "SELECT seq, kind, ticket_id, requester_id, internal, occurred_at, data FROM events "
    "WHERE seq > ? ORDER BY seq LIMIT ?"
)
_EVENT_LAST = "SELECT COALESCE(MAX(seq), 0) FROM events"
# msgspec, built once: json.dumps cost ~8 us per event on the single writer (see D-09).
_ENCODE = msgspec.json.Encoder().encode
_DECODE_DATA = msgspec.json.Decoder(dict[str, Any]).decode


class SqliteEvents:
    """Durable events with the project's increasing sequence number."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def append(self, event: NewEvent) -> Event:
        """Store an event; the returned copy carries its sequence number."""
        data = _ENCODE(dict(event.data)).decode()
        cur = self._c.execute(_EVENT_APPEND, (
            event.kind.value, event.ticket_id, event.requester_id, int(event.internal),
            to_key(event.occurred_at), data,
        ))
        seq = cur.lastrowid
        if seq is None:  # pragma: no cover - an INSERT into a rowid table always sets it
            raise RuntimeError("SQLite did not report the event's sequence number")
        return event.numbered(seq)

    def after(self, seq: int, *, limit: int) -> list[Event]:
        """Events numbered above ``seq``, oldest first, at most ``limit``."""
        return [
            Event(seq=r[0], kind=EventKind(r[1]), ticket_id=r[2], requester_id=r[3],
                  internal=bool(r[4]), occurred_at=to_time(r[5]), data=_DECODE_DATA(r[6]))
            for r in self._c.execute(_EVENT_AFTER, (seq, limit))
        ]

    def last_seq(self) -> int:
        """The highest sequence number so far (0 before the first event)."""
        return int(self._c.execute(_EVENT_LAST).fetchone()[0])
