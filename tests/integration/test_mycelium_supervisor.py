"""Client-side supervision of the mycelium daemon, with real processes.

A fake ``mycelium`` (``tests/support/fake_mycelium``) is written into a PATH directory
of the test; it parses the real daemon's flags, creates its key file and serves the
API stand-in, so start, reuse, key handling, ports and shutdown run for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import signal
import socket
import stat
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from hero_assistance.adapters.mycelium import (
    DaemonStartFailed,
    InvalidEndpoint,
    MyceliumNotInstalled,
    derive_node_address,
)
from hero_assistance.adapters.mycelium.supervisor import (
    INSTALL_URL,
    DaemonOptions,
    supervised_node,
)
from tests.support.mycelium_standin import MyceliumStandin, StandinNode
from tests.support.processes import (
    FAKE_MYCELIUM,
    STANDIN,
    pid_alive,
    start,
    wait_gone,
)

pytestmark = pytest.mark.anyio

KEY = "02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf"
CLIENT = """
import asyncio, sys
from pathlib import Path
from hero_assistance.adapters.mycelium.supervisor import DaemonOptions, supervised_node

async def main():
    options = DaemonOptions(base_dir=Path(sys.argv[1]), default_api=sys.argv[2], tun=False)
    async with supervised_node(options) as node:
        print("daemon", node.pid, flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


def free_port() -> int:
    """A loopback TCP port with no listener."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nothing_at() -> str:
    """An API address where no daemon answers."""
    return f"http://127.0.0.1:{free_port()}"


class FakeInstall:
    """The fake daemon on PATH, and what it recorded."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        self.argv_log = root / "argv.jsonl"
        self.base_dir = root / "data" / "hero_assistance" / "mycelium"

    def starts(self) -> list[dict[str, Any]]:
        """One entry per start: argv and pid."""
        if not self.argv_log.exists():
            return []
        return [json.loads(line) for line in self.argv_log.read_text().splitlines()]

    def flags(self, start_number: int = -1) -> dict[str, list[str]]:
        """The flags of one start, each with the values that followed it."""
        flags: dict[str, list[str]] = {}
        current = ""
        for word in self.starts()[start_number]["argv"]:
            if word.startswith("-"):
                current = word
                flags[current] = []
            else:
                flags[current].append(word)
        return flags

    def options(self, **overrides: Any) -> DaemonOptions:
        """Options that find no running daemon and use this test's directories."""
        settings: dict[str, Any] = {"base_dir": self.base_dir, "default_api": nothing_at(),
                                    "stop_timeout": 5.0, "start_timeout": 15.0}
        return DaemonOptions(**{**settings, **overrides})


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeInstall]:
    """``mycelium`` on PATH is the fake; every daemon it started is gone afterwards."""
    install = FakeInstall(tmp_path)
    install.bin.mkdir()
    program = install.bin / "mycelium"
    source = FAKE_MYCELIUM.read_text(encoding="utf-8").split("\n", 1)[1]
    program.write_text(f"#!{sys.executable}\n{source}", encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{install.bin}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_MYCELIUM_STANDIN", str(STANDIN))
    monkeypatch.setenv("FAKE_MYCELIUM_ARGV_LOG", str(install.argv_log))
    yield install
    left = [entry["pid"] for entry in install.starts() if pid_alive(entry["pid"])]
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"daemons left running: {left}"


def fake_address(key: bytes) -> str:
    """The address the fake daemon has for a private key (its stand-in public key)."""
    return str(derive_node_address(hashlib.sha256(b"fake-x25519:" + key).digest()))


@contextlib.asynccontextmanager
async def standin_at(port: int, node: StandinNode) -> AsyncIterator[MyceliumStandin]:
    """An in-process stand-in on a loopback port."""
    server = MyceliumStandin(node)
    await server.serve_tcp("127.0.0.1", port)
    try:
        yield server
    finally:
        await server.close()


# --- starting a daemon ---------------------------------------------------------------

async def test_a_daemon_is_started_with_the_apps_own_settings(fake: FakeInstall) -> None:
    peers = ("tcp://[4aa:9::1]:9651", "quic://192.0.2.7:9651")
    async with supervised_node(fake.options(peers=peers, peer_discovery=False)) as node:
        assert node.started_here
        assert node.pid is not None
        assert pid_alive(node.pid)
        flags = fake.flags()
        assert fake.starts()[0]["pid"] == node.pid
    assert flags["--key-file"] == [str(fake.base_dir / "priv_key.bin")]
    assert node.key_file == fake.base_dir / "priv_key.bin"
    assert flags["--jsonrpc-addr"] == [node.endpoint.removeprefix("http://")]
    assert flags["--api-addr"][0].startswith("127.0.0.1:")
    assert flags["--tcp-listen-port"] == flags["--quic-listen-port"]
    assert flags["--peers"] == list(peers)
    assert "--disable-peer-discovery" in flags
    assert "--no-tun" not in flags
    tun = flags["--tun-name"][0]
    assert tun.startswith("hamyc-")
    assert len(tun) <= 15  # IFNAMSIZ - 1
    assert str(node.info.address) == fake_address(node.key_file.read_bytes())
    assert wait_gone(node.pid), "the daemon outlived the context"


async def test_each_start_gets_its_own_tun_name(fake: FakeInstall) -> None:
    for _ in range(2):
        async with supervised_node(fake.options(tun=False)):
            pass
    names = [fake.flags(n)["--tun-name"][0] for n in (0, 1)]
    assert names[0] != names[1]
    assert "--no-tun" in fake.flags(0)


async def test_the_key_is_made_private_on_first_run_and_reused(fake: FakeInstall) -> None:
    fake.base_dir.mkdir(parents=True, mode=0o755)
    fake.base_dir.chmod(0o755)  # a loose directory from elsewhere is tightened
    key_file = fake.base_dir / "priv_key.bin"
    async with supervised_node(fake.options()) as first:
        key = key_file.read_bytes()
    assert len(key) == 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(fake.base_dir.stat().st_mode) == 0o700
    async with supervised_node(fake.options()) as second:
        pass
    assert key_file.read_bytes() == key
    assert second.info.address == first.info.address
    assert str(second.info.address) == fake_address(key)
    assert first.pid != second.pid


async def test_the_default_base_dir_is_under_local_share(
        fake: FakeInstall, monkeypatch: pytest.MonkeyPatch) -> None:
    home = fake.root / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    async with supervised_node(fake.options(base_dir=None)) as node:
        pass
    expected = home / ".local" / "share" / "hero_assistance" / "mycelium" / "priv_key.bin"
    assert node.key_file == expected
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600


async def test_ports_avoid_a_system_daemon_on_the_defaults(fake: FakeInstall) -> None:
    held: list[socket.socket] = []
    try:
        for port in (8989, 8990, 9651):
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", port))
                sock.listen()  # listens but never answers, like a wedged daemon
            except OSError:  # something already holds it: taken either way
                sock.close()
                continue
            held.append(sock)
        options = fake.options(default_api="http://127.0.0.1:8990", probe_timeout=0.5)
        async with supervised_node(options) as node:
            assert node.started_here
    finally:
        for sock in held:
            sock.close()
    flags = fake.flags()
    ports = [int(flags[name][0].rsplit(":", 1)[-1]) for name in
             ("--api-addr", "--jsonrpc-addr", "--tcp-listen-port")]
    assert not {8989, 8990, 9651} & set(ports)
    assert len(set(ports)) == 3


# --- reusing a running daemon ----------------------------------------------------------

async def test_a_configured_daemon_is_reused_and_left_alone(fake: FakeInstall) -> None:
    port = free_port()
    async with standin_at(port, StandinNode(subnet="4aa:1::/64", pubkey=KEY,
                                            node_ip="4aa:1::1")) as running:
        async with supervised_node(fake.options(api=f"http://127.0.0.1:{port}")) as node:
            assert not node.started_here
            assert str(node.info.address) == "4aa:1::1"
        assert running.calls == ["getInfo"]
    assert fake.starts() == []


async def test_the_configured_daemon_comes_before_the_default(fake: FakeInstall) -> None:
    configured, default = free_port(), free_port()
    async with standin_at(configured, StandinNode(subnet="4aa:1::/64", pubkey=KEY,
                                                  node_ip="4aa:1::1")), \
            standin_at(default, StandinNode(subnet="4aa:2::/64", pubkey=KEY,
                                            node_ip="4aa:2::1")):
        options = fake.options(api=f"http://127.0.0.1:{configured}",
                               default_api=f"http://127.0.0.1:{default}")
        async with supervised_node(options) as node:
            assert str(node.info.address) == "4aa:1::1"
        options = fake.options(api=nothing_at(), default_api=f"http://127.0.0.1:{default}")
        async with supervised_node(options) as node:
            assert str(node.info.address) == "4aa:2::1"
            assert node.endpoint == f"http://127.0.0.1:{default}"
    assert fake.starts() == []


async def test_a_daemon_on_a_unix_socket_is_reused(fake: FakeInstall) -> None:
    path = fake.root / "api.sock"
    server = MyceliumStandin(StandinNode(subnet="4aa:1::/64", pubkey=KEY, node_ip="4aa:1::1"))
    await server.serve_unix(path)
    try:
        async with supervised_node(fake.options(api=f"unix://{path}")) as node:
            assert not node.started_here
    finally:
        await server.close()
    assert fake.starts() == []


async def test_a_daemon_started_by_another_client_run_is_reused(fake: FakeInstall) -> None:
    async with supervised_node(fake.options()) as first, \
            supervised_node(fake.options(api=first.endpoint)) as second:
        assert not second.started_here
        assert second.info == first.info
    assert len(fake.starts()) == 1


# --- stopping ---------------------------------------------------------------------------

async def test_a_daemon_deaf_to_sigterm_is_killed(
        fake: FakeInstall, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_MYCELIUM_IGNORE_SIGTERM", "1")
    async with supervised_node(fake.options(stop_timeout=0.5)) as node:
        assert node.pid is not None
        started = time.monotonic()
    assert 0.4 < time.monotonic() - started < 5
    assert not pid_alive(node.pid)


async def test_a_cancelled_client_stops_its_daemon(fake: FakeInstall) -> None:
    pids: list[int] = []
    running = asyncio.Event()

    async def client() -> None:
        async with supervised_node(fake.options()) as node:
            assert node.pid is not None
            pids.append(node.pid)
            running.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(client())
    await asyncio.wait_for(running.wait(), 20)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert not pid_alive(pids[0])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=lambda sig: sig.name)
def test_no_daemon_outlives_its_client_process(
        fake: FakeInstall, sig: signal.Signals) -> None:
    client = start([sys.executable, "-c", CLIENT, str(fake.base_dir), nothing_at()],
                   fake.root / "client.log")
    try:
        daemon = int(client.wait_for(r"^daemon (\d+)$").group(1))
        assert pid_alive(daemon)
        client.process.send_signal(sig)
        client.wait(10)
        assert wait_gone(daemon, 10), f"the daemon outlived a client stopped by {sig.name}"
    finally:
        client.stop()


# --- failures ---------------------------------------------------------------------------

async def test_no_program_and_no_daemon_says_how_to_install(
        fake: FakeInstall, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = fake.root / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(MyceliumNotInstalled) as missing:
        async with supervised_node(fake.options(api=nothing_at())):
            pass
    message = str(missing.value)
    assert INSTALL_URL in message
    assert "--mycelium-api URL" in message
    assert "no mycelium daemon answers" in message
    assert fake.starts() == []


async def test_a_daemon_that_exits_at_once_is_reported(fake: FakeInstall) -> None:
    (fake.bin / "mycelium").write_text(
        f"#!{sys.executable}\nimport sys\nsys.exit('mycelium: cannot create the TUN device')\n",
        encoding="utf-8")
    with pytest.raises(DaemonStartFailed) as failed:
        async with supervised_node(fake.options()):
            pass
    assert "exited with status 1" in str(failed.value)
    assert "cannot create the TUN device" in str(failed.value)


async def test_a_daemon_that_never_answers_is_stopped_and_reported(
        fake: FakeInstall, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_MYCELIUM_START_DELAY", "60")
    with pytest.raises(DaemonStartFailed, match="did not answer"):
        async with supervised_node(fake.options(start_timeout=1.0)):
            pass
    assert [entry for entry in fake.starts() if pid_alive(entry["pid"])] == []


async def test_a_program_that_cannot_run_is_reported(fake: FakeInstall) -> None:
    (fake.bin / "mycelium").write_text("#!/nonexistent/interpreter\n", encoding="utf-8")
    with pytest.raises(DaemonStartFailed, match="could not run"):
        async with supervised_node(fake.options()):
            pass


async def test_a_malformed_configured_address_is_refused(fake: FakeInstall) -> None:
    with pytest.raises(InvalidEndpoint):
        async with supervised_node(fake.options(api="mycelium.example:8990")):
            pass
    assert fake.starts() == []
