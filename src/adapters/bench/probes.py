"""The probe methods and the one HTTP route they are served on."""

from __future__ import annotations

import weakref
from typing import Any, Protocol, runtime_checkable

import msgspec
from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.status_codes import HTTP_204_NO_CONTENT

from ..jsonrpc import INVALID_REQUEST, JsonRpcError, MethodRegistry
from ..support_rpc.context import RequestContext

BENCH_ROUTE = "/bench/rpc"
BENCH_TAG = "bench"
_JSON = "application/json"


@runtime_checkable
class FrameSink(Protocol):
    """Where a WebSocket's outgoing frames are queued (the server's socket session)."""

    def send(self, frame: str) -> None:
        """Queue one text frame; never blocks."""
        ...


class BroadcastSinks:
    """The sockets that asked for raw broadcasts; closed ones fall away by themselves."""

    def __init__(self) -> None:
        self._sinks: weakref.WeakSet[FrameSink] = weakref.WeakSet()

    def __len__(self) -> int:
        return len(self._sinks)

    def add(self, sink: FrameSink) -> None:
        """Receive every later broadcast."""
        self._sinks.add(sink)

    def broadcast(self, frame: str) -> int:
        """Queue ``frame`` on every sink, exactly as an event frame is queued."""
        sinks = list(self._sinks)
        for sink in sinks:
            sink.send(frame)
        return len(sinks)


class EchoParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Anything; it comes back unchanged."""

    data: Any = None


class BroadcastParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The text frame to send to every listening socket."""

    frame: str


def build_probe_registry(sinks: BroadcastSinks) -> MethodRegistry[None]:
    """``bench.echo`` and ``bench.broadcast``, outside the server's own registry."""
    reg: MethodRegistry[None] = MethodRegistry(
        title="hero_assistance benchmark probes", version="1",
        description="Served only by `serve --benchmark`; never part of normal serving.",
    )

    @reg.method("bench.echo", params=EchoParams, result=Any, tags=[BENCH_TAG],
                summary="Return data unchanged (the echo ceiling)")
    async def echo(_ctx: None, p: EchoParams) -> Any:
        return p.data

    @reg.method("bench.broadcast", params=BroadcastParams, result=int, tags=[BENCH_TAG],
                summary="Send one frame to every listening socket (the broadcast ceiling)")
    async def broadcast(_ctx: None, p: BroadcastParams) -> int:
        return sinks.broadcast(p.frame)

    return reg


def register_listen(registry: MethodRegistry[RequestContext], sinks: BroadcastSinks) -> None:
    """Add ``bench.listen`` (WebSocket only) to the server's registry."""

    @registry.method("bench.listen", params=None, result=bool, tags=[BENCH_TAG],
                     errors=[INVALID_REQUEST],
                     summary="Benchmarks only: receive the frames of bench.broadcast")
    async def listen(ctx: RequestContext, _p: None) -> bool:
        # The WebSocket's session is both the event subscriptions and the frame outbox.
        session: object = ctx.subscriptions
        if not isinstance(session, FrameSink):
            raise JsonRpcError(INVALID_REQUEST, "bench.listen works only on the WebSocket /rpc")
        sinks.add(session)
        return True


def probe_routes(registry: MethodRegistry[None]) -> list[HTTPRouteHandler]:
    """``POST /bench/rpc``: the probe registry, with no identity boundary in front."""

    @post(BENCH_ROUTE, status_code=200)
    async def bench_rpc(request: Request[Any, Any, State]) -> Response[bytes]:
        answer = await registry.handle(None, await request.body())
        if answer is None:
            return Response(b"", status_code=HTTP_204_NO_CONTENT)
        return Response(answer, media_type=_JSON)

    return [bench_rpc]
