"""/rpc's last line of defence: a fault of ours costs one message, never the connection.

The registry answers every input on its own (tests/unit/test_jsonrpc_protocol.py, the
fuzz suite); these tests plant a registry that raises anyway, as a future bug would,
and check what the routes make of it: a JSON-RPC -32603 on POST and on the WebSocket,
which stays open for the next message.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import TestClient

from hero_assistance.adapters.http._rpc_routes import rpc_routes
from hero_assistance.adapters.jsonrpc import MethodRegistry
from hero_assistance.adapters.live import EventHub
from hero_assistance.adapters.memory import ManualClock, MemoryStorage
from hero_assistance.adapters.support_rpc.context import RequestContext
from hero_assistance.domain.identity import Caller, UnboundDevice
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.services import EventFeed, PresenceBoard

BOOM = b'{"jsonrpc":"2.0","id":1,"method":"boom"}'
FINE = b'{"jsonrpc":"2.0","id":2,"method":"rpc.discover"}'


class FaultyRegistry(MethodRegistry[RequestContext]):
    """A registry with a bug: the message ``BOOM`` makes ``handle`` itself raise."""

    async def handle(self, ctx: RequestContext, body: bytes) -> bytes | None:
        if body == BOOM:
            raise RuntimeError("a bug in the dispatcher")
        return await super().handle(ctx, body)


def _client() -> TestClient[Any]:
    settings = ProjectSettings(name="faults")
    storage = MemoryStorage(settings)
    hub = EventHub(lambda: settings)

    async def identify(host: str | None) -> Caller:
        return UnboundDevice(device_addr=host or "")

    routes = rpc_routes(identify, FaultyRegistry(title="t", version="1"), hub=hub,
                        feed=EventFeed(storage),
                        presence=PresenceBoard(storage, ManualClock(), hub),
                        max_body=1 << 20, max_message=1 << 20)
    return TestClient(Litestar(route_handlers=routes, debug=False))


def test_a_fault_on_post_is_a_json_rpc_internal_error() -> None:
    with _client() as client:
        response = client.post("/rpc", content=BOOM)

    assert response.status_code == 200
    assert response.json() == {"jsonrpc": "2.0", "id": None,
                               "error": {"code": -32603, "message": "internal error"}}


def test_a_fault_on_the_socket_keeps_it_open() -> None:
    with _client() as client, client.websocket_connect("/rpc") as socket:
        socket.send_bytes(BOOM)
        failed = msgspec.json.decode(socket.receive_text())
        socket.send_bytes(FINE)
        fine = msgspec.json.decode(socket.receive_text())

    assert failed["error"]["code"] == -32603
    assert fine["id"] == 2
    assert fine["result"]["openrpc"].startswith("1.")
