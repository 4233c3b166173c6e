"""Lean WebSocket subscribers: many sockets per worker process, one device per socket.

Each socket binds its own 127.x.y.z source address (its device), opens ``/rpc``,
calls ``events.subscribe`` (and, for the raw broadcast ceiling, ``bench.listen``),
then only timestamps the frames it receives. A frame is recognised by the marker the
poster put in the message body (``fanout-<n>``); the worker keeps, per marker, how
many sockets received it and when the first and the last did. The protocol is
written out by hand (RFC 6455, client side: masked small text frames out, unmasked
frames in, pings answered) so that receiving a frame costs a few microseconds.
"""

from __future__ import annotations

import asyncio
import base64
import multiprocessing
import os
import resource
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast

from .httpload import expect_ready

MARKER = b"fanout-"
CONNECT_BATCH = 50
CONNECT_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriberSpec:
    """Sockets of one worker and what each asks for once connected."""

    host: str
    port: int
    sources: tuple[str, ...]
    requests: tuple[bytes, ...]  # JSON-RPC requests sent after the handshake, in order


@dataclass(slots=True)
class Receipts:
    """Per marker: how many sockets got it, first and last receipt time (ns)."""

    seen: dict[int, list[int]] = field(default_factory=dict)  # n -> [count, first, last]
    sockets: int = 0
    cpu_seconds: float = 0.0
    sample_frame: str = ""
    closed_early: int = 0

    def merge(self, other: Receipts) -> None:
        """Combine the receipts of another worker."""
        for key, (count, first, last) in other.seen.items():
            mine = self.seen.get(key)
            if mine is None:
                self.seen[key] = [count, first, last]
            else:
                mine[0] += count
                mine[1] = min(mine[1], first)
                mine[2] = max(mine[2], last)
        self.sockets += other.sockets
        self.cpu_seconds += other.cpu_seconds
        self.sample_frame = self.sample_frame or other.sample_frame
        self.closed_early += other.closed_early


