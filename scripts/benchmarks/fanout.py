"""Fan-out: an agent posts at a steady rate; how long until the last subscriber has it.

Latency of one post = (receipt time at the last socket) - (time the poster had the
post's acknowledgement); all processes read the same monotonic clock. Two shapes:

- one project: every subscriber (agents' devices) follows the whole project, so each
  message reaches all of them; next to it B, the raw broadcast ceiling: the same
  frame, sent by ``bench.broadcast`` to the same sockets through the same outboxes,
  with no routing, no policy check and no per-subscriber encoding;
- spread: every subscriber is a customer following their own ticket, and each post
  concerns one of them, so routing must find one socket among all of them.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from hero_assistance.adapters.bench import BENCH_ROUTE

from .figures import rpc_body
from .httpload import request_bytes
from .profile import Profile
from .server import ServerProcess
from .stats import summarize
from .wsclient import MARKER, Receipts, SubscriberFleet, SubscriberSpec

SETTLE_SECONDS = 1.0
WARMUP_POSTS = 3
FILLER = "the printer on the third floor jams again after the update, please have a look"
BROADCAST_BASE = 1_000_000  # markers of raw broadcasts, apart from the posts' markers
WARMUP_BASE = 2_000_000


class BlockingClient:
    """One keep-alive HTTP connection from a chosen device, one request at a time."""

    def __init__(self, host: str, port: int, source: str) -> None:
        self._host, self._port = host, port
        self._sock = socket.create_connection((host, port), source_address=(source, 0))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = b""

    def call(self, path: str, body: bytes) -> tuple[int, bytes]:
        """Send, read the whole answer; returns (time the answer was complete, body)."""
        self._sock.sendall(request_bytes(self._host, self._port, path, body))
        while b"\r\n\r\n" not in self._buffer:
            self._buffer += self._recv()
        head, _, rest = self._buffer.partition(b"\r\n\r\n")
        length = 0
        for line in head.lower().split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(rest) < length:
            rest += self._recv()
        done = time.perf_counter_ns()
        self._buffer = rest[length:]
        if not head.startswith(b"HTTP/1.1 200") or b'"error"' in rest[:length]:
            raise RuntimeError(f"request refused: {head[:40]!r} {rest[:300]!r}")
        return done, rest[:length]

    def _recv(self) -> bytes:
        data = self._sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        return data

    def close(self) -> None:
        """Close the connection."""
        self._sock.close()


def _paced(count: int, rate: float, send: Callable[[int], int]) -> dict[int, int]:
    """Call ``send(n)`` for n in 0..count-1 at ``rate`` per second; n -> ack time."""
    acks: dict[int, int] = {}
    start = time.perf_counter()
    for n in range(count):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        acks[n] = send(n)
    return acks


def _latencies(acks: dict[int, int], receipts: Receipts, base: int,
               expected: int) -> dict[str, Any]:
    last, first, delivered = [], [], 0
    for n, ack in acks.items():
        seen = receipts.seen.get(base + n)
        if seen is None:
            continue
        delivered += seen[0]
        first.append(seen[1] - ack)
        last.append(seen[2] - ack)
    return {"events": len(acks), "delivered_fraction": round(delivered / (len(acks) * expected), 4),
            "to_last": summarize(last), "to_first": summarize(first)}


def _specs(server: ServerProcess, sources: list[str], workers: int,
           requests: tuple[bytes, ...]) -> list[SubscriberSpec]:
    return [SubscriberSpec(host=server.host, port=server.port, sources=tuple(sources[w::workers]),
                           requests=requests) for w in range(workers)]


def _post(client: BlockingClient, ticket: Callable[[int], int], base: int
          ) -> Callable[[int], int]:
    def send(n: int) -> int:
        body = rpc_body("message.post", {"ticket_id": ticket(n),
                                         "body": f"{MARKER.decode()}{base + n} {FILLER}"})
        return client.call("/rpc", body)[0]
    return send


def one_project(server: ServerProcess, profile: Profile, *, watchers: list[str],
                poster: str, ticket_id: int) -> dict[str, Any]:
    """Every subscriber follows the project; then the raw broadcast B to the same sockets."""
    requests = (rpc_body("events.subscribe", {}), rpc_body("bench.listen"))
    client = BlockingClient(server.host, server.port, poster)
    result: dict[str, Any] = {"subscribers": len(watchers), "rate": profile.post_rate}
    try:
        with SubscriberFleet(_specs(server, watchers, profile.subscriber_workers,
                                    requests)) as fleet:
            opened = time.perf_counter()
            result["rss_bytes_subscribed"] = server.rss_bytes()
            _paced(WARMUP_POSTS, profile.post_rate,
                   _post(client, lambda _n: ticket_id, WARMUP_BASE))
            time.sleep(SETTLE_SECONDS)
            cpu = server.cpu_seconds()
            acks = _paced(profile.posts, profile.post_rate,
                          _post(client, lambda _n: ticket_id, 0))
            time.sleep(SETTLE_SECONDS)
            event_cpu = server.cpu_seconds() - cpu
            result["rss_bytes_after_events"] = server.rss_bytes()
            sample = fleet.sample_frame()
            marker = f"{MARKER.decode()}{WARMUP_BASE}"
            if marker not in sample:
                raise RuntimeError(f"no warm-up frame to replay as the raw broadcast: {sample!r}")

            def broadcast(n: int) -> int:
                frame = sample.replace(marker, f"{MARKER.decode()}{BROADCAST_BASE + n}", 1)
                return client.call(BENCH_ROUTE, rpc_body("bench.broadcast", {"frame": frame}))[0]

            cpu = server.cpu_seconds()
            raw_acks = _paced(profile.posts, profile.post_rate, broadcast)
            time.sleep(SETTLE_SECONDS)
            raw_cpu = server.cpu_seconds() - cpu
            wall = time.perf_counter() - opened
            receipts = fleet.collect()
    finally:
        client.close()
    result["events"] = _latencies(acks, receipts, 0, len(watchers))
    result["raw_broadcast"] = _latencies(raw_acks, receipts, BROADCAST_BASE, len(watchers))
    result["frame_bytes"] = len(sample.encode())
    # Server CPU per post, idle time between posts included (it is ~0 when idle).
    result["events"]["server_cpu_ms_per_event"] = round(event_cpu / profile.posts * 1e3, 2)
    result["raw_broadcast"]["server_cpu_ms_per_event"] = round(raw_cpu / profile.posts * 1e3, 2)
    result["subscriber_cpu_cores"] = round(receipts.cpu_seconds / wall, 3)
    result["closed_early"] = receipts.closed_early
    _say("one project, events", result["events"])
    _say("one project, raw broadcast B", result["raw_broadcast"])
    return result


def spread(server: ServerProcess, profile: Profile, *, owners: list[str], poster: str,
           tickets: list[int]) -> dict[str, Any]:
    """Every subscriber is a customer on their own ticket; each post concerns one of them."""
    requests = (rpc_body("events.subscribe", {}),)
    client = BlockingClient(server.host, server.port, poster)
    result: dict[str, Any] = {"subscribers": len(owners), "rate": profile.post_rate}
    try:
        with SubscriberFleet(_specs(server, owners, profile.subscriber_workers,
                                    requests)) as fleet:
            _paced(WARMUP_POSTS, profile.post_rate,
                   _post(client, lambda n: tickets[n % len(tickets)], WARMUP_BASE))
            cpu = server.cpu_seconds()
            acks = _paced(profile.posts, profile.post_rate,
                          _post(client, lambda n: tickets[n % len(tickets)], 0))
            time.sleep(SETTLE_SECONDS)
            cpu = server.cpu_seconds() - cpu
            receipts = fleet.collect()
    finally:
        client.close()
    result["events"] = _latencies(acks, receipts, 0, 1)
    result["events"]["server_cpu_ms_per_event"] = round(cpu / profile.posts * 1e3, 2)
    _say("spread over tickets, events", result["events"])
    return result


def _say(label: str, figure: dict[str, Any]) -> None:
    last = figure["to_last"]
    print(f"  {label:<34} p50 {last['p50_ms']:7.2f} ms  p99 {last['p99_ms']:7.2f} ms  "
          f"max {last['max_ms']:7.2f} ms  delivered {figure['delivered_fraction']:.2%}  "
          f"server {figure['server_cpu_ms_per_event']} ms CPU/event", flush=True)
