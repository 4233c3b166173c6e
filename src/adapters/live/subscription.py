"""One subscriber's bounded queue of live events, and how it ends.

A subscription is fed synchronously by :class:`~.hub.EventHub` and drained by one
consumer task (typically a WebSocket handler) with ``async for`` or :meth:`get`.

How it ends, and what the consumer sees:

- The consumer calls :meth:`Subscription.close` (or leaves ``async with``): iteration
  ends quietly; :meth:`Subscription.get` raises :class:`SubscriptionClosed` with cause
  :attr:`CloseCause.SUBSCRIBER`.
- The hub ends it (the consumer fell more than ``queue_size`` events behind, the user or
  device lost access, the server is shutting down): events still queued are discarded and
  the next ``get`` / ``__anext__`` raises :class:`SubscriptionClosed` at once, carrying
  the reason and its cause, so the handler can close its socket with that reason. Queued
  events are discarded rather than drained because draining would keep feeding a consumer
  that is too slow or no longer entitled; a client that resumes with ``since`` gets the
  durable ones again from the log.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from types import TracebackType

from ...domain.events import Event, EventKind
from ...domain.identity import CallerIdentity

_log = logging.getLogger(__name__)


class CloseCause(StrEnum):
    """Why a subscription ended; a WebSocket handler maps it to a close code."""

    SUBSCRIBER = "subscriber"  # the consumer closed it itself
    SLOW_CONSUMER = "slow_consumer"  # more events queued than it may hold; resume later
    ACCESS_CHANGED = "access_changed"  # device revoked, user disabled or role changed
    SHUTDOWN = "shutdown"  # the server is stopping


class SubscriptionClosed(Exception):
    """The subscription has ended; ``reason`` says why in words a client can show."""

    def __init__(self, reason: str, *, cause: CloseCause) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cause = cause


class Subscription:
    """A live feed of the events one caller asked for and may see.

    Built by :meth:`EventHub.subscribe`, never directly. Meant for a single consumer
    task; it is not thread-safe (the hub and its consumers share one event loop).
    """

    def __init__(self, who: CallerIdentity, *, ticket_ids: frozenset[int] | None,
                 kinds: frozenset[EventKind] | None, queue_size: int,
                 on_close: Callable[[Subscription], None]) -> None:
        self._who = who
        self._ticket_ids = ticket_ids
        self._kinds = kinds
        self._queue_size = queue_size
        self._queue: deque[Event] = deque()
        self._on_close = on_close
        self._ended: SubscriptionClosed | None = None
        # One event for the subscription's whole life, cleared before each wait: making
        # a new anyio.Event per wait cost more than the rest of a delivery (a backend
        # lookup each time). asyncio binds it to a loop only when waited on, so
        # subscribe() and publish() still work without a running loop (sync code, tests).
        self._wakeup = asyncio.Event()
        self._receiver: Callable[[Event], None] | None = None

    # -- what it is -------------------------------------------------------------------

    @property
    def who(self) -> CallerIdentity:
        """The caller the events are filtered for."""
        return self._who

    @property
    def ticket_ids(self) -> frozenset[int] | None:
        """The tickets asked for, or ``None`` for every ticket the caller may see."""
        return self._ticket_ids

    @property
    def kinds(self) -> frozenset[EventKind] | None:
        """The kinds asked for, or ``None`` for every kind."""
        return self._kinds

    @property
    def queue_size(self) -> int:
        """How many undelivered events it may hold before it is closed as too slow."""
        return self._queue_size

    @property
    def pending(self) -> int:
        """Events queued and not yet taken by the consumer."""
        return len(self._queue)

    @property
    def closed(self) -> bool:
        """Whether the subscription has ended (for whatever reason)."""
        return self._ended is not None

    @property
    def close_reason(self) -> str | None:
        """Why it ended, or ``None`` while it is open."""
        return None if self._ended is None else self._ended.reason

    @property
    def close_cause(self) -> CloseCause | None:
        """The kind of ending, or ``None`` while it is open."""
        return None if self._ended is None else self._ended.cause

    def wants(self, event: Event) -> bool:
        """Whether the event matches what was asked for (policy is checked elsewhere)."""
        if self._kinds is not None and event.kind not in self._kinds:
            return False
        return self._ticket_ids is None or event.ticket_id in self._ticket_ids

    # -- the consumer's side ------------------------------------------------------------

    async def get(self) -> Event:
        """The next event, waiting for one; raises :class:`SubscriptionClosed` once ended."""
        while True:
            if self._ended is not None:
                raise self._closed_error()
            if self._queue:
                return self._queue.popleft()
            self._wakeup.clear()
            await self._wakeup.wait()

    def get_nowait(self) -> Event | None:
        """The next queued event, or ``None`` if none is queued (to batch what is ready).

        Raises :class:`SubscriptionClosed` once ended, like :meth:`get`.
        """
        if self._ended is not None:
            raise self._closed_error()
        return self._queue.popleft() if self._queue else None

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        """Next event; ends quietly after :meth:`close`, raises if the hub ended it."""
        try:
            return await self.get()
        except SubscriptionClosed as closed:
            if closed.cause is CloseCause.SUBSCRIBER:
                raise StopAsyncIteration from None
            raise

    def close(self) -> None:
        """Unsubscribe. Idempotent; queued events are discarded."""
        self.end("closed by subscriber", CloseCause.SUBSCRIBER)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- the hub's side ------------------------------------------------------------------

    def offer(self, event: Event) -> bool:
        """Queue an event (or hand it to the receiver); ``False`` (and nothing queued) if
        that would overflow.

        Never blocks: the hub closes a subscription that is full instead of waiting.
        """
        if self._ended is not None:
            return False
        if self._receiver is not None:
            try:
                self._receiver(event)
            except Exception:  # noqa: BLE001 - one receiver's bug must not stop the others
                _log.exception("the receiver of %r failed", self)
                self.end("the event receiver failed", CloseCause.SUBSCRIBER)
                return False
            return True
        if len(self._queue) >= self._queue_size:
            return False
        self._queue.append(event)
        self._wakeup.set()
        return True

    def deliver_to(self, receiver: Callable[[Event], None]) -> None:
        """Hand every later event to ``receiver`` inside :meth:`offer`, instead of queueing.

        For a consumer that only forwards events into a bounded outbox of its own (a
        WebSocket session): a task no longer wakes per event. Allowed only while nothing
        is queued, so events keep their order. ``receiver`` runs inside the hub's
        ``publish`` and must neither block nor raise (if it raises, the subscription
        ends). The consumer still learns of the end by waiting on :meth:`get`, which
        receives nothing else from now on.
        """
        if self._queue:
            raise RuntimeError("events are queued: take them before handing over")
        self._receiver = receiver

    def end(self, reason: str, cause: CloseCause) -> None:
        """End the subscription with ``reason``; the first ending wins. Idempotent."""
        if self._ended is not None:
            return
        self._ended = SubscriptionClosed(reason, cause=cause)
        self._queue.clear()
        self._wakeup.set()
        self._on_close(self)

    def _closed_error(self) -> SubscriptionClosed:
        # A fresh exception each time: re-raising one instance would chain tracebacks.
        assert self._ended is not None  # noqa: S101 - only called once ended
        return SubscriptionClosed(self._ended.reason, cause=self._ended.cause)

    def __repr__(self) -> str:
        state = f"closed: {self.close_reason}" if self.closed else f"{self.pending} pending"
        return (f"<Subscription user={self._who.user_id} device={self._who.device_addr} "
                f"{state}>")
