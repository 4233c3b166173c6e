"""WS /rpc: JSON-RPC calls from the browser and the service's notifications back.

Calls of one socket run concurrently (a slow project must not hold up the others);
every frame leaves through one bounded outbox, and a page that stops reading is
disconnected instead of growing memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from litestar import WebSocket
from litestar.datastructures import State
from litestar.types import WebSocketDisconnectEvent, WebSocketReceiveEvent

from ....adapters.jsonrpc import INTERNAL_ERROR, JsonRpcError, encode_error
from ..service import ClientContext, EventFanout
from .presence import TabPresence

AnySocket = WebSocket[Any, Any, State]
Answer = Callable[[ClientContext, bytes], Awaitable[bytes | None]]

OUTBOX_SIZE = 4096
CONCURRENT_CALLS = 16
CLOSE_TOO_BIG = 1009
CLOSE_SLOW = 4008
_log = logging.getLogger(__name__)


class TabSocket:
    """One browser tab's WebSocket to the service."""

    def __init__(self, socket: AnySocket, answer: Answer, fanout: EventFanout,
                 presence: TabPresence, *, max_message: int) -> None:
        self._socket = socket
        self._answer = answer
        self._presence = presence
        self._max_message = max_message
        self._outbox: asyncio.Queue[bytes | None] = asyncio.Queue(OUTBOX_SIZE)
        self._session = fanout.session(self._send)
        self._context = ClientContext(session=self._session)
        self._tab = presence.open_tab()
        self._gate = asyncio.Semaphore(CONCURRENT_CALLS)
        self._calls: set[asyncio.Task[None]] = set()
        self._close: tuple[int, str] | None = None

    async def run(self) -> None:
        """Serve the socket until the page goes away."""
        await self._socket.accept()
        sender = asyncio.create_task(self._drain())
        try:
            await self._receive()
        finally:
            self._session.close()
            for call in list(self._calls):
                call.cancel()
            await self._presence.close_tab(self._tab, self._forget)
            if self._close is None:
                self._close = (1000, "")
            with contextlib.suppress(asyncio.QueueFull):
                self._outbox.put_nowait(None)
            with contextlib.suppress(asyncio.TimeoutError, OSError, RuntimeError):
                await asyncio.wait_for(sender, timeout=2)
            sender.cancel()

    async def _receive(self) -> None:
        while self._close is None:
            event = cast("WebSocketReceiveEvent | WebSocketDisconnectEvent",
                         await self._socket.receive())
            if event["type"] == "websocket.disconnect":
                self._close = (1000, "")
                return
            text = event.get("text")
            data = text.encode() if text is not None else (event.get("bytes") or b"")
            if len(data) > self._max_message:
                self._close = (CLOSE_TOO_BIG, f"message larger than {self._max_message} bytes")
                return
            self._presence.observe(self._tab, data)
            await self._gate.acquire()
            call = asyncio.create_task(self._call(data))
            self._calls.add(call)
            call.add_done_callback(self._calls.discard)

    async def _call(self, data: bytes) -> None:
        try:
            response = await self._answer(self._context, data)
        except Exception:  # noqa: BLE001 - a fault of ours costs this message, not the tab
            _log.exception("a Support tab message could not be answered")
            response = encode_error(None, JsonRpcError(INTERNAL_ERROR))
        finally:
            self._gate.release()
        if response is not None:
            self._send(response)

    async def _forget(self, message: bytes) -> None:
        await self._answer(ClientContext(), message)

    def _send(self, message: bytes) -> None:
        if self._close is not None:
            return
        if self._outbox.qsize() >= OUTBOX_SIZE - 1:  # one place kept for the end marker
            _log.warning("closing a Support tab socket that stopped reading")
            self._close = (CLOSE_SLOW, "the page stopped reading")
            self._session.close()
            self._outbox.put_nowait(None)
            return
        self._outbox.put_nowait(message)

    async def _drain(self) -> None:
        try:
            while (message := await self._outbox.get()) is not None:
                await self._socket.send_text(message.decode())
        finally:
            code, reason = self._close or (1000, "")
            with contextlib.suppress(Exception):
                await self._socket.close(code=code, reason=reason)
