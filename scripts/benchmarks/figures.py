"""One load run against the server, turned into a figure: rate, latency, errors, CPU."""

from __future__ import annotations

import json
import time
from typing import Any

from .httpload import LoadSpec, run_load
from .server import ServerProcess
from .stats import summarize


def rpc_body(method: str, params: dict[str, Any] | None = None) -> bytes:
    """A JSON-RPC request (the id is constant: one request in flight per connection)."""
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        request["params"] = params
    return json.dumps(request, separators=(",", ":")).encode()


def _sleep_until(deadline_ns: int) -> None:
    delay = (deadline_ns - time.perf_counter_ns()) / 1e9
    if delay > 0:
        time.sleep(delay)


def measure(server: ServerProcess, *, label: str, path: str, bodies: list[bytes],
            sources: list[str], connections: int, seconds: float, warmup: float,
            rate: float | None = None) -> dict[str, Any]:
    """Run the load and return its figure (server CPU sampled over the same window)."""
    spec = LoadSpec(host=server.host, port=server.port, path=path, bodies=tuple(bodies),
                    sources=tuple(sources), connections=connections, seconds=seconds,
                    warmup=warmup, rate=rate)
    server_cpu: list[float] = []

    def sample(start_ns: int, end_ns: int) -> None:
        _sleep_until(start_ns)
        before = server.cpu_seconds()
        _sleep_until(end_ns)
        server_cpu.append(server.cpu_seconds() - before)

    result = run_load(spec, on_window=sample)
    figure: dict[str, Any] = {
        "label": label,
        "connections": connections,
        "offered_rate": rate,
        "rate": round(result.rate, 1),
        "ok": result.ok,
        "errors": result.errors,
        "seconds": seconds,
        "latency": summarize(result.latencies_ns),
        "generator_cpu_cores": round(result.generator_cpu_share, 3),
        "generator_workers": result.workers,
        "server_cpu_cores": round(server_cpu[0] / seconds, 3) if server_cpu else None,
    }
    if result.first_error:
        figure["first_error"] = result.first_error
    _say(figure)
    return figure


def _say(figure: dict[str, Any]) -> None:
    latency = figure["latency"]
    print(f"  {figure['label']:<34} {figure['rate']:>9,.0f}/s  p50 {latency['p50_ms']:7.2f} ms"
          f"  p99 {latency['p99_ms']:7.2f} ms  errors {figure['errors']}"
          f"  server {figure['server_cpu_cores']} cores"
          f"  generator {figure['generator_cpu_cores']} cores", flush=True)
