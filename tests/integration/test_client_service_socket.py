"""The client service's Unix socket: private from birth, one service per path, and
newline-delimited JSON-RPC with notifications on the connection that subscribed."""

from __future__ import annotations

import asyncio
import json
import socket
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from hero_assistance.apps.client import LoopbackDeviceOverlay, SupportClient
from hero_assistance.apps.client.service import EventFanout, build_client_registry
from hero_assistance.apps.client.service.remote import (
    ServiceCallError,
    ServiceConnection,
    ServiceNotRunning,
)
from hero_assistance.apps.client.service.unix import ServiceAlreadyRunning, UnixSocketService

pytestmark = pytest.mark.anyio


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[UnixSocketService]:
    """A service over a client that follows nothing, on a socket in a fresh directory."""
    overlay = LoopbackDeviceOverlay("127.0.72.1")
    async with SupportClient(overlay, config_dir=tmp_path / "config") as client, \
            EventFanout(client) as fanout:
        registry = build_client_registry(client)
        async with UnixSocketService(registry, fanout, tmp_path / "run" / "c.sock") as running:
            yield running


async def test_the_socket_is_private_and_removed_on_close(tmp_path: Path) -> None:
    path = tmp_path / "run" / "c.sock"
    async with SupportClient(LoopbackDeviceOverlay("127.0.72.2"),
                             config_dir=tmp_path) as client, EventFanout(client) as fanout:
        async with UnixSocketService(build_client_registry(client), fanout, path):
            assert stat.S_ISSOCK(path.stat().st_mode)
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert not path.exists()
    with pytest.raises(ServiceNotRunning):
        await ServiceConnection.open(path)


async def test_a_stale_socket_is_replaced_and_a_live_one_kept(
        service: UnixSocketService, tmp_path: Path) -> None:
    second = UnixSocketService(service.registry, service.fanout, service.path)
    with pytest.raises(ServiceAlreadyRunning):
        await second.start()
    stale = tmp_path / "stale.sock"
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(str(stale))
    leftover.close()  # the file stays; nobody answers
    async with UnixSocketService(service.registry, service.fanout, stale), \
            await ServiceConnection.open(stale) as connection:
        assert await connection.call("client.projects") == []


async def test_calls_errors_and_batches_over_the_socket(service: UnixSocketService) -> None:
    async with await ServiceConnection.open(service.path) as connection:
        about = await connection.call("client.about")
        assert (about["overlay"], about["device_addr"]) == ("loopback", "127.0.72.1")
        with pytest.raises(ServiceCallError) as refused:
            await connection.call("ticket.get", {"project": "nope", "ticket_id": 1})
        assert refused.value.code == -32003
        # Calls on one connection run concurrently and are matched by id.
        both = await asyncio.gather(connection.call("client.projects"),
                                    connection.call("client.inbox"))
        assert both == [[], {"items": [], "unread": 0, "problems": {}}]
    reader, writer = await asyncio.open_unix_connection(str(service.path))
    try:
        writer.write(b"not json\n")
        writer.write(b'[{"jsonrpc":"2.0","id":1,"method":"client.projects"},'
                     b'{"jsonrpc":"2.0","method":"client.projects"}]\n')
        await writer.drain()
        answers = {json.dumps(json.loads(await reader.readline())) for _ in range(2)}
        assert json.dumps([{"jsonrpc": "2.0", "result": [], "id": 1}]) in answers
        assert any('"code": -32700' in a for a in answers)
    finally:
        writer.close()
        await writer.wait_closed()


async def test_subscriptions_end_with_their_connection(service: UnixSocketService) -> None:
    async with await ServiceConnection.open(service.path) as connection:
        result = await connection.call("events.subscribe", {"since": 0})
        assert (result["subscription"], result["replayed"], result["states"]) == ("s1", [], [])
        assert result["epoch"] == service.fanout.epoch
        assert await connection.call("events.unsubscribe", {"subscription": "s1"}) is True
        assert await connection.call("events.unsubscribe", {"subscription": "s1"}) is False
        await connection.call("events.subscribe", {})
    with anyio.fail_after(5):  # the service notices the closed connection
        while service.fanout.session_count:  # noqa: ASYNC110 - nothing to wait on but the count
            await anyio.sleep(0.01)


async def test_hostile_lines_are_answered_and_the_connection_stays(
        service: UnixSocketService, caplog: pytest.LogCaptureFixture) -> None:
    lines = [
        b"[" * 5000 + b"]" * 5000,
        b'{"jsonrpc":"2.0","id":1e400,"method":"client.projects"}',
        b'{"jsonrpc":"2.0","id":2,"method":"client.projects","params":{"wait":1e400}}',
        (b'{"jsonrpc":"2.0","id":3,"method":"ticket.get","params":{"project":"a",'
        b'"ticket_id":18446744073709551616}}'),
        b'{"jsonrpc":"2.0","id":4,"method":"ticket.create","params":{"subject":"\xff"}}',
        b'{"jsonrpc":"2.0","id":5,"method":"client.projects","params":"x"}',
        b"\xef\xbb\xbf\x00\x00\x00",
    ]
    reader, writer = await asyncio.open_unix_connection(str(service.path))
    try:
        for line in lines:
            writer.write(line + b"\n")
        await writer.drain()
        with anyio.fail_after(10):
            answers = [json.loads(await reader.readline()) for _ in lines]
        writer.write(b'{"jsonrpc":"2.0","id":"after","method":"client.projects"}\n')
        with anyio.fail_after(10):
            after = json.loads(await reader.readline())
    finally:
        writer.close()

    codes = sorted(answer["error"]["code"] for answer in answers)
    assert codes == sorted([-32700, -32600, -32602, -32602, -32700, -32600, -32700])
    assert after == {"jsonrpc": "2.0", "id": "after", "result": []}
    assert not [r for r in caplog.records if r.exc_info]
