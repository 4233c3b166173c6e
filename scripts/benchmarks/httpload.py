"""A lean HTTP/1.1 load generator: keep-alive, no pipelining, one device per connection.

httpx tops out near 1k requests/s, far below the server, so each connection here is a
bare ``asyncio.Protocol`` (on uvloop when installed) that writes a prebuilt request
and parses only the status line, ``content-length`` and the start of the JSON-RPC
answer. Every connection binds its source address first: on the loopback overlay the
127.x.y.z address *is* the device, so 64 connections are 64 devices, each under its
own write rate limit, exactly as 64 people would be.

Two modes: closed loop (send the next request when the answer arrives: the maximum
rate) and paced (each connection sends on a fixed schedule; latency is measured from
the *scheduled* time, so a stalled server is not hidden by a generator that waited).
Connections are spread over a few worker processes; each reports the CPU time it
used during the measured window, so the report can show the generator is not the
bottleneck.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import resource
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import cast

DEFAULT_WORKERS = 2
CONNECT_TIMEOUT = 10.0
DRAIN_TIMEOUT = 10.0
_ERROR_PREFIX = b'{"jsonrpc":"2.0","error"'


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadSpec:
    """One load run: where, what, from which devices, how long, how fast."""

    host: str
    port: int
    path: str
    bodies: tuple[bytes, ...]  # connection i sends bodies[i % len(bodies)]
    sources: tuple[str, ...]  # connection i binds sources[i % len(sources)]
    connections: int
    seconds: float
    warmup: float
    rate: float | None = None  # total requests/s (paced); None: closed loop
    workers: int = DEFAULT_WORKERS


@dataclass(slots=True)
class LoadResult:
    """What the measured window saw (warm-up excluded), summed over workers."""

    latencies_ns: array[int] = field(default_factory=lambda: array("q"))
    ok: int = 0
    errors: int = 0
    seconds: float = 0.0
    generator_cpu_seconds: float = 0.0
    workers: int = 0
    first_error: str = ""

    @property
    def rate(self) -> float:
        """Successful answers per second in the measured window."""
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def generator_cpu_share(self) -> float:
        """Generator CPU time over wall time, in cores (1.0 = one core busy)."""
        return self.generator_cpu_seconds / self.seconds if self.seconds else 0.0

    def merge(self, other: LoadResult) -> None:
        """Add another worker's window (the windows are the same wall-clock span)."""
        self.latencies_ns.extend(other.latencies_ns)
        self.ok += other.ok
        self.errors += other.errors
        self.seconds = max(self.seconds, other.seconds)
        self.generator_cpu_seconds += other.generator_cpu_seconds
        self.workers += other.workers
        self.first_error = self.first_error or other.first_error


