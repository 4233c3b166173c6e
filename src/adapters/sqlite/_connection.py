"""Opening connections, and the one thread that may touch each of them.

A ``sqlite3.Connection`` is owned by one dedicated thread for its whole life. The event
loop hands that thread whole functions (a unit of work, a batch of them) rather than
single statements, so one thread hop pays for many statements (D-03).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ._fts import register_fold
from ._repositories import SqliteRepositories
from .errors import StorageClosed, StorageError

T = TypeVar("T")

SYNCHRONOUS_MODES = frozenset({"FULL", "NORMAL", "EXTRA"})
BUSY_TIMEOUT_MS = 5_000
CACHE_KIB = 16 * 1024
STATEMENT_CACHE = 256  # every statement text the repositories use, with room to spare


def open_connection(path: Path, *, synchronous: str, read_only: bool) -> sqlite3.Connection:
    """A connection with the adapter's settings; call it on the thread that will own it.

    ``isolation_level=None`` turns off the module's implicit transactions: the writer and
    the readers issue ``BEGIN``/``COMMIT`` themselves, so a transaction is exactly what
    the code says it is.
    """
    conn = sqlite3.connect(
        path, isolation_level=None, cached_statements=STATEMENT_CACHE,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    try:
        register_fold(conn)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA foreign_keys = ON")
        if read_only:
            # A read that tries to write fails loudly instead of racing the writer.
            conn.execute("PRAGMA query_only = ON")
        else:
            _require_wal(conn, path)
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            _require_fts5(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _require_wal(conn: sqlite3.Connection, path: Path) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StorageError(f"{path}: SQLite refused WAL mode (got {mode!r})")


def _require_fts5(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
    except sqlite3.OperationalError as exc:
        raise StorageError(
            f"this SQLite ({sqlite3.sqlite_version}) was built without FTS5, which ticket "
            "search needs; use a Python whose sqlite3 has FTS5 enabled"
        ) from exc
    conn.execute("DROP TABLE temp.fts5_probe")


@dataclass(frozen=True, slots=True)
class Session:
    """A connection and the repositories over it, used only on the owning thread."""

    conn: sqlite3.Connection
    repos: SqliteRepositories


class ConnectionThread:
    """A connection and the single thread that runs every call on it, in order."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._session: Session | None = None

    async def open(self, opener: Callable[[], sqlite3.Connection],
                   repositories: Callable[[sqlite3.Connection], SqliteRepositories]) -> None:
        """Create the connection on the owning thread, and its repositories."""
        loop = asyncio.get_running_loop()
        conn = await loop.run_in_executor(self._executor, opener)
        self._session = Session(conn, repositories(conn))

    async def run(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn(session)`` on the owning thread: one hop, however much it does.

        If the awaiting task is cancelled, ``fn`` still runs to its end; calls queue on
        the one thread, so the next call never overlaps it.
        """
        session = self._session
        if session is None:
            raise StorageClosed(f"{self._name}: the connection is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, session)

    async def close(self) -> None:
        """Close the connection on its thread (after every call queued before), end the
        thread."""
        session, self._session = self._session, None
        try:
            if session is not None:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(self._executor, session.conn.close)
        finally:
            self._executor.shutdown(wait=True)
