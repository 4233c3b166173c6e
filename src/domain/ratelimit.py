"""Sliding-window rate limits, kept in memory and fed the time by the caller."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import RateLimited


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` events per ``window``."""

    count: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a limit allows at least one event")
        if self.window <= timedelta(0):
            raise ValueError("a limit's window must be longer than zero")


class SlidingWindow:
    """Counts events per key and refuses the one that would exceed the limit.

    Pure bookkeeping: the caller passes ``now``. Keys whose events all left the window
    are forgotten, so memory follows active keys, not every key ever seen.

    Keys are kept in the order of their newest event (a hit moves its key to the end),
    so the idle ones are always at the front: each hit forgets the idle keys in front
    and stops at the first active one. Every key is forgotten at most once per event
    it recorded, so a hit costs O(1) amortised however many keys are active.
    ``examined`` counts the keys looked at while forgetting, to show that.
    """

    def __init__(self, limit: Limit, what: str) -> None:
        self._limit = limit
        self._what = what
        self._events: OrderedDict[Hashable, deque[datetime]] = OrderedDict()
        self.examined = 0

    def __len__(self) -> int:
        """The number of keys with events still in (or just leaving) the window."""
        return len(self._events)

    def hit(self, key: Hashable, now: datetime, weight: int = 1) -> None:
        """Record ``weight`` events for ``key`` or raise ``RateLimited`` recording none.

        A weight above the limit counts as the whole limit: one such call fits an empty
        window, so a bulk change of 100 tickets works (alone) under a limit of 20.
        """
        weight = max(1, min(weight, self._limit.count))
        horizon = now - self._limit.window
        self._forget_idle(horizon)
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
        while events and events[0] <= horizon:
            events.popleft()
        if len(events) + weight > self._limit.count:
            # Room for ``weight`` once the oldest events that are too many have left.
            freed = events[len(events) + weight - self._limit.count - 1]
            retry_after = (freed + self._limit.window - now).total_seconds()
            raise RateLimited(self._what, retry_after)
        events.extend([now] * weight)
        self._events.move_to_end(key)

    def _forget_idle(self, horizon: datetime) -> None:
        # A clock that steps back can leave an idle key behind an active one; it is
        # then forgotten a little later, and its own hit still prunes it exactly.
        events = self._events
        while events:
            self.examined += 1
            oldest_key = next(iter(events))
            newest = events[oldest_key]
            if newest and newest[-1] > horizon:
                return
            del events[oldest_key]
