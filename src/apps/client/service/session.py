"""Callers of the service, and the one reader of the client's merged event stream.

A transport (the Unix socket here, the Support tab's WebSocket elsewhere) opens a
:class:`LocalSession` per connection with a ``send`` function, hands
``ClientContext(session=...)`` to every call of that connection, and closes the
session when the connection ends. ``send`` must not block: it queues one encoded
notification (a transport drops a reader that falls too far behind). A transport
must queue each response in the task that called ``MethodRegistry.handle``, without
awaiting first, so that a subscription's result goes out before its first event.

:class:`EventFanout` reads ``SupportClient.events()`` (which allows one reader) and
the project state changes, numbers each event with a *cursor*, keeps the latest ones
for replay, and hands each to every subscription that wants it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ....adapters.jsonrpc import encode_notification
from ..client import SupportClient
from ..state import ProjectState
from . import wire
from .convert import event_view, state_view

Send = Callable[[bytes], None]
"""Queues one encoded JSON-RPC notification for a connection; never blocks."""

EVENT_NOTIFICATION = "client.event"
STATE_NOTIFICATION = "client.state"
PROGRESS_NOTIFICATION = "client.progress"
REPLAY_DEPTH = 1000
"""How many of the latest events the service keeps for ``events.subscribe since=``."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientContext:
    """What every service method receives: the caller's session, if its transport
    carries notifications (a plain HTTP POST does not)."""

    session: LocalSession | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Subscription:
    id: str
    projects: frozenset[str] | None
    kinds: frozenset[str] | None
    states: bool

    def wants(self, item: wire.ClientEventView) -> bool:
        return ((self.projects is None or item.project in self.projects)
                and (self.kinds is None or item.event.kind in self.kinds))


class LocalSession:
    """One connection to the service: its subscriptions and where notifications go."""

    def __init__(self, fanout: EventFanout, send: Send) -> None:
        self._fanout = fanout
        self._send = send
        self._subscriptions: dict[str, _Subscription] = {}
        self._ids = itertools.count(1)
        self.closed = False

    def notify(self, method: str, params: Any) -> None:
        """Send a notification to this connection (nothing once closed)."""
        if not self.closed:
            self._send(encode_notification(method, params))

    def subscribe(self, params: wire.SubscribeParams) -> wire.SubscribeResult:
        """Start a stream; returns what to replay and the current project states."""
        subscription = _Subscription(
            id=f"s{next(self._ids)}",
            projects=frozenset(params.projects) if params.projects is not None else None,
            kinds=frozenset(params.kinds) if params.kinds is not None else None,
            states=params.states,
        )
        self._subscriptions[subscription.id] = subscription
        return self._fanout.opening(subscription.id, subscription.wants, params)

    def unsubscribe(self, subscription: str) -> bool:
        """Stop a stream; ``False`` if it was not running."""
        return self._subscriptions.pop(subscription, None) is not None

    def close(self) -> None:
        """The connection is gone: stop every stream."""
        self.closed = True
        self._subscriptions.clear()
        self._fanout.forget(self)

    def deliver(self, item: wire.ClientEventView) -> None:
        """Hand an event to each of this connection's streams that wants it."""
        for sub in list(self._subscriptions.values()):
            if sub.wants(item):
                self.notify(EVENT_NOTIFICATION, wire.EventNotification(
                    subscription=sub.id, cursor=item.cursor, project=item.project,
                    event=item.event))

    def state_changed(self, state: wire.ProjectStateView) -> None:
        """Tell each stream that asked for states."""
        for sub in list(self._subscriptions.values()):
            if sub.states and (sub.projects is None or state.label in sub.projects):
                self.notify(STATE_NOTIFICATION,
                            wire.StateNotification(subscription=sub.id, state=state))


class EventFanout:
    """The single reader of a client's events, shared by every session.

    Start it with ``async with`` after the client is open; it stops reading on exit.
    """

    def __init__(self, client: SupportClient, *, depth: int = REPLAY_DEPTH) -> None:
        self.client = client
        self.epoch = secrets.token_hex(8)
        self._cursor = 0
        self._recent: deque[wire.ClientEventView] = deque(maxlen=depth)
        self._sessions: set[LocalSession] = set()
        self._task: asyncio.Task[None] | None = None
        self._stop_listening: Callable[[], None] | None = None

    @property
    def session_count(self) -> int:
        """How many sessions are open (connections that may subscribe)."""
        return len(self._sessions)

    @property
    def cursor(self) -> int:
        """The cursor of the newest event seen (0 before any)."""
        return self._cursor

    async def __aenter__(self) -> EventFanout:
        self._stop_listening = self.client.on_state_change(self._state_changed)
        self._task = asyncio.create_task(self._read(), name="client service: events")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop reading events; sessions stay but receive nothing more."""
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def session(self, send: Send) -> LocalSession:
        """A new connection's session; close it when the connection ends."""
        session = LocalSession(self, send)
        self._sessions.add(session)
        return session

    def forget(self, session: LocalSession) -> None:
        """Called by :meth:`LocalSession.close`."""
        self._sessions.discard(session)

    def opening(self, sub_id: str, wants: Callable[[wire.ClientEventView], bool],
                params: wire.SubscribeParams) -> wire.SubscribeResult:
        """The result of a new subscription: events to replay and the project states."""
        replayed: list[wire.ClientEventView] = []
        if params.since is not None:
            since = params.since if params.epoch == self.epoch else 0
            replayed = [item for item in self._recent if item.cursor > since and wants(item)]
        states = [state_view(s) for s in self.client.projects()]
        if params.projects is not None:
            states = [s for s in states if s.label in params.projects]
        return wire.SubscribeResult(subscription=sub_id, epoch=self.epoch, cursor=self._cursor,
                                    replayed=replayed, states=states)

    async def _read(self) -> None:
        async for label, event in self.client.events():
            self._cursor += 1
            item = wire.ClientEventView(cursor=self._cursor, project=label,
                                        event=event_view(event))
            self._recent.append(item)
            for session in list(self._sessions):
                try:
                    session.deliver(item)
                except Exception:  # noqa: BLE001 - one broken transport must not stop the others
                    _log.exception("could not deliver an event to a session")

    def _state_changed(self, state: ProjectState) -> None:
        view = state_view(state)
        for session in list(self._sessions):
            try:
                session.state_changed(view)
            except Exception:  # noqa: BLE001 - as above
                _log.exception("could not deliver a state change to a session")
