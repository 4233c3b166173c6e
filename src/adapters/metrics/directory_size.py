"""The bytes under a directory, measured on a worker thread and kept for a while."""

from __future__ import annotations

import os
import time
from pathlib import Path

import anyio.to_thread


class DirectorySize:
    """``await refresh()`` re-measures at most every ``max_age`` seconds; ``bytes`` and
    ``files`` are the last measurement. Walking many files costs disk reads, so a scrape
    every 15 s does not walk every time."""

    def __init__(self, root: Path, *, max_age: float = 60.0) -> None:
        self._root = root
        self._max_age = max_age
        self._measured_at: float | None = None
        self.bytes = 0
        self.files = 0

    async def refresh(self) -> None:
        """Measure again if the last measurement is older than ``max_age``."""
        now = time.monotonic()
        if self._measured_at is not None and now - self._measured_at < self._max_age:
            return
        self.bytes, self.files = await anyio.to_thread.run_sync(_measure, self._root)
        self._measured_at = now


def _measure(root: Path) -> tuple[int, int]:
    total = files = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            try:
                total += os.stat(os.path.join(folder, name)).st_size  # noqa: PTH116, PTH118
            except FileNotFoundError:
                continue
            files += 1
    return total, files
