"""Repository of request keys (``request_keys``, D-18)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from ...domain.request_keys import RequestKey
from ._times import to_key, to_time
from .errors import execute_checked

_GET = ("SELECT user_id, key, method, digest, created_at, outcome FROM request_keys "
        "WHERE user_id = ? AND key = ?")
_ADD = ("INSERT INTO request_keys (user_id, key, method, digest, outcome, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)")
_SETTLE = "UPDATE request_keys SET outcome = ? WHERE user_id = ? AND key = ?"
_PURGE = (
    "DELETE FROM request_keys WHERE rowid IN (SELECT rowid FROM request_keys "
    "WHERE created_at < ? ORDER BY created_at LIMIT ?)"
)


class SqliteRequestKeys:
    """Writes done under a request key, per user and key."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def get(self, user_id: int, key: str) -> RequestKey | None:
        """The stored key, or ``None``."""
        row = self._c.execute(_GET, (user_id, key)).fetchone()
        if row is None:
            return None
        outcome = None if row[5] is None else bytes(row[5])
        return RequestKey(user_id=row[0], key=row[1], method=row[2], digest=row[3],
                          created_at=to_time(row[4]), outcome=outcome)

    def add(self, record: RequestKey) -> None:
        """Store a new key; one the user already has raises ``DuplicateKey``."""
        execute_checked(self._c, _ADD, (
            record.user_id, record.key, record.method, record.digest, record.outcome,
            to_key(record.created_at),
        ))

    def settle(self, user_id: int, key: str, outcome: bytes) -> bool:
        """Record the result of the key's write; ``False`` if the key is not stored."""
        return self._c.execute(_SETTLE, (outcome, user_id, key)).rowcount == 1

    def purge_before(self, moment: datetime, *, limit: int) -> int:
        """Forget at most ``limit`` keys older than ``moment``, oldest first."""
        return self._c.execute(_PURGE, (to_key(moment), limit)).rowcount