def request_bytes(host: str, port: int, path: str, body: bytes) -> bytes:
    """One keep-alive POST with a JSON body."""
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class _Window:
    """The measured span and what fell in it, shared by one worker's connections."""

    def __init__(self, start_ns: int, end_ns: int) -> None:
        self.start_ns = start_ns
        self.end_ns = end_ns
        self.latencies = array("q")
        self.ok = 0
        self.errors = 0
        self.first_error = ""
        self.in_flight = 0
        self.idle = asyncio.Event()

    def record(self, sent_ns: int, done_ns: int, ok: bool, detail: bytes) -> None:  # noqa: FBT001
        if self.start_ns <= sent_ns < self.end_ns:
            if ok:
                self.ok += 1
                self.latencies.append(done_ns - sent_ns)
            else:
                self.errors += 1
                self.first_error = self.first_error or detail[:300].decode(errors="replace")


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending one request at a time."""

    def __init__(self, request: bytes, window: _Window, interval_ns: int | None,
                 first_ns: int) -> None:
        self._request = request
        self._window = window
        self._interval = interval_ns
        self._next_ns = first_ns  # paced: when the next request is due
        self._sent_ns = 0
        self._buffer = bytearray()
        self._need = -1  # bytes of the current answer, once its header is read
        self._status = b""
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self.closed = self._loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if self._sent_ns:
            self._window.record(self._sent_ns, time.perf_counter_ns(), False,  # noqa: FBT003
                                f"connection lost: {exc}".encode())
            self._finish()
        if not self.closed.done():
            self.closed.set_result(None)

    def start(self) -> None:
        """Send the first request (now, or at its scheduled time)."""
        self._schedule()

    def _schedule(self) -> None:
        now = time.perf_counter_ns()
        if now >= self._window.end_ns:
            return
        if self._interval is None:
            self._send(now)
            return
        delay = (self._next_ns - now) / 1e9
        if delay <= 0:
            self._send(self._next_ns)
        else:
            self._loop.call_later(delay, self._send_scheduled)

    def _send_scheduled(self) -> None:
        self._send(self._next_ns)

    def _send(self, intended_ns: int) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        if self._interval is not None:
            self._next_ns += self._interval
        self._sent_ns = intended_ns
        self._window.in_flight += 1
        self._transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while True:
            if self._need < 0:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(buffer[:end]).lower()
                self._status = head[9:12]
                at = head.find(b"content-length:")
                length = 0
                if at >= 0:
                    line_end = head.find(b"\r\n", at)
                    length = int(head[at + 15:line_end if line_end >= 0 else None])
                del buffer[:end + 4]
                self._need = length
            if len(buffer) < self._need:
                return
            body = bytes(buffer[:self._need])
            del buffer[:self._need]
            self._need = -1
            self._answered(body)

    def _answered(self, body: bytes) -> None:
        done = time.perf_counter_ns()
        ok = self._status == b"200" and not body.startswith(_ERROR_PREFIX)
        self._window.record(self._sent_ns, done, ok, self._status + b" " + body)
        self._sent_ns = 0
        self._finish()
        self._schedule()

    def _finish(self) -> None:
        window = self._window
        window.in_flight -= 1
        if window.in_flight == 0 and time.perf_counter_ns() >= window.end_ns:
            window.idle.set()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _run_worker(spec: LoadSpec, indexes: list[int], pipe: Connection) -> LoadResult:
    loop = asyncio.get_running_loop()
    window = _Window(0, 0)
    per_conn_rate = spec.rate / spec.connections if spec.rate else None
    interval = int(1e9 / per_conn_rate) if per_conn_rate else None
    conns: list[_Connection] = []
    factories: list[Callable[[], _Connection]] = []
    for i in indexes:
        request = request_bytes(spec.host, spec.port, spec.path,
                                spec.bodies[i % len(spec.bodies)])
        # Paced connections start spread over one interval, not all at once.
        phase = (interval * i) // spec.connections if interval else 0
        factories.append(functools.partial(_Connection, request, window, interval, phase))
    for i, factory in zip(indexes, factories, strict=True):
        source = spec.sources[i % len(spec.sources)]
        _, proto = await asyncio.wait_for(
            loop.create_connection(factory, spec.host, spec.port, local_addr=(source, 0)),
            CONNECT_TIMEOUT)
        conns.append(proto)
    pipe.send("ready")
    go_ns: int = await loop.run_in_executor(None, pipe.recv)
    window.start_ns = go_ns + int(spec.warmup * 1e9)
    window.end_ns = window.start_ns + int(spec.seconds * 1e9)
    await asyncio.sleep(max(0.0, (go_ns - time.perf_counter_ns()) / 1e9))
    for conn in conns:
        conn._next_ns += go_ns
        conn.start()
    await asyncio.sleep(max(0.0, (window.start_ns - time.perf_counter_ns()) / 1e9))
    cpu_start = _cpu_seconds()
    await asyncio.sleep(max(0.0, (window.end_ns - time.perf_counter_ns()) / 1e9))
    cpu = _cpu_seconds() - cpu_start
    if window.in_flight:
        window.idle.clear()
        try:
            await asyncio.wait_for(window.idle.wait(), DRAIN_TIMEOUT)
        except TimeoutError:
            window.errors += window.in_flight
            window.first_error = window.first_error or "no answer within the drain timeout"
    for conn in conns:
        conn.close()
    return LoadResult(latencies_ns=window.latencies, ok=window.ok, errors=window.errors,
                      seconds=spec.seconds, generator_cpu_seconds=cpu, workers=1,
                      first_error=window.first_error)


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # noqa: PLC0415 - optional speed-up
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _worker_main(spec: LoadSpec, indexes: list[int], pipe: Connection) -> None:
    try:
        with asyncio.Runner(loop_factory=_new_loop) as runner:
            result = runner.run(_run_worker(spec, indexes, pipe))
        pipe.send(result)
    except BaseException as exc:
        pipe.send(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
        raise


def run_load(spec: LoadSpec, *, on_window: Callable[[int, int], None] | None = None
             ) -> LoadResult:
    """Run ``spec`` over worker processes; ``on_window(start_ns, end_ns)`` is called in
    this process right after the start signal (to sample the server over the window)."""
    ctx = multiprocessing.get_context("spawn")
    workers = max(1, min(spec.workers, spec.connections))
    pipes: list[Connection] = []
    processes = []
    for w in range(workers):
        parent, child = ctx.Pipe()
        indexes = list(range(w, spec.connections, workers))
        process = ctx.Process(target=_worker_main, args=(spec, indexes, child), daemon=True)
        process.start()
        child.close()
        pipes.append(parent)
        processes.append(process)
    try:
        for pipe in pipes:
            expect_ready(pipe)
        go_ns = time.perf_counter_ns() + 50_000_000
        for pipe in pipes:
            pipe.send(go_ns)
        start_ns = go_ns + int(spec.warmup * 1e9)
        if on_window is not None:
            on_window(start_ns, start_ns + int(spec.seconds * 1e9))
        total = LoadResult()
        for pipe in pipes:
            answer = pipe.recv()
            if isinstance(answer, BaseException):
                raise answer
            total.merge(answer)
        return total
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


def expect_ready(pipe: Connection, timeout: float = CONNECT_TIMEOUT + 20) -> None:
    """Wait for a worker's \"ready\"; re-raise the exception it sent instead."""
    if not pipe.poll(timeout):
        raise TimeoutError("a worker did not get ready in time")
    answer = pipe.recv()
    if isinstance(answer, BaseException):
        raise answer
    if answer != "ready":
        raise RuntimeError(f"unexpected answer from a load worker: {answer!r}")
