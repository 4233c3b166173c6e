"""``health``: what is wrong with the running server right now, each with what to do.

Asked over the admin socket (``admin.health``), so it reports the server's own view:
whether its database takes a write, whether its overlay address still is the daemon's,
whether mail goes out, whether backups keep up. ``doctor`` checks the set-up from the
outside, without a running server.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from ...adapters.mail.counting import MailTally
from ...adapters.mycelium import MyceliumError, MyceliumOverlay
from ...adapters.sqlite import SqliteStorage, StorageError
from ...domain.ports import Overlay
from .._checks import Finding
from .backups import BackupService

WRITE_TIMEOUT = 10.0  # longer than SQLite's busy timeout, so a lock shows as its error
LOW_DISK_BYTES = 256 * 1024 * 1024


class HealthCheck:
    """The checks of one running server."""

    def __init__(self, *, storage: SqliteStorage, overlay: Overlay, bound_address: str,
                 mail: MailTally, backups: BackupService, data_dir: Path) -> None:
        self._storage = storage
        self._overlay = overlay
        self._bound = bound_address
        self._mail = mail
        self._backups = backups
        self._data_dir = data_dir

    async def run(self) -> list[Finding]:
        """Every check, in a fixed order."""
        return [await self._database(), self._disk(), await self._overlay_address(),
                self._mail_delivery(), self._backup_schedule()]

    async def _database(self) -> Finding:
        path = self._storage.path
        for candidate in (self._data_dir, path):
            if os.geteuid() != 0 and not os.access(candidate, os.W_OK):
                return Finding("database", ok=False, detail=f"{candidate} is not writable",
                               advice=f"give the server's user write access to {candidate}")
        try:
            # A real transaction through the writer: takes the write lock and commits.
            await asyncio.wait_for(self._storage.write(lambda _repos: None), WRITE_TIMEOUT)
        except (StorageError, TimeoutError) as exc:
            reason = str(exc) or "no answer"
            return Finding("database", ok=False, detail=f"a write failed: {reason}",
                           advice="check the disk and that no other process holds "
                           f"{path.name} locked (fuser {path})")
        depth = self._storage.queue_depth
        return Finding("database", ok=True, detail=f"writable ({depth} write(s) queued)")

    def _disk(self) -> Finding:
        free = shutil.disk_usage(self._data_dir).free
        if free < LOW_DISK_BYTES:
            return Finding("disk", ok=False, detail=f"only {free // 2**20} MiB free",
                           advice=f"free space on the disk of {self._data_dir}")
        return Finding("disk", ok=True, detail=f"{free // 2**20} MiB free")

    async def _overlay_address(self) -> Finding:
        if not isinstance(self._overlay, MyceliumOverlay):
            return Finding("overlay", ok=True,
                           detail=f"{self._overlay.name} overlay on {self._bound} (demo only)")
        try:
            info = await self._overlay.node_info()
        except MyceliumError as exc:
            return Finding("overlay", ok=False,
                           detail=f"the mycelium daemon does not answer: {exc}",
                           advice="start the mycelium daemon (systemctl start mycelium); "
                           "devices cannot reach the server until it runs")
        if str(info.address) != self._bound:
            return Finding("overlay", ok=False,
                           detail=f"the node address changed: serving {self._bound}, the "
                           f"daemon now has {info.address}",
                           advice="restart the server (systemd does it on its own); devices "
                           "must follow the new address")
        return Finding("overlay", ok=True, detail=f"mycelium node {self._bound}")

    def _mail_delivery(self) -> Finding:
        # H3's durable mail queue will report its own failing entries here.
        tally = self._mail
        if tally.failing:
            return Finding("mail", ok=False,
                           detail=f"the last {tally.consecutive_failures} email(s) failed: "
                           f"{tally.last_error}",
                           advice="check mail.* in server.json and that the SMTP server "
                           "answers (hero-assistance-server doctor)")
        return Finding("mail", ok=True, detail=f"{tally.sent} sent, {tally.failed} failed")

    def _backup_schedule(self) -> Finding:
        backups = self._backups
        if backups.settings.interval is None:
            return Finding("backups", ok=True, detail="no scheduled backups (backup.every)")
        if backups.last_error:
            return Finding("backups", ok=False, detail=f"the last backup failed: "
                           f"{backups.last_error}",
                           advice=f"check the space and permissions of {backups.directory}")
        if backups.overdue(datetime.now(UTC)):
            return Finding("backups", ok=False, detail="scheduled backups are overdue",
                           advice="see the server's log for the backup errors")
        last = backups.last_success.isoformat() if backups.last_success else "none yet"
        return Finding("backups", ok=True, detail=f"every {backups.settings.every}, "
                       f"last {last}")
