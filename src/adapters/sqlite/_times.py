"""Times as the schema stores them: integer microseconds since the epoch, UTC."""

from __future__ import annotations

from datetime import datetime

from ...domain.listing import from_timestamp_key, timestamp_key

to_key = timestamp_key
to_time = from_timestamp_key


def to_key_or_none(moment: datetime | None) -> int | None:
    """The stored form of an optional time."""
    return None if moment is None else timestamp_key(moment)


def to_time_or_none(key: int | None) -> datetime | None:
    """An optional stored time as an aware UTC datetime."""
    return None if key is None else from_timestamp_key(key)