def _mask(payload: bytes) -> bytes:
    key = os.urandom(4)
    length = len(payload)
    if length < 126:
        head = bytes([0x81, 0x80 | length])
    else:
        head = bytes([0x81, 0x80 | 126]) + length.to_bytes(2, "big")
    repeated = (key * (length // 4 + 1))[:length]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        length, "big")
    return head + key + masked


class _Subscriber(asyncio.Protocol):
    """One WebSocket: handshake, a few requests, then receive and timestamp frames."""

    def __init__(self, host: str, port: int, requests: tuple[bytes, ...],
                 receipts: Receipts) -> None:
        self._host = f"{host}:{port}"
        self._requests = requests
        self._receipts = receipts
        self._buffer = bytearray()
        self._upgraded = False
        self._answers = 0
        self._transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        key = base64.b64encode(os.urandom(16)).decode()
        self._transport.write(
            f"GET /rpc HTTP/1.1\r\nHost: {self._host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed during set-up: {exc}"))
        elif not self.lost.done():
            self._receipts.closed_early += 1
        if not self.lost.done():
            self.lost.set_result(None)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(ConnectionError(bytes(buffer[:200]).decode()))
                self.close()
                return
            del buffer[:end + 4]
            self._upgraded = True
            self._send_next()
        self._frames(buffer)

    def _frames(self, buffer: bytearray) -> None:
        while len(buffer) >= 2:
            opcode = buffer[0] & 0x0F
            length = buffer[1] & 0x7F
            start = 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length = int.from_bytes(buffer[2:4], "big")
                start = 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length = int.from_bytes(buffer[2:10], "big")
                start = 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start:start + length])
            del buffer[:start + length]
            self._frame(opcode, payload)

    def _frame(self, opcode: int, payload: bytes) -> None:
        if opcode == 0x9 and self._transport is not None:  # ping: answer with a pong
            self._transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
            return
        if opcode == 0x8:
            self.close()
            return
        at = payload.find(MARKER)
        if at >= 0:
            now = time.perf_counter_ns()
            start = at + len(MARKER)
            end = start
            while end < len(payload) and 48 <= payload[end] <= 57:
                end += 1
            key = int(payload[start:end])
            entry = self._receipts.seen.get(key)
            if entry is None:
                self._receipts.seen[key] = [1, now, now]
                if not self._receipts.sample_frame:
                    self._receipts.sample_frame = payload.decode()
            else:
                entry[0] += 1
                entry[2] = now
            return
        if not self.ready.done():  # an answer to one of the set-up requests
            if b'"error"' in payload:
                self.ready.set_exception(ConnectionError(payload.decode()[:300]))
                return
            self._answers += 1
            self._send_next()

    def _send_next(self) -> None:
        if self._answers < len(self._requests):
            assert self._transport is not None  # noqa: S101 - connected
            self._transport.write(_mask(self._requests[self._answers]))
        elif not self.ready.done():
            self.ready.set_result(None)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _run(spec: SubscriberSpec, pipe: Connection) -> Receipts:
    loop = asyncio.get_running_loop()
    receipts = Receipts()
    subscribers: list[_Subscriber] = []

    async def open_one(source: str) -> _Subscriber:
        _, proto = await loop.create_connection(
            lambda: _Subscriber(spec.host, spec.port, spec.requests, receipts),
            spec.host, spec.port, local_addr=(source, 0))
        await proto.ready
        return proto

    for at in range(0, len(spec.sources), CONNECT_BATCH):
        batch = spec.sources[at:at + CONNECT_BATCH]
        opened = await asyncio.wait_for(
            asyncio.gather(*(open_one(source) for source in batch)), CONNECT_TIMEOUT)
        subscribers.extend(opened)
    receipts.sockets = len(subscribers)
    pipe.send("ready")
    cpu_start = _cpu()
    while (command := await loop.run_in_executor(None, pipe.recv)) == "sample":
        pipe.send(receipts.sample_frame)
    if command != "stop":
        raise RuntimeError(f"unexpected command {command!r}")
    receipts.cpu_seconds = _cpu() - cpu_start
    for sub in subscribers:
        sub.close()
    await asyncio.sleep(0.1)
    return receipts


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # noqa: PLC0415 - optional speed-up
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _worker_main(spec: SubscriberSpec, pipe: Connection) -> None:
    try:
        with asyncio.Runner(loop_factory=_new_loop) as runner:
            pipe.send(runner.run(_run(spec, pipe)))
    except BaseException as exc:
        pipe.send(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
        raise


class SubscriberFleet:
    """Worker processes holding every subscriber socket; ``with`` opens and closes them."""

    def __init__(self, specs: list[SubscriberSpec]) -> None:
        self._specs = specs
        self._pipes: list[Connection] = []
        self._processes: list[Any] = []

    def __enter__(self) -> SubscriberFleet:
        ctx = multiprocessing.get_context("spawn")
        for spec in self._specs:
            parent, child = ctx.Pipe()
            process = ctx.Process(target=_worker_main, args=(spec, child), daemon=True)
            process.start()
            child.close()
            self._pipes.append(parent)
            self._processes.append(process)
        try:
            for pipe in self._pipes:
                expect_ready(pipe, CONNECT_TIMEOUT * 4)
        except BaseException:
            self._kill()
            raise
        return self

    def sample_frame(self) -> str:
        """A frame one of the sockets received (to replay as the raw broadcast)."""
        for pipe in self._pipes:
            pipe.send("sample")
        frames = [pipe.recv() for pipe in self._pipes]
        return next((frame for frame in frames if frame), "")

    def collect(self) -> Receipts:
        """Stop every worker and merge what they received."""
        total = Receipts()
        for pipe in self._pipes:
            pipe.send("stop")
        for pipe in self._pipes:
            answer = pipe.recv()
            if isinstance(answer, BaseException):
                raise answer
            total.merge(answer)
        self._pipes.clear()
        return total

    def __exit__(self, *exc: object) -> None:
        self._kill()

    def _kill(self) -> None:
        wait = 0 if self._pipes else 5  # workers not collected still wait for "stop"
        for process in self._processes:
            process.join(timeout=wait)
            if process.is_alive():
                process.kill()
                process.join()
        self._processes.clear()
        self._pipes.clear()
