"""Benchmark probes: the ceilings ``scripts/bench.py`` measures the server against.

They exist only in a server started with ``serve --benchmark`` (loopback overlay
only) and are never part of normal serving:

- ``POST /bench/rpc`` answers a separate JSON-RPC registry holding ``bench.echo``
  (params decoded, result encoded, no identity lookup, no storage): the echo
  ceiling of the HTTP + Litestar + JSON-RPC stack;
- ``bench.broadcast`` on that registry sends one pre-encoded frame to every
  WebSocket that called ``bench.listen``: the raw broadcast ceiling of live events;
- ``bench.listen`` is added to the server's own registry, so it is called on the
  very ``/rpc`` WebSocket that also carries ``events.subscribe``.
"""

from .probes import (
    BENCH_ROUTE,
    BroadcastSinks,
    FrameSink,
    build_probe_registry,
    probe_routes,
    register_listen,
)

__all__ = [
    "BENCH_ROUTE",
    "BroadcastSinks",
    "FrameSink",
    "build_probe_registry",
    "probe_routes",
    "register_listen",
]
