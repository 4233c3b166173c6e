"""Slow, half-finished and greedy connections against the real server (issue 12, point 2).

One server of this module runs with short deadlines (about a second each), another
with a cap of four connections per peer and sixteen overall (and deadlines far
away, so that its tests do not depend on timing), so that every rule shows within a
few seconds: a head that drips, a connection that says nothing, a body that stalls and
a client that does not read are cut (408 where an answer can still be sent); an
upload that keeps arriving is served however long it takes; a flood at a cap makes
room by evicting its own stalest connection, so a device still gets in; WebSockets
count against the caps but are never evicted, and a subscriber that just waits is
never cut.

Upper bounds on timings are generous (the suite runs on a loaded 2-core machine);
lower bounds are tight, since cutting a connection early would be the bug.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from PIL import Image

from hero_assistance.apps.client.ui.peer import proc_endpoint

from .server_harness import (
    Person,
    ServerProcess,
    rpc_clients,
    rpc_socket,
    start_server,
)

pytestmark = pytest.mark.anyio

HEAD, BODY, SEND, KEEP_ALIVE = 1.0, 1.0, 1.0, 1
PER_PEER, OVERALL = 4, 16
CAPPED_DEADLINE = 120.0
EARLY = 0.1  # a cut may come this much before its deadline (timer granularity)
LATE = 6.0  # ... and this much after it on a loaded machine
CUSTOMER, AGENT = "127.0.41.1", "127.0.41.2"
GREEDY = "127.0.41.10"
FLOOD = [f"127.0.42.{i}" for i in range(1, 5)]
_port_host = "127.0.0.1"
ESTABLISHED = "01"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with short deadlines and small caps."""
    running = start_server(tmp_path_factory.mktemp("slow"), connections={
        "head_timeout_seconds": HEAD, "body_timeout_seconds": BODY,
        "send_timeout_seconds": SEND, "keep_alive_seconds": KEEP_ALIVE,
        "max_connections": OVERALL, "max_connections_per_peer": PER_PEER,
    })
    try:
        yield running
    finally:
        assert running.stop() == 0, running.log()


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with the same small caps but deadlines far beyond any test: whatever is
    closed there within seconds was evicted or refused, however loaded the machine."""
    running = start_server(tmp_path_factory.mktemp("capped"), connections={
        "head_timeout_seconds": CAPPED_DEADLINE, "body_timeout_seconds": CAPPED_DEADLINE,
        "max_connections": OVERALL, "max_connections_per_peer": PER_PEER,
    })
    try:
        yield running
    finally:
        assert running.stop() == 0, running.log()


@pytest.fixture(scope="module")
def customer(server: ServerProcess) -> Person:
    return server.person("customer", CUSTOMER)


@pytest.fixture(scope="module")
def agent(server: ServerProcess) -> Person:
    return server.person("agent", AGENT)


class Raw:
    """A plain TCP connection from a chosen device address."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 opened: float) -> None:
        self.reader, self.writer = reader, writer
        self.opened = opened  # before the connect: no server deadline starts earlier

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def until_closed(self, within: float) -> tuple[bytes, float]:
        """Everything the server sends until it closes; seconds since the connect."""
        received = b""
        async with asyncio.timeout(within):
            while True:
                try:
                    chunk = await self.reader.read(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                received += chunk
        return received, time.monotonic() - self.opened

    async def still_open(self, seconds: float) -> bool:
        """Whether the server keeps the connection for ``seconds`` (sending nothing)."""
        try:
            async with asyncio.timeout(seconds):
                chunk = await self.reader.read(1)
        except TimeoutError:
            return True
        except ConnectionResetError:
            return False
        assert not chunk, f"unexpected bytes {chunk!r}"
        return False

    def close(self) -> None:
        self.writer.close()


@contextlib.asynccontextmanager
async def raw(server: ServerProcess, address: str) -> AsyncIterator[Raw]:
    connecting = time.monotonic()
    reader, writer = await asyncio.open_connection(_port_host, server.port,
                                                   local_addr=(address, 0))
    connection = Raw(reader, writer, connecting)
    try:
        yield connection
    finally:
        connection.close()


def _request(body: bytes, length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return (b"POST /rpc HTTP/1.1\r\nHost: server\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % size) + body


WHOAMI = b'{"jsonrpc":"2.0","id":1,"method":"auth.whoami"}'


def _cut_in_time(elapsed: float, deadline: float) -> None:
    assert deadline - EARLY <= elapsed <= deadline + LATE, f"cut after {elapsed:.2f} s"


async def test_a_dripping_request_head_gets_408_then_close(server: ServerProcess) -> None:
    async with raw(server, "127.0.41.20") as conn:
        head = b"POST /rpc HTTP/1.1\r\nHost: server\r\nX-Padding: " + b"a" * 200
        dripping = asyncio.create_task(_drip(conn, head, every=0.05))
        received, elapsed = await conn.until_closed(HEAD + LATE)
        dripping.cancel()
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert b"connection: close" in received
    _cut_in_time(elapsed, HEAD)


async def _drip(conn: Raw, data: bytes, every: float) -> None:
    with contextlib.suppress(OSError):
        for byte in data:
            await conn.send(bytes([byte]))
            await asyncio.sleep(every)


async def test_a_connection_that_says_nothing_is_closed(server: ServerProcess) -> None:
    async with raw(server, "127.0.41.21") as conn:
        received, elapsed = await conn.until_closed(HEAD + LATE)
    assert received == b""
    _cut_in_time(elapsed, HEAD)


async def test_a_half_sent_websocket_upgrade_is_cut(server: ServerProcess) -> None:
    async with raw(server, "127.0.41.22") as conn:
        await conn.send(b"GET /rpc HTTP/1.1\r\nHost: server\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
        received, elapsed = await conn.until_closed(HEAD + LATE)
    assert received.startswith(b"HTTP/1.1 408 "), received
    _cut_in_time(elapsed, HEAD)


async def test_a_body_shorter_than_its_length_gets_408(server: ServerProcess) -> None:
    async with raw(server, "127.0.41.23") as conn:
        sent = time.monotonic()  # the body's deadline starts once the head arrived
        await conn.send(_request(WHOAMI[:20], length=len(WHOAMI)))
        received, _ = await conn.until_closed(BODY + LATE)
        elapsed = time.monotonic() - sent
    assert received.startswith(b"HTTP/1.1 408 "), received
    _cut_in_time(elapsed, BODY)


async def test_an_upload_that_keeps_arriving_is_served_however_long(
        server: ServerProcess, customer: Person) -> None:
    # Whitespace is JSON: the request is padded and sent in pieces over ~4 body timeouts.
    body = WHOAMI[:-1] + b" " * 400 + b"}"
    async with raw(server, customer.address) as conn:
        await conn.send(_request(b"", length=len(body)))
        started = time.monotonic()
        for start in range(0, len(body), 40):
            await conn.send(body[start:start + 40])
            await asyncio.sleep(BODY * 0.4)
        assert time.monotonic() - started > 3 * BODY
        head = await asyncio.wait_for(conn.reader.readuntil(b"\r\n\r\n"), LATE)
        assert head.startswith(b"HTTP/1.1 200 "), head
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        answer = msgspec.json.decode(await conn.reader.readexactly(length))
    assert answer["result"]["device_addr"] == customer.address


async def test_an_idle_keep_alive_connection_is_closed(server: ServerProcess) -> None:
    async with raw(server, "127.0.41.24") as conn:
        asked = time.monotonic()  # the server answers (and starts idling) after this
        await conn.send(_request(WHOAMI))
        head = await asyncio.wait_for(conn.reader.readuntil(b"\r\n\r\n"), LATE)
        assert head.startswith(b"HTTP/1.1 200 ")
        _, _ = await conn.until_closed(KEEP_ALIVE + LATE)
        _cut_in_time(time.monotonic() - asked, KEEP_ALIVE)


def _noise_png() -> bytes:
    """A PNG of random pixels: ~9 MB that no compressor shrinks."""
    width, height = 1900, 1550
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(
        buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _tcp_state(local: tuple[str, int], remote: tuple[str, int]) -> str | None:
    """The kernel's state of the socket ``local`` -> ``remote`` ("01": established)."""
    want = (proc_endpoint(*local), proc_endpoint(*remote))
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (fields[1], fields[2]) == want:
            return fields[3]
    return None


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net/tcp")
async def test_a_client_that_does_not_read_its_answer_is_cut(
        server: ServerProcess, customer: Person) -> None:
    image = _noise_png()
    async with rpc_clients(server, customer.address) as (client,):
        uploaded = await client.upload(image)
        assert uploaded.status_code == 201, uploaded.text
        sha = uploaded.json()["sha256"]
    reader = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with reader:
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a tiny window
        reader.bind((customer.address, 0))
        reader.connect((_port_host, server.port))
        server_end, client_end = reader.getpeername(), reader.getsockname()
        asked = time.monotonic()  # the send deadline cannot start before this
        reader.sendall(b"GET /attachments/%s HTTP/1.1\r\nHost: server\r\n\r\n" % sha.encode())
        deadline = asked + SEND + LATE
        # Never read; watch the server's end of the connection until the server closes it.
        while _tcp_state(server_end, client_end) == ESTABLISHED:
            assert time.monotonic() < deadline, "the server still writes to a non-reader"
            await asyncio.sleep(0.05)
        assert time.monotonic() - asked >= SEND - EARLY
        reader.settimeout(LATE)
        received = b""
        while chunk := reader.recv(1 << 20):  # what the kernel had buffered, then EOF
            received += chunk
    assert len(received) < len(image), "the whole answer arrived: nothing was cut"


async def test_a_peer_at_its_cap_loses_its_stalest_connection(
        capped: ServerProcess) -> None:
    async with contextlib.AsyncExitStack() as stack:
        held = [await stack.enter_async_context(raw(capped, GREEDY)) for _ in range(PER_PEER)]
        for conn in held:  # every one waits for the rest of its head; the first is stalest
            await conn.send(b"POST")
        newest = await stack.enter_async_context(raw(capped, GREEDY))
        evicted, _ = await held[0].until_closed(LATE)  # its deadline is far away
        assert evicted == b""  # evicted, not timed out (that would have been a 408)
        await newest.send(_request(WHOAMI))
        head = await asyncio.wait_for(newest.reader.readuntil(b"\r\n\r\n"), LATE)
        assert head.startswith(b"HTTP/1.1 200 ")
        assert await held[1].still_open(0.2)


async def test_a_flood_at_the_overall_cap_still_lets_a_device_in(
        capped: ServerProcess) -> None:
    device_address = "127.0.43.1"
    capped.person("customer", device_address)
    async with contextlib.AsyncExitStack() as stack:
        flood = [await stack.enter_async_context(raw(capped, address))
                 for address in FLOOD for _ in range(PER_PEER)]
        for conn in flood:
            await conn.send(b"POST")
        assert len(flood) == OVERALL  # accepted in connect order: the cap is full
        async with rpc_clients(capped, device_address) as (device,):
            me = await device.call("auth.whoami")
        assert me["device_addr"] == device_address
        evicted, _ = await flood[0].until_closed(LATE)
        assert evicted == b""  # evicted to make room, long before its deadline


async def test_websockets_count_against_the_cap_and_are_never_evicted(
        capped: ServerProcess) -> None:
    address = "127.0.43.2"
    capped.person("customer", address)
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(rpc_socket(capped, address))
                   for _ in range(PER_PEER)]
        async with raw(capped, address) as refused:
            with contextlib.suppress(OSError):  # it may be closed already
                await refused.send(b"POST")
            received, _ = await refused.until_closed(LATE)
        assert received == b""  # refused at accept: nothing of this peer is evictable
        for socket_ in sockets:
            assert (await socket_.call("auth.whoami"))["device_addr"] == address


async def test_a_subscriber_that_just_waits_is_never_cut(
        server: ServerProcess, customer: Person, agent: Person) -> None:
    async with rpc_socket(server, agent.address) as watcher:
        await watcher.subscribe()
        assert await watcher.quiet_for(3 * max(HEAD, BODY, SEND, KEEP_ALIVE)) == []
        async with rpc_clients(server, customer.address) as (client,):
            ticket = await client.call("ticket.create", {"subject": "still there?"})
        event = await watcher.events_until(
            lambda e: e.get("data", {}).get("ticket", {}).get("id") == ticket["id"])
    assert event


async def test_the_ready_file_states_the_caps(server: ServerProcess) -> None:
    record = server.readiness()
    assert record is not None
    details: dict[str, Any] = record.details
    assert details["max_connections"] == OVERALL
    assert details["max_connections_per_peer"] == PER_PEER
    assert details["fd_limit"] == int(_soft_fd_limit(server.process.pid))


def _soft_fd_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return line.split()[3]
    raise AssertionError("no fd limit in /proc/PID/limits")
