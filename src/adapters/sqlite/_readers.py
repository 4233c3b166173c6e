"""A small pool of reader connections, each on its own thread, each read one snapshot."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from typing import TypeVar

from ._connection import ConnectionThread, Session
from ._repositories import SqliteRepositories
from .errors import out_of_range, translate

T = TypeVar("T")


def _in_snapshot(work: Callable[[SqliteRepositories], T], session: Session) -> T:
    """On a reader thread: run ``work`` inside one read transaction (one WAL snapshot)."""
    execute = session.conn.execute
    execute("BEGIN")
    try:
        result = work(session.repos)
    except BaseException:
        with contextlib.suppress(sqlite3.Error):  # the work's own error says more
            execute("ROLLBACK")
        raise
    execute("COMMIT")
    return result


class ReaderPool:
    """Hands each read to a free reader; reads run in parallel with the writer (WAL)."""

    def __init__(self, readers: list[ConnectionThread]) -> None:
        self._readers = readers
        self._free: asyncio.LifoQueue[ConnectionThread] = asyncio.LifoQueue()
        for reader in readers:
            self._free.put_nowait(reader)

    async def read(self, work: Callable[[SqliteRepositories], T]) -> T:
        """Run ``work`` on a free reader; domain errors pass through, sqlite3 ones are
        translated."""
        reader = await self._free.get()
        try:
            return await reader.run(lambda s: _in_snapshot(work, s))
        except sqlite3.Error as exc:
            raise translate(exc) from exc
        except OverflowError as exc:  # an integer beyond 64 bits bound to a query
            raise out_of_range(exc) from exc
        finally:
            # Safe even if this task was cancelled mid-read: the reader's single thread
            # finishes that read before it starts the next one.
            self._free.put_nowait(reader)

    async def close(self) -> None:
        """Close every reader once the reads queued on it are done."""
        for reader in self._readers:
            await reader.close()
