"""Scheduled and on-demand backup sets of the running server (``backup`` in server.json).

One backup runs at a time. The schedule follows the newest complete set on disk, so a
restart does not take an extra backup nor skip one: the next set is due ``every`` after
the newest (at once when none is recent enough).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio.to_thread

from ...adapters.backups import (
    BackupError,
    BackupSet,
    abandon,
    finish_set,
    list_sets,
    rotate,
    start_set,
)
from ...adapters.backups.sets import DATABASE
from ...adapters.sqlite import SqliteStorage, StorageError
from .config import BackupConfig

_log = logging.getLogger("hero_assistance.server.backups")
RETRY_AFTER = timedelta(minutes=5)


class BackupService:
    """Takes verified backup sets into one directory and keeps the newest ``keep``."""

    def __init__(self, storage: SqliteStorage, *, blob_root: Path, config_file: Path,
                 settings: BackupConfig, data_dir: Path) -> None:
        self._storage = storage
        self._blob_root = blob_root
        self._config_file = config_file
        self.settings = settings
        self.directory = data_dir / settings.directory  # an absolute directory replaces it
        self._lock = asyncio.Lock()
        self.last_success: datetime | None = None
        self.last_error = ""
        self.failures = 0

    async def backup_now(self) -> BackupSet:
        """Take one set now (waiting for one already running), then rotate."""
        async with self._lock:
            taken_at = datetime.now(UTC)
            try:
                partial = await anyio.to_thread.run_sync(start_set, self.directory, taken_at)
                try:
                    await self._storage.backup(partial / DATABASE)
                except BaseException:
                    await anyio.to_thread.run_sync(abandon, partial)
                    raise
                backup = await anyio.to_thread.run_sync(
                    lambda: finish_set(partial, self._blob_root, taken_at=taken_at,
                                       config_file=self._config_file))
                removed = await anyio.to_thread.run_sync(rotate, self.directory,
                                                         self.settings.keep)
            except (BackupError, StorageError, OSError) as exc:
                self.failures += 1
                self.last_error = str(exc)
                _log.error("backup into %s failed: %s", self.directory, exc)
                raise BackupError(str(exc)) from exc
            self.last_success, self.last_error = taken_at, ""
            _log.info("backup %s: %d attachment(s), %d bytes of database; %d old set(s) "
                      "removed", backup.path.name, backup.attachments, backup.database_bytes,
                      len(removed))
            return backup

    async def sets(self) -> list[BackupSet]:
        """Complete sets on disk, oldest first."""
        return await anyio.to_thread.run_sync(list_sets, self.directory)

    async def run_schedule(self) -> None:
        """Take a set every ``backup.every`` until cancelled (nothing if not scheduled)."""
        every = self.settings.interval
        if every is None:
            return
        sets = await self.sets()
        if sets:
            self.last_success = sets[-1].taken_at
        while True:
            due = (self.last_success + every) if self.last_success else datetime.now(UTC)
            await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
            try:
                await self.backup_now()
            except BackupError:  # logged and counted by backup_now; health reports it
                await asyncio.sleep(min(RETRY_AFTER, every).total_seconds())
            except Exception:  # noqa: BLE001 - the schedule must outlive a bug in one backup
                self.failures += 1
                self.last_error = "unexpected error (see the log)"
                _log.exception("scheduled backup failed")
                await asyncio.sleep(min(RETRY_AFTER, every).total_seconds())

    def overdue(self, now: datetime) -> bool:
        """Whether scheduled backups are behind by more than one interval."""
        every = self.settings.interval
        if every is None:
            return False
        if self.last_success is None:
            return self.failures > 0
        return now - self.last_success > 2 * every
