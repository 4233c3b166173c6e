"""Wall-clock time in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """The machine's clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        """The current time."""
        return datetime.now(UTC)
