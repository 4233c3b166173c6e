"""The overlay listener's socket, served by asyncio as uvicorn serves it."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from hero_assistance.apps.server.listeners import bind_tcp

from .server_harness import RpcClient, ServerProcess, free_port

pytestmark = pytest.mark.anyio


async def test_accepted_connections_send_without_nagle_delay() -> None:
    # asyncio sets TCP_NODELAY only on sockets whose proto is TCP; without it a
    # response written in two parts waits ~40 ms for the client's delayed ACK.
    listener = bind_tcp("127.0.0.1", free_port())
    options: list[int] = []

    async def accepted(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        options.append(writer.get_extra_info("socket").getsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accepted, sock=listener)
    try:
        host, port = listener.getsockname()[:2]
        _reader, writer = await asyncio.open_connection(host, port)
        writer.close()
        await writer.wait_closed()
        for _ in range(100):
            if options:
                break
            await asyncio.sleep(0.01)
    finally:
        server.close()
        await server.wait_closed()
    assert options == [1]


async def test_the_listener_never_binds_a_wildcard_address() -> None:
    with pytest.raises(ValueError, match="wildcard"):
        bind_tcp("0.0.0.0", free_port())  # noqa: S104 - the refusal is the point


async def test_small_requests_answer_in_milliseconds(server: ServerProcess) -> None:
    async with RpcClient(server, "127.0.0.81") as client:
        await client.call("project.info")  # connection set up
        started = time.perf_counter()
        for _ in range(20):
            await client.call("project.info")
        elapsed = time.perf_counter() - started
    # 20 round trips stalled by delayed ACKs take ~0.9 s; unstalled, a few ms each.
    assert elapsed < 0.5, f"20 requests took {elapsed:.3f} s"
