"""One WebSocket session of ``events.subscribe``: subscribe, then hand over each event.

Reconnecting is the caller's job (:class:`~.project.ProjectConnection`); this module
runs one session and says precisely how it ended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import msgspec
from msgspec import Raw
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from ...adapters.support_rpc.wire import EventView, SubscribeParams, SubscribeResult
from .errors import ForbiddenError, ProtocolError, UnreachableError, error_from_rpc
from .overlay import DeviceEndpoint
from .rpc import RpcErrorBody, encode_request
from .server_address import ServerAddress
from .settings import ConnectionSettings

CLOSE_DROPPED = 4008
"""The close code a server uses when it drops a stream (slow reader, revoked device)."""

_SUBSCRIBE_ID = 1
_MAX_FRAME = 4 * 1024 * 1024


class StreamDropped(Exception):
    """The server ended the stream on purpose; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Frame(msgspec.Struct):
    id: int | str | None = None
    method: str | None = None
    params: Raw = Raw()
    result: Raw = Raw()
    error: RpcErrorBody | None = None


class _EventParams(msgspec.Struct):
    subscription: str
    event: EventView


_DECODE_FRAME = msgspec.json.Decoder(_Frame).decode
_DECODE_EVENT = msgspec.json.Decoder(_EventParams).decode
_DECODE_SUBSCRIBED = msgspec.json.Decoder(SubscribeResult).decode


async def run_event_session(
    server: ServerAddress, endpoint: DeviceEndpoint, settings: ConnectionSettings, *,
    since: int | None, on_subscribed: Callable[[SubscribeResult], None],
    deliver: Callable[[EventView], Awaitable[None]],
) -> None:
    """Subscribe after ``since`` and ``deliver`` events in the order they come.

    Returns only if the server closes the socket normally. Raises
    :class:`StreamDropped` (close code 4008), :class:`~.errors.UnreachableError`
    (no connection, or it broke), or a :class:`~.errors.RequestRefusedError` if the
    subscription is refused (e.g. the device is not bound).
    """
    local: dict[str, Any] = {}
    if endpoint.bind_address is not None:
        local["local_addr"] = (endpoint.bind_address, 0)
    request = encode_request("events.subscribe", SubscribeParams(since=since), _SUBSCRIBE_ID)
    try:
        async with connect(
            server.websocket_url, proxy=None, compression=None, max_size=_MAX_FRAME,
            open_timeout=settings.connect_timeout, ping_interval=settings.ping_interval,
            ping_timeout=settings.ping_interval, close_timeout=settings.connect_timeout,
            **local,
        ) as socket:
            await socket.send(request.decode())
            async for message in socket:
                await _handle(message, on_subscribed, deliver)
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd is not None else None
        reason = closed.rcvd.reason if closed.rcvd is not None else ""
        if code == CLOSE_DROPPED:
            raise StreamDropped(reason or "the server dropped the event stream") from closed
        raise UnreachableError(f"the event stream from {server} broke ({closed})") from closed
    except InvalidStatus as exc:
        if exc.response.status_code == HTTPStatus.FORBIDDEN:
            raise ForbiddenError("the server refuses this device's address") from exc
        raise UnreachableError(f"{server} refused the WebSocket ({exc})") from exc
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        raise UnreachableError(f"no event stream from {server} ({exc or type(exc).__name__})"
                               ) from exc


async def _handle(message: str | bytes, on_subscribed: Callable[[SubscribeResult], None],
                  deliver: Callable[[EventView], Awaitable[None]]) -> None:
    try:
        frame = _DECODE_FRAME(message)
        if frame.method == "events.event":
            await deliver(_DECODE_EVENT(frame.params).event)
        elif frame.id == _SUBSCRIBE_ID:
            if frame.error is not None:
                raise error_from_rpc(frame.error.code, frame.error.message, frame.error.data)
            on_subscribed(_DECODE_SUBSCRIBED(frame.result))
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"unexpected frame on the event stream: {exc}") from exc
