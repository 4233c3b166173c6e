"""Sliding-window rate limits, kept in memory and fed the time by the caller."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import RateLimited


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` events per ``window``."""

    count: int
    window: timedelta


class SlidingWindow:
    """Counts events per key and refuses the one that would exceed the limit.

    Pure bookkeeping: the caller passes ``now``. Keys whose events all left the window
    are forgotten, so memory follows active keys, not every key ever seen.
    """

    def __init__(self, limit: Limit, what: str) -> None:
        self._limit = limit
        self._what = what
        self._events: dict[str, deque[datetime]] = {}

    def hit(self, key: str, now: datetime) -> None:
        """Record one event for ``key`` or raise ``RateLimited`` without recording it."""
        events = self._events.setdefault(key, deque())
        horizon = now - self._limit.window
        while events and events[0] <= horizon:
            events.popleft()
        if len(events) >= self._limit.count:
            retry_after = (events[0] + self._limit.window - now).total_seconds()
            raise RateLimited(self._what, retry_after)
        events.append(now)
        if len(self._events) > 4096:
            self._forget_idle(horizon)

    def _forget_idle(self, horizon: datetime) -> None:
        idle = [k for k, ev in self._events.items() if not ev or ev[-1] <= horizon]
        for key in idle:
            del self._events[key]
