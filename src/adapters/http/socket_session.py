"""One WebSocket connection: JSON-RPC requests in, responses and event notifications out.

Everything sent goes through one bounded outbox drained by one sender task, so
responses and notifications never interleave mid-frame, and a client that stops
reading is disconnected (close code 4008 with the reason) instead of growing memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging

from ...domain.errors import DomainError
from ...domain.events import Event
from ...domain.identity import Caller
from ...domain.policy import require_bound
from ...domain.services import EventFeed
from ..jsonrpc import encode_notification
from ..live import EventHub, EventStream, SubscriptionClosed
from ..support_rpc import wire
from ..support_rpc.convert import event_view
from ._common import AnySocket

CLOSE_DROPPED = 4008
OUTBOX_SIZE = 1024
_log = logging.getLogger(__name__)


class SocketSession:
    """The event streams of one socket, and the outbox every frame leaves through."""

    def __init__(self, socket: AnySocket, hub: EventHub,
                 feed: EventFeed, *, outbox_size: int = OUTBOX_SIZE) -> None:
        self._socket = socket
        self._hub = hub
        self._feed = feed
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue(outbox_size)
        self._pumps: dict[str, asyncio.Task[None]] = {}
        self._ready: dict[str, asyncio.Event] = {}
        self._ids = itertools.count(1)
        self.caller: Caller | None = None
        self.close_reason: str | None = None

    # -- EventSubscriptions -----------------------------------------------------
    async def subscribe(self, params: wire.SubscribeParams) -> wire.SubscribeResult:
        """Open a stream; its events are sent once the response has gone out."""
        assert self.caller is not None  # noqa: S101 - set before any request is handled
        who = require_bound(self.caller)
        last = await self._feed.last_seq()
        since = last if params.since is None else params.since
        stream = EventStream(
            self._hub, self._feed, who, since=since,
            ticket_ids=frozenset(params.ticket_ids) if params.ticket_ids else None,
            kinds=frozenset(params.kinds) if params.kinds else None,
        )
        sub_id = f"s{next(self._ids)}"
        ready = asyncio.Event()
        self._ready[sub_id] = ready
        self._pumps[sub_id] = asyncio.create_task(self._pump(sub_id, stream, ready))
        return wire.SubscribeResult(subscription=sub_id, last_seq=last)

    async def unsubscribe(self, subscription: str) -> bool:
        """Stop one stream."""
        task = self._pumps.pop(subscription, None)
        self._ready.pop(subscription, None)
        if task is None:
            return False
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return True

    # -- the connection -----------------------------------------------------------
    def release_streams(self) -> None:
        """Let streams whose subscribe response is already queued start sending."""
        for ready in self._ready.values():
            ready.set()

    def _send_event(self, sub_id: str, event: Event) -> None:
        """Queue one event notification (also called inside the hub's publish)."""
        if self.close_reason is not None:
            return
        try:
            params = {"subscription": sub_id, "event": event_view(event)}
            frame = encode_notification("events.event", params).decode()
        except Exception:  # noqa: BLE001 - a failed event must end the socket, not the publisher
            _log.exception("event %s could not be sent on %s", event.seq, sub_id)
            self.drop("internal error in the event stream")
            return
        self.send(frame)

    def send(self, frame: str) -> None:
        """Queue a frame; a client that does not read is dropped, not waited for."""
        try:
            self._outbox.put_nowait(frame)
        except asyncio.QueueFull:
            self.drop(f"slow consumer: more than {self._outbox.maxsize} frames unread")

    def drop(self, reason: str) -> None:
        """Close the socket with ``reason`` after what is already queued."""
        if self.close_reason is None:
            self.close_reason = reason
            with contextlib.suppress(asyncio.QueueFull):
                self._outbox.put_nowait(None)
            for task in self._pumps.values():
                task.cancel()

    async def run_sender(self) -> None:
        """Drain the outbox into the socket until told to close."""
        while True:
            frame = await self._outbox.get()
            if frame is None:
                break
            await self._socket.send_text(frame)
        await self._socket.close(code=CLOSE_DROPPED, reason=(self.close_reason or "")[:120])

    async def close(self) -> None:
        """Stop every stream (the connection is gone)."""
        for sub_id in list(self._pumps):
            await self.unsubscribe(sub_id)

    async def _pump(self, sub_id: str, stream: EventStream, ready: asyncio.Event) -> None:
        await ready.wait()

        def forward(event: Event) -> None:
            self._send_event(sub_id, event)

        try:
            async with stream:
                while (replayed := await stream.next_replayed()) is not None:
                    forward(replayed)
                # Live events that queued during the replay go first; after that the hub
                # hands each event straight to this socket's outbox (no task wakes per
                # event), and the loop below only waits for the stream to end.
                while not stream.go_live(forward) and not stream.subscription.closed:
                    forward(await anext(stream))
                async for event in stream:
                    forward(event)
        except SubscriptionClosed as closed:
            self.drop(closed.reason)
        except DomainError as exc:
            self.drop(exc.message)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failed stream must end the socket, not vanish
            _log.exception("event stream %s failed", sub_id)
            self.drop("internal error in the event stream")

