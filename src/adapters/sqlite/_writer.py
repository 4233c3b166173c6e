"""The single writer: group commit of many units of work in one transaction.

Callers enqueue a unit of work and await a future. One task takes everything queued
(up to ``max_batch``) and, in ONE hop to the writer thread, runs::

    BEGIN IMMEDIATE
      SAVEPOINT job; work(repos); RELEASE job        -- per job
      (ROLLBACK TO job; RELEASE job if it raised)    -- that job alone is undone
    COMMIT

Futures resolve only after COMMIT returned, so an acknowledged write is durable. Jobs
that arrive while a batch runs form the next batch, so the batch size follows the load:
one job when idle, hundreds under pressure, and the fsync is paid once per batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from ._connection import ConnectionThread, Session
from ._repositories import SqliteRepositories
from .errors import StorageClosed, StorageError, out_of_range, translate

T = TypeVar("T")

MAX_BATCH = 256

Work = Callable[[SqliteRepositories], Any]


@dataclass(frozen=True, slots=True)
class WriterStats:
    """What the writer has done so far (for observability; a snapshot, not live)."""

    batches: int  # transactions committed
    writes: int  # units of work committed
    failed: int  # units of work that raised and were rolled back alone


@dataclass(slots=True)
class _Job:
    work: Work
    future: asyncio.Future[Any]


def _job_error(exc: Exception) -> Exception:
    """What the caller sees: its own exception, or the adapter error for a sqlite3 one."""
    if isinstance(exc, sqlite3.Error | OverflowError):
        error = translate(exc) if isinstance(exc, sqlite3.Error) else out_of_range(exc)
        error.__cause__ = exc
        return error
    return exc


def _run_batch(jobs: list[_Job], session: Session) -> list[tuple[bool, Any]]:
    """On the writer thread: one transaction, one savepoint per job, one COMMIT."""
    execute = session.conn.execute
    repos = session.repos
    outcomes: list[tuple[bool, Any]] = []
    execute("BEGIN IMMEDIATE")
    try:
        for job in jobs:
            execute("SAVEPOINT job")
            try:
                value = job.work(repos)
            except Exception as exc:  # noqa: BLE001 - handed to that job's caller unchanged
                execute("ROLLBACK TO job")
                execute("RELEASE job")
                outcomes.append((False, _job_error(exc)))
            else:
                execute("RELEASE job")
                outcomes.append((True, value))
        execute("COMMIT")
    except BaseException:
        if session.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # the original error says more
                execute("ROLLBACK")
        raise
    return outcomes


class GroupCommitWriter:
    """Runs every write on one connection, many per transaction."""

    def __init__(self, thread: ConnectionThread, *, max_batch: int = MAX_BATCH,
                 on_batch: Callable[[int], None] | None = None) -> None:
        """``on_batch(size)`` is called on the event loop after each committed batch."""
        self._thread = thread
        self._on_batch = on_batch
        self._max_batch = max_batch
        self._queue: deque[_Job] = deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._batches = 0
        self._writes = 0
        self._failed = 0

    @property
    def queue_depth(self) -> int:
        """Units of work waiting for the next batch."""
        return len(self._queue)

    @property
    def stats(self) -> WriterStats:
        """Counters since start."""
        return WriterStats(batches=self._batches, writes=self._writes, failed=self._failed)

    def start(self) -> None:
        """Start the writer task on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sqlite-writer")

    async def submit(self, work: Callable[[SqliteRepositories], T]) -> T:
        """Queue ``work`` and wait until the transaction that ran it is committed."""
        if self._closing or self._task is None:
            raise StorageClosed("the store is not open for writing")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append(_Job(work, future))
        self._wake.set()
        return cast(T, await future)

    async def close(self) -> None:
        """Run what is queued, then stop the task (the connection stays open)."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    def _take(self) -> list[_Job]:
        batch: list[_Job] = []
        queue = self._queue
        while queue and len(batch) < self._max_batch:
            job = queue.popleft()
            if not job.future.done():  # a caller that gave up before we started
                batch.append(job)
        return batch

    async def _run(self) -> None:
        while True:
            if not self._queue:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = self._take()
            if batch:
                try:
                    await self._commit(batch)
                except asyncio.CancelledError:
                    self._fail(batch, StorageClosed, "the writer was stopped")
                    self._fail(list(self._queue), StorageClosed, "the writer was stopped")
                    self._queue.clear()
                    raise

    async def _commit(self, batch: list[_Job]) -> None:
        try:
            outcomes = await self._thread.run(lambda s: _run_batch(batch, s))
        except sqlite3.Error as exc:
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(_job_error(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a bug must fail its callers, not the writer
            self._fail(batch, StorageError, f"the write batch failed: {exc!r}", exc)
            return
        self._batches += 1
        if self._on_batch is not None:
            self._on_batch(len(batch))
        for job, (ok, value) in zip(batch, outcomes, strict=True):
            if ok:
                self._writes += 1
            else:
                self._failed += 1
            if job.future.done():
                continue
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)

    @staticmethod
    def _fail(jobs: list[_Job], kind: type[StorageError], message: str,
              cause: BaseException | None = None) -> None:
        for job in jobs:
            if not job.future.done():
                error = kind(message)
                error.__cause__ = cause
                job.future.set_exception(error)
