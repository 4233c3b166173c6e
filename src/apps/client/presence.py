"""Presence heartbeats: what the user is looking at, repeated while they are there."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ...domain.presence import PresenceState
from .errors import SupportClientError


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity:
    """What the user is doing in one project: sent with every heartbeat."""

    state: PresenceState = PresenceState.ONLINE
    viewing_ticket_id: int | None = None
    typing: bool = False


class PresenceBeacon:
    """Sends the current :class:`Activity` at once when it changes, then every interval.

    Nothing is sent until an activity is set, nor while ``ready()`` is false (not
    signed in, or the server is unreachable); :meth:`poke` re-checks after such a
    change. Clearing the activity sends one ``offline`` heartbeat and stops.
    """

    def __init__(self, send: Callable[[Activity], Awaitable[object]],
                 ready: Callable[[], bool], interval: float) -> None:
        self._send = send
        self._ready = ready
        self._interval = interval
        self._activity: Activity | None = None
        self._sign_off = False
        self._changed = asyncio.Event()

    @property
    def activity(self) -> Activity | None:
        """The activity being announced, if any."""
        return self._activity

    def set(self, activity: Activity | None) -> None:
        """Announce ``activity`` from now on (``None``: say offline once, then stop)."""
        if activity == self._activity:
            return
        self._sign_off = activity is None and self._activity is not None
        self._activity = activity
        self.poke()

    def poke(self) -> None:
        """Something changed (activity, sign-in, reachability): look again now."""
        self._changed.set()

    async def run(self) -> None:
        """The heartbeat loop; runs until cancelled."""
        while True:
            self._changed.clear()
            timeout: float | None = None
            if self._ready():
                timeout = await self._beat()
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
            # that lands just as the event is set, and the beacon would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._changed.wait()

    async def _beat(self) -> float | None:
        if self._sign_off:
            self._sign_off = False
            # Best effort: the server also signs a device off when its socket closes.
            with contextlib.suppress(SupportClientError):
                await self._send(Activity(state=PresenceState.OFFLINE))
            return None
        if self._activity is None:
            return None
        # A failed beat changes the connection's state, which pokes the beacon again.
        with contextlib.suppress(SupportClientError):
            await self._send(self._activity)
        return self._interval
