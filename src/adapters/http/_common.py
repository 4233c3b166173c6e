"""Small pieces shared by the route modules."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response, WebSocket
from litestar.datastructures import State

from ...domain.errors import DomainError
from ...domain.identity import Caller
from ..jsonrpc import JsonRpcError, from_domain_error
from ..serving import transport_addresses

_log = logging.getLogger(__name__)

AnyRequest = Request[Any, Any, State]
AnySocket = WebSocket[Any, Any, State]
Identify = Callable[[str | None], Awaitable[Caller]]
JSON = "application/json"

# HTTP status for refusals on the non-RPC routes (the RPC routes answer 200 with a
# JSON-RPC error object, as JSON-RPC over HTTP expects).
_STATUS = {-32001: 401, -32002: 403, -32003: 404, -32004: 409, -32005: 409, -32006: 429,
           -32007: 413, -32602: 400, -32008: 400, -32009: 503}


def error_body(exc: DomainError | JsonRpcError) -> bytes:
    """A JSON-RPC error object (id null) for a refusal outside any request."""
    error = exc if isinstance(exc, JsonRpcError) else from_domain_error(exc)
    if error is None:  # a DomainError subclass without a row would be a bug in the table
        raise TypeError(f"no JSON-RPC code for {type(exc).__name__}")
    payload: dict[str, object] = {"code": error.code.code, "message": error.message}
    if error.data is not None:
        payload["data"] = error.data
    return msgspec.json.encode({"jsonrpc": "2.0", "id": None, "error": payload})


def refusal(exc: DomainError, *, rpc: bool = False) -> Response[bytes]:
    """A refusal as a response: 200 on the RPC route, a fitting status elsewhere."""
    error = from_domain_error(exc)
    status = 200 if rpc else (_STATUS.get(error.code.code, 400) if error else 400)
    return Response(error_body(exc), status_code=status, media_type=JSON)


def peer_host(connection: AnyRequest | AnySocket) -> str | None:
    """The transport's peer address: the only input of the identity boundary.

    Read from the record the guarded protocol made from the accepted socket
    (``adapters.serving``), never from ``scope["client"]`` alone: that one a
    proxy-header middleware rewrites from ``X-Forwarded-For``. ``None`` (which the
    overlay boundary refuses) if there is no record or the two disagree, i.e. if
    something between the socket and this app rewrote the client.
    """
    scope = connection.scope
    addresses = transport_addresses(scope)
    if addresses is None:
        _log.error("refusing a connection without the transport record: this app must be "
                   "served through adapters.serving.uvicorn_server.ListenerConfig")
        return None
    client = scope.get("client")
    if (tuple(client) if client else None) != addresses.client:
        _log.error("refusing a connection whose client was rewritten (socket %s, scope %s): "
                   "a proxy-header middleware is in front of the identity boundary",
                   addresses.client, client)
        return None
    return addresses.client[0] if addresses.client else None
