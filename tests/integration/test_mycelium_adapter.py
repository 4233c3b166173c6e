"""The mycelium adapter against the API stand-in on real sockets (TCP and Unix)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hero_assistance.adapters.mycelium import (
    DaemonAnswerInvalid,
    DaemonRefused,
    DaemonUnreachable,
    InvalidEndpoint,
    MyceliumApi,
    MyceliumOverlay,
    NodeAddressChanged,
    NodeAddressInvalid,
)
from tests.support.mycelium_standin import MyceliumStandin, StandinNode
from tests.support.processes import Child, start_standin

pytestmark = pytest.mark.anyio

VECTOR_KEY = "abd16194646defe7ad2318a0f0a69eb2e3fe939c3b0b51cf0bb88bb8028ecd1d"
VECTOR_ADDRESS = "597:d890:a254:dd45:2bc6:9a47:40d5:ed83"
KEY = "02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf"
OTHER_KEY = "13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace"
PEER_IP, PEER_KEY = "5fd:7636:b80:9ad0::1", "cd" * 32


def node(ip: str | None = "4aa:1::1", subnet: str = "4aa:1::/64", key: str = KEY) -> StandinNode:
    """A stand-in identity."""
    return StandinNode(subnet=subnet, pubkey=key, node_ip=ip)


class ServedStandin(MyceliumStandin):
    """A stand-in that knows the URL it serves JSON-RPC on."""

    url = ""


@pytest.fixture
async def standin() -> AsyncIterator[ServedStandin]:
    """A stand-in serving JSON-RPC on a loopback port."""
    server = ServedStandin(node(), known={PEER_IP: PEER_KEY})
    host, port = await server.serve_tcp("127.0.0.1", 0)
    server.url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        await server.close()


async def free_port() -> int:
    """A loopback port with no listener."""
    server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    server.close()
    await server.wait_closed()
    return port


class CannedServer:
    """Answers every connection with fixed bytes (None: accept and say nothing)."""

    def __init__(self, answer: bytes | None) -> None:
        self.answer = answer
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._reply, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *_exc: object) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()
        await asyncio.sleep(0)

    async def _reply(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        if self.answer is None:
            return
        await reader.readuntil(b"\r\n\r\n")
        writer.write(self.answer)
        await writer.drain()
        writer.close()


def http(body: bytes, status: str = "200 OK") -> bytes:
    """A whole HTTP/1.1 response."""
    return (f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


# --- getInfo ------------------------------------------------------------------------

async def test_get_info_reports_the_node(standin: ServedStandin) -> None:
    async with MyceliumApi(standin.url) as api:
        info = await api.node_info()
    assert str(info.address) == "4aa:1::1"
    assert str(info.subnet) == "4aa:1::/64"
    assert info.public_key == KEY
    assert info.derived is False
    assert info.start_time == standin.node.start_time
    assert standin.calls == ["getInfo"]


async def test_a_legacy_daemon_gets_the_address_derived_from_its_key(
        standin: ServedStandin) -> None:
    standin.node = node(None, "597:d890:a254:dd45::/64", VECTOR_KEY)
    async with MyceliumApi(standin.url) as api:
        info = await api.node_info()
    assert str(info.address) == VECTOR_ADDRESS
    assert info.derived is True


@pytest.mark.parametrize(("reported", "error", "words"), [
    (node("fd00::1", "fd00::/64", KEY), NodeAddressInvalid, "outside the mycelium range"),
    (node("4aa:1::1", "fd00::/64", KEY), NodeAddressInvalid, "subnet fd00::/64 is outside"),
    (node("4aa:1::1", "4aa:2::/64", KEY), NodeAddressInvalid, "not inside its own subnet"),
    (node(None, "4aa:1::/64", VECTOR_KEY), NodeAddressInvalid, "not inside its own subnet"),
    (node("4aa:1::1", "4aa:1::/64", "zz" * 32), DaemonAnswerInvalid, "not hex"),
    (node("4aa:1::1", "4aa:1::/64", "ab" * 16), DaemonAnswerInvalid, "not 32 bytes"),
    (node("127.0.0.1", "4aa:1::/64", KEY), DaemonAnswerInvalid, "not an IPv6 address"),
    (node("4aa:1::1", "4aa:1::1/64", KEY), DaemonAnswerInvalid, "not an IPv6 network"),
])
async def test_a_node_the_server_must_not_serve_on_is_refused(
        standin: ServedStandin, reported: StandinNode, error: type[Exception],
        words: str) -> None:
    standin.node = reported
    async with MyceliumApi(standin.url) as api:
        with pytest.raises(error, match=words):
            await api.node_info()


@pytest.mark.parametrize(("answer", "words"), [
    (b"SSH-2.0-OpenSSH_9.2\r\n", "does not speak HTTP"),
    (http(b"<html>hello</html>"), "did not answer getInfo with JSON-RPC"),
    (http(b"[1, 2]"), "did not answer getInfo with JSON-RPC"),
    (http(b'{"jsonrpc": "2.0", "id": 1, "result": {"nodeSubnet": 5}}'), "unexpected result"),
    (http(b'{"jsonrpc": "2.0", "id": 1, "result": "4aa::1"}'), "unexpected result"),
    (http(b'{"jsonrpc": "2.0", "id": 99, "result": {}}'), "another id"),
    (http(b'{"jsonrpc": "2.0", "id": 1}'), "without a result"),
    (http(b"not found", "404 Not Found"), "HTTP 404"),
])
async def test_garbage_is_a_clear_invalid_answer(answer: bytes, words: str) -> None:
    async with CannedServer(answer) as where, MyceliumApi(where) as api:
        with pytest.raises(DaemonAnswerInvalid, match=words):
            await api.node_info()


async def test_an_absent_daemon_is_unreachable() -> None:
    where = f"http://127.0.0.1:{await free_port()}"
    async with MyceliumApi(where) as api:
        with pytest.raises(DaemonUnreachable, match=f"no mycelium daemon answers at {where}"):
            await api.node_info()


async def test_a_daemon_that_never_answers_times_out() -> None:
    async with CannedServer(None) as where, MyceliumApi(where, timeout=0.3) as api:
        started = time.monotonic()
        with pytest.raises(DaemonUnreachable, match="Timeout"):
            await api.node_info()
    assert time.monotonic() - started < 3


async def test_a_unix_socket_is_reached_by_url_and_by_path(tmp_path: Path) -> None:
    server = MyceliumStandin(node())
    path = tmp_path / "api.sock"
    await server.serve_unix(path)
    try:
        for endpoint in (f"unix://{path}", str(path)):
            async with MyceliumApi(endpoint) as api:
                assert str((await api.node_info()).address) == "4aa:1::1"
    finally:
        await server.close()
    async with MyceliumApi(str(path)) as api:
        with pytest.raises(DaemonUnreachable):
            await api.node_info()


@pytest.mark.parametrize("endpoint", ["ftp://example", "127.0.0.1:8990", "unix://", ""])
def test_a_malformed_endpoint_is_refused_at_once(endpoint: str) -> None:
    with pytest.raises(InvalidEndpoint):
        MyceliumOverlay(endpoint)


# --- getPublicKeyFromIp ---------------------------------------------------------------

@pytest.mark.parametrize("shape", ["spec", "daemon"])
async def test_public_key_of_accepts_both_answer_shapes(
        standin: ServedStandin, shape: str) -> None:
    standin.key_result = shape  # type: ignore[assignment]
    async with MyceliumApi(standin.url) as api:
        assert await api.public_key_of(PEER_IP) == PEER_KEY
        assert await api.public_key_of("4aa:1::77") == KEY
        assert await api.public_key_of("4aa:9::1") is None  # 404 (spec) or -32008 (daemon)


async def test_public_key_of_reports_other_errors(standin: ServedStandin) -> None:
    async with MyceliumApi(standin.url) as api:
        with pytest.raises(DaemonRefused) as refused:
            await api.public_key_of("no-address")
    assert refused.value.code == -32602


# --- the overlay: start-up, range, restart detection ----------------------------------

async def test_the_overlay_listens_on_the_node_address(standin: ServedStandin) -> None:
    overlay = MyceliumOverlay(standin.url)
    assert overlay.name == "mycelium"
    assert await overlay.listen_address() == "4aa:1::1"
    assert overlay.is_device_address("5ff::1")
    assert not overlay.is_device_address("fd00::1")
    assert not overlay.is_device_address("127.0.0.1")


async def test_start_up_waits_for_a_daemon_that_comes_late() -> None:
    port = await free_port()
    overlay = MyceliumOverlay(f"http://127.0.0.1:{port}", startup_seconds=10)
    late = MyceliumStandin(node())

    async def start_late() -> None:
        await asyncio.sleep(0.6)
        await late.serve_tcp("127.0.0.1", port)

    starter = asyncio.create_task(start_late())
    started = time.monotonic()
    try:
        assert await overlay.listen_address() == "4aa:1::1"
    finally:
        await starter
        await late.close()
    assert 0.5 < time.monotonic() - started < 4


async def test_start_up_gives_up_with_a_clear_message() -> None:
    overlay = MyceliumOverlay(f"http://127.0.0.1:{await free_port()}", startup_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(DaemonUnreachable) as failed:
        await overlay.listen_address()
    assert 0.5 <= time.monotonic() - started < 3
    assert "--mycelium-api" in str(failed.value)
    assert "waited 0.5 s" in str(failed.value)


async def test_start_up_does_not_retry_a_wrong_answer(standin: ServedStandin) -> None:
    standin.node = node("fd00::1", "fd00::/64")
    overlay = MyceliumOverlay(standin.url, startup_seconds=30)
    started = time.monotonic()
    with pytest.raises(NodeAddressInvalid):
        await overlay.listen_address()
    assert time.monotonic() - started < 2


async def test_the_watch_raises_when_the_daemon_has_another_address(
        standin: ServedStandin, caplog: pytest.LogCaptureFixture) -> None:
    overlay = MyceliumOverlay(standin.url)
    bound = await overlay.listen_address()
    watch = asyncio.create_task(overlay.watch(bound, every=0.05))
    await asyncio.sleep(0.3)
    assert not watch.done()  # same address: nothing to say
    standin.node = node("4aa:2::1", "4aa:2::/64", OTHER_KEY)  # restarted with another key
    with pytest.raises(NodeAddressChanged) as changed:
        await asyncio.wait_for(watch, 5)
    assert (changed.value.bound, changed.value.current) == ("4aa:1::1", "4aa:2::1")
    assert any(r.levelno == logging.ERROR and "4aa:2::1" in r.getMessage()
               for r in caplog.records)


async def test_the_watch_rides_out_a_daemon_restart_with_the_same_key(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hero_assistance.adapters.mycelium")
    port = await free_port()
    first = MyceliumStandin(node())
    await first.serve_tcp("127.0.0.1", port)
    overlay = MyceliumOverlay(f"http://127.0.0.1:{port}", timeout=0.5)
    watch = asyncio.create_task(overlay.watch(await overlay.listen_address(), every=0.05))
    second = MyceliumStandin(node())
    try:
        await first.close()
        await asyncio.sleep(0.4)
        await second.serve_tcp("127.0.0.1", port)
        await asyncio.sleep(0.4)
        assert not watch.done()
    finally:
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
        await second.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # said once per outage, not on every check
    assert "answers again" in caplog.text


# --- the stand-in as a separate process -----------------------------------------------

@pytest.fixture
def legacy_process(tmp_path: Path) -> Iterator[str]:
    """The stand-in script, answering as a 0.7.7 daemon."""
    child: Child
    child, ready = start_standin(tmp_path / "standin.log", options=(
        "--legacy-no-nodeip", "--subnet", "597:d890:a254:dd45::/64", "--pubkey", VECTOR_KEY))
    try:
        yield f"http://{ready['jsonrpc']}"
    finally:
        assert child.stop() == 0, child.output()


async def test_the_overlay_against_a_legacy_daemon_process(legacy_process: str) -> None:
    overlay = MyceliumOverlay(legacy_process)
    assert await overlay.listen_address() == VECTOR_ADDRESS
