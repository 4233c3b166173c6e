"""/rpc: JSON-RPC over HTTP POST and over a WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import cast

from litestar import Response, post, websocket
from litestar.handlers import BaseRouteHandler
from litestar.status_codes import HTTP_204_NO_CONTENT
from litestar.types import WebSocketDisconnectEvent, WebSocketReceiveEvent

from ...domain.errors import DomainError
from ...domain.identity import CallerIdentity
from ...domain.services import EventFeed, PresenceBoard
from ..jsonrpc import INTERNAL_ERROR, JsonRpcError, MethodRegistry, encode_error
from ..live import EventHub
from ..support_rpc.context import RequestContext
from ._common import JSON, AnyRequest, AnySocket, Identify, peer_host, refusal
from .boundary import PeerRefused
from .socket_session import SocketSession

_log = logging.getLogger(__name__)
RPC_ROUTE = "/rpc"


def rpc_routes(identify: Identify, registry: MethodRegistry[RequestContext], *,
               hub: EventHub, feed: EventFeed, presence: PresenceBoard, max_body: int,
               max_message: int) -> list[BaseRouteHandler]:
    """The POST and WebSocket routes of the JSON-RPC endpoint."""

    @post(RPC_ROUTE, request_max_body_size=max_body, status_code=200)
    async def rpc_post(request: AnyRequest) -> Response[bytes]:
        try:
            caller = await identify(peer_host(request))
        except PeerRefused as refused:
            _log.warning("refused peer: %s", refused)
            return Response(b"", status_code=403)
        except DomainError as exc:
            return refusal(exc, rpc=True)
        answer = await _answer(registry, RequestContext(caller=caller), await request.body())
        if answer is None:
            return Response(b"", status_code=HTTP_204_NO_CONTENT)
        return Response(answer, media_type=JSON)

    @websocket(RPC_ROUTE)
    async def rpc_socket(socket: AnySocket) -> None:
        host = peer_host(socket)
        try:
            await identify(host)
        except PeerRefused as refused:
            _log.warning("refused peer: %s", refused)
            await socket.close(code=1008, reason="not an overlay device")
            return
        except DomainError as exc:
            await socket.accept()
            await socket.close(code=1008, reason=exc.message[:120])
            return
        await socket.accept()
        session = SocketSession(socket, hub, feed)
        sender = asyncio.create_task(session.run_sender())
        try:
            await _serve(socket, session, registry, identify, max_message)
        finally:
            await session.close()
            if isinstance(session.caller, CallerIdentity):
                with contextlib.suppress(DomainError):
                    await presence.sign_off(session.caller)
            session.drop("connection closed")
            with contextlib.suppress(asyncio.TimeoutError, OSError, RuntimeError):
                await asyncio.wait_for(sender, timeout=2)
            sender.cancel()

    return [rpc_post, rpc_socket]


async def _serve(socket: AnySocket, session: SocketSession,
                 registry: MethodRegistry[RequestContext], identify: Identify,
                 max_message: int) -> None:
    host = peer_host(socket)
    while session.close_reason is None:
        data = await _receive_frame(socket)
        if data is None:
            return
        if len(data) > max_message:
            session.drop(f"message larger than {max_message} bytes")
            return
        try:
            # Identity is read again for every message: a revoked device or a disabled
            # user is cut off at its next request, not at its next connection.
            session.caller = await identify(host)
        except PeerRefused:
            session.drop("not an overlay device")
            return
        except DomainError as exc:
            session.drop(exc.message)
            return
        answer = await _answer(registry, RequestContext(caller=session.caller,
                                                        subscriptions=session), data)
        if answer is not None:
            session.send(answer.decode())
        session.release_streams()


async def _answer(registry: MethodRegistry[RequestContext], ctx: RequestContext,
                  data: bytes) -> bytes | None:
    """The registry's answer; a fault of ours costs this message, never the connection.

    ``handle`` answers every input on its own; should a bug still escape it, a socket
    and its subscriptions stay, a POST gets a JSON-RPC error rather than Litestar's
    bare 500, and the sender learns only "internal error".
    """
    try:
        return await registry.handle(ctx, data)
    except Exception:  # noqa: BLE001 - logged with its traceback: a real fault
        _log.exception("a JSON-RPC message could not be answered")
        return encode_error(None, JsonRpcError(INTERNAL_ERROR))


async def _receive_frame(socket: AnySocket) -> bytes | None:
    """The next message as bytes, text or binary frame alike; ``None`` once closed.

    Litestar's ``receive_data(mode="text")`` turns a binary frame into ``""``, so a
    client that sends its JSON as binary would get a parse error for a valid request.
    """
    event = cast("WebSocketReceiveEvent | WebSocketDisconnectEvent", await socket.receive())
    if event["type"] == "websocket.disconnect":
        return None
    text = event.get("text")
    if text is not None:
        return text.encode()
    return event.get("bytes") or b""
