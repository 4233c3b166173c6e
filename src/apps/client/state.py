"""The state of one followed project, and a cell that lets callers watch it change."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from ...adapters.support_rpc.wire import ProjectInfo, UserView, WhoAmI
from ...domain.identity import Role

T = TypeVar("T")


class Phase(StrEnum):
    """Where the connection to a project's server stands."""

    CONNECTING = "connecting"
    """Opened; the server has not answered yet."""
    ONLINE = "online"
    """The server answers."""
    UNREACHABLE = "unreachable"
    """The server did not answer; the connection retries with backoff."""
    CLOSED = "closed"
    """The connection was closed (or the project unfollowed)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectState:
    """A snapshot of one followed project, as a UI would show it.

    ``bound`` says whether this device is signed in; ``user`` (and ``role``) are known
    once it is. ``streaming`` is true while the live event stream is subscribed.
    ``last_error`` is the most recent problem in words, cleared when things work again.
    """

    label: str
    server: str
    phase: Phase = Phase.CONNECTING
    device_addr: str | None = None
    project_name: str | None = None
    bound: bool = False
    user: UserView | None = None
    streaming: bool = False
    last_error: str | None = None

    @property
    def reachable(self) -> bool:
        """Whether the server answered last time it was asked."""
        return self.phase is Phase.ONLINE

    @property
    def role(self) -> Role | None:
        """The signed-in user's role in this project."""
        return self.user.role if self.user is not None else None

    # -- transitions (pure: each returns the next state) ---------------------------

    def reached(self, info: ProjectInfo, me: WhoAmI) -> ProjectState:
        """The server answered ``project.info`` and ``auth.whoami``."""
        return dataclasses.replace(
            self, phase=Phase.ONLINE, project_name=info.name, device_addr=me.device_addr,
            bound=me.bound, user=me.user if me.bound else None,
            streaming=self.streaming and me.bound, last_error=None,
        )

    def signed_in(self, me: WhoAmI) -> ProjectState:
        """What ``auth.whoami`` says after a sign-in or a refusal."""
        return dataclasses.replace(self, phase=Phase.ONLINE, device_addr=me.device_addr,
                                   bound=me.bound, user=me.user if me.bound else None,
                                   streaming=self.streaming and me.bound)

    def renamed(self, name: str) -> ProjectState:
        """The project's admin renamed it (a ``project.updated`` event)."""
        return dataclasses.replace(self, project_name=name)

    def unbound(self, reason: str) -> ProjectState:
        """The server says this device is not (or no longer) signed in."""
        return dataclasses.replace(self, phase=Phase.ONLINE, bound=False, user=None,
                                   streaming=False, last_error=reason)

    def lost(self, reason: str) -> ProjectState:
        """The server did not answer. What is known about the user is kept."""
        if self.phase is Phase.CLOSED:
            return self
        return dataclasses.replace(self, phase=Phase.UNREACHABLE, streaming=False,
                                   last_error=reason)

    def stream_started(self) -> ProjectState:
        """The event stream is subscribed; the server is evidently reachable."""
        return dataclasses.replace(self, phase=Phase.ONLINE, streaming=True, last_error=None)

    def stream_stopped(self, reason: str) -> ProjectState:
        """The server ended the event stream (it reconnects)."""
        return dataclasses.replace(self, streaming=False, last_error=reason)

    def failed(self, reason: str) -> ProjectState:
        """The server answered, but with an unexpected refusal."""
        return dataclasses.replace(self, last_error=reason)

    def closed(self) -> ProjectState:
        """The connection was closed; terminal."""
        return dataclasses.replace(self, phase=Phase.CLOSED, streaming=False)


class Watched(Generic[T]):
    """A value that changes over time; readers await changes.

    Watchers see the latest value, not every intermediate one: one that is slow to
    look again skips straight to the newest state.
    """

    def __init__(self, value: T, *, final: Callable[[T], bool] = lambda _v: False) -> None:
        self._value = value
        self._final = final
        self._changed = asyncio.Event()
        self._listeners: list[Callable[[T], None]] = []

    @property
    def value(self) -> T:
        """The current value."""
        return self._value

    def set(self, value: T) -> None:
        """Replace the value; wakes the watchers and calls the listeners if it changed."""
        if value == self._value:
            return
        self._value = value
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        for listener in list(self._listeners):
            listener(value)

    def listen(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Call ``callback(value)`` on every change; returns a function that stops it."""
        self._listeners.append(callback)

        def stop() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return stop

    async def watch(self) -> AsyncIterator[T]:
        """The current value, then each new one; ends after a final value."""
        seen = self._value
        yield seen
        while not self._final(seen):
            changed = self._changed
            if self._value is seen:
                await changed.wait()
            seen = self._value
            yield seen

    async def wait_for(self, predicate: Callable[[T], bool]) -> T:
        """The first value (current or future) for which ``predicate`` holds.

        Raises ``LookupError`` if a final value that does not match is reached first.
        """
        while True:
            value, changed = self._value, self._changed
            if predicate(value):
                return value
            if self._final(value):
                raise LookupError("the value reached its final state without matching")
            await changed.wait()
