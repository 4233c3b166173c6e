"""The benchmark probes: an echo, and a raw broadcast to the sockets that asked for it."""

from __future__ import annotations

import gc
import json

import pytest

from hero_assistance.adapters.bench import BroadcastSinks, build_probe_registry, register_listen
from hero_assistance.adapters.jsonrpc import MethodRegistry
from hero_assistance.adapters.support_rpc import RequestContext
from hero_assistance.domain.identity import CallerIdentity, Role

pytestmark = pytest.mark.anyio

AGENT = CallerIdentity(user_id=7, device_addr="127.9.0.1", role=Role.AGENT)


class Outbox:
    """What a socket session offers the broadcast: a place to queue frames."""

    def __init__(self) -> None:
        self.frames: list[str] = []

    def send(self, frame: str) -> None:
        self.frames.append(frame)

    async def subscribe(self, params: object) -> object:  # the EventSubscriptions side
        raise NotImplementedError

    async def unsubscribe(self, subscription: str) -> bool:
        raise NotImplementedError


def request(method: str, params: object = None) -> bytes:
    body: dict[str, object] = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        body["params"] = params
    return json.dumps(body).encode()


async def answer(registry: MethodRegistry[object], ctx: object, body: bytes) -> dict[str, object]:
    raw = await registry.handle(ctx, body)
    assert raw is not None
    decoded: dict[str, object] = json.loads(raw)
    return decoded


async def test_echo_returns_what_it_was_given() -> None:
    probes = build_probe_registry(BroadcastSinks())
    data = {"subject": "Printer jams", "tags": ["printer"], "n": 3, "ok": True, "none": None}

    reply = await answer(probes, None, request("bench.echo", {"data": data}))

    assert reply == {"jsonrpc": "2.0", "result": data, "id": 1}


async def test_a_broadcast_reaches_every_listening_socket_and_only_them() -> None:
    sinks = BroadcastSinks()
    registry: MethodRegistry[RequestContext] = MethodRegistry(title="t", version="1")
    register_listen(registry, sinks)
    first, second, silent = Outbox(), Outbox(), Outbox()
    for outbox in (first, second):
        ctx = RequestContext(caller=AGENT, subscriptions=outbox)
        assert (await answer(registry, ctx, request("bench.listen")))["result"] is True
    frame = '{"jsonrpc":"2.0","method":"events.event","params":{"n":1}}'

    reply = await answer(build_probe_registry(sinks), None,
                         request("bench.broadcast", {"frame": frame}))

    assert reply["result"] == 2
    assert first.frames == second.frames == [frame]
    assert silent.frames == []


async def test_closed_sockets_fall_out_of_the_broadcast() -> None:
    sinks = BroadcastSinks()
    kept = Outbox()
    sinks.add(kept)
    sinks.add(Outbox())  # dropped at once, like a session whose connection ended
    gc.collect()

    assert sinks.broadcast("frame") == 1
    assert kept.frames == ["frame"]


async def test_listening_needs_the_websocket() -> None:
    registry: MethodRegistry[RequestContext] = MethodRegistry(title="t", version="1")
    register_listen(registry, BroadcastSinks())

    reply = await answer(registry, RequestContext(caller=AGENT), request("bench.listen"))

    error = reply["error"]
    assert isinstance(error, dict)
    assert error["code"] == -32600
    assert "WebSocket" in error["message"]
