"""``SqliteStorage``: the Storage port over one SQLite file (D-03).

One writer connection with group commit, a few reader connections, each connection on a
thread of its own. Use it as::

    store = SqliteStorage(path)
    await store.start(default_project=settings)
    try:
        ...  # await store.read(fn) / await store.write(fn)
    finally:
        await store.close()

or, equivalently, ``async with await SqliteStorage.open(path, settings) as store: ...``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar

import anyio.to_thread

from ...domain.ports import Storage
from ...domain.project import ProjectSettings
from ._backup import backup_file
from ._connection import SYNCHRONOUS_MODES, ConnectionThread, Session, open_connection
from ._migrations import bundled, migrate
from ._readers import ReaderPool
from ._repositories import SqliteRepositories
from ._sealing import BodySeal
from ._writer import GroupCommitWriter, WriterStats
from .errors import StorageClosed, StorageError, translate

T = TypeVar("T")


def _prepare(default_project: ProjectSettings, session: Session) -> None:
    """On the writer thread: bring the schema up to date, seed the project row if new."""
    migrate(session.conn, bundled())
    session.conn.execute(
        "INSERT OR IGNORE INTO project (id, name, customers_see_all_tickets) VALUES (1, ?, ?)",
        (default_project.name, int(default_project.customers_see_all_tickets)),
    )


def _optimize(session: Session) -> None:
    session.conn.execute("PRAGMA optimize")


class SqliteStorage:
    """The :class:`~hero_assistance.domain.ports.Storage` port over one SQLite file."""

    def __init__(self, path: Path, *, readers: int = 2, synchronous: str = "FULL",
                 mail_key: bytes | None = None,
                 on_batch: Callable[[int], None] | None = None) -> None:
        """Describe the store; nothing is opened until :meth:`start`.

        ``synchronous`` is ``FULL`` (an acknowledged write survives power loss) or
        ``NORMAL`` (it survives a crash of the process, not of the machine).
        ``mail_key`` (32 bytes) seals queued mail bodies; the server passes the key of
        its data directory's key file. Without one the store makes a key that dies with
        it: mail queued then cannot be read after the store is opened again.
        ``on_batch(size)`` hears the size of every committed write batch (metrics).
        """
        mode = synchronous.upper()
        if mode not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {sorted(SYNCHRONOUS_MODES)}")
        if readers < 1:
            raise ValueError("readers must be at least 1")
        self._path = Path(path)
        self._synchronous = mode
        self._reader_count = readers
        self._repositories = partial(
            SqliteRepositories,
            seal=BodySeal(mail_key) if mail_key is not None else BodySeal.ephemeral())
        self._on_batch = on_batch
        self._writer_thread: ConnectionThread | None = None
        self._writer: GroupCommitWriter | None = None
        self._readers: ReaderPool | None = None

    @classmethod
    async def open(
        cls, path: Path, default_project: ProjectSettings, *, readers: int = 2,
        synchronous: str = "FULL", mail_key: bytes | None = None,
    ) -> Self:
        """A started store (for ``async with await SqliteStorage.open(...) as store``)."""
        store = cls(path, readers=readers, synchronous=synchronous, mail_key=mail_key)
        await store.start(default_project)
        return store

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    @property
    def stats(self) -> WriterStats:
        """Writer counters: committed batches, committed and failed units of work."""
        if self._writer is None:
            return WriterStats(batches=0, writes=0, failed=0)
        return self._writer.stats

    @property
    def queue_depth(self) -> int:
        """Writes waiting for the next group commit (0 when closed)."""
        return 0 if self._writer is None else self._writer.queue_depth

    async def start(self, default_project: ProjectSettings) -> None:
        """Open (or create) the file, migrate it, seed the project row if it is new."""
        if self._writer_thread is not None:
            raise StorageError("the store is already started")
        writer_thread = ConnectionThread("sqlite-writer")
        self._writer_thread = writer_thread
        readers: list[ConnectionThread] = []
        try:
            await writer_thread.open(
                partial(open_connection, self._path, synchronous=self._synchronous,
                        read_only=False), self._repositories,
            )
            await writer_thread.run(partial(_prepare, default_project))
            for number in range(self._reader_count):
                reader = ConnectionThread(f"sqlite-reader-{number}")
                readers.append(reader)
                await reader.open(
                    partial(open_connection, self._path, synchronous=self._synchronous,
                            read_only=True), self._repositories,
                )
        except BaseException as exc:
            for thread in (*readers, writer_thread):
                await thread.close()
            self._writer_thread = None
            if isinstance(exc, sqlite3.Error):
                raise translate(exc) from exc
            raise
        self._readers = ReaderPool(readers)
        self._writer = GroupCommitWriter(writer_thread, on_batch=self._on_batch)
        self._writer.start()

    async def close(self) -> None:
        """Finish queued writes, stop the writer, close every connection. Idempotent."""
        writer, self._writer = self._writer, None
        readers, self._readers = self._readers, None
        writer_thread, self._writer_thread = self._writer_thread, None
        try:
            if writer is not None:
                await writer.close()
            if writer_thread is not None:
                # Lets the planner keep statistics for the indexes queries actually used.
                await writer_thread.run(_optimize)
        finally:
            if readers is not None:
                await readers.close()
            if writer_thread is not None:
                await writer_thread.close()

    async def __aenter__(self) -> Self:
        """Use a started store as a context that closes it."""
        if self._writer is None:
            raise StorageClosed("start the store (or use SqliteStorage.open) before 'async with'")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
        await self.close()

    async def read(self, work: Callable[[SqliteRepositories], T]) -> T:
        """Run ``work`` over one consistent snapshot on a reader connection."""
        if self._readers is None:
            raise StorageClosed("the store is not open")
        return await self._readers.read(work)

    async def write(self, work: Callable[[SqliteRepositories], T]) -> T:
        """Run ``work`` in the next group-commit batch; return once it is durable.

        If ``work`` raises, nothing it did is kept and the exception propagates unchanged
        (a ``sqlite3`` error becomes a :class:`StorageError`); other jobs of the batch
        are not affected.
        """
        if self._writer is None:
            raise StorageClosed("the store is not open")
        return await self._writer.submit(work)

    async def attachment_totals(self) -> tuple[int, int]:
        """How many attachments are stored, and their bytes (one read)."""
        return await self.read(lambda repos: repos.attachments.totals())

    async def backup(self, target: Path) -> None:
        """Copy a consistent snapshot of the database to ``target`` while writes go on."""
        if self._writer is None:
            raise StorageClosed("the store is not open")
        try:
            await anyio.to_thread.run_sync(backup_file, self._path, Path(target))
        except sqlite3.Error as exc:
            raise translate(exc) from exc
        except OSError as exc:
            raise StorageError(f"backup to {target} failed: {exc}") from exc


if TYPE_CHECKING:

    def _implements_the_port(store: SqliteStorage) -> Storage:
        return store  # mypy --strict proves SqliteStorage (and its repositories) fit the port
