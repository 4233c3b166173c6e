"""``hero-assistance-server serve --overlay mycelium`` as a real process.

Start-up failures run in the test's own network namespace (nothing is bound). Serving
needs an address in 400::/7 on a local interface, so those tests run the stand-in and
the server in a private network namespace made by the test.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from hero_assistance.apps.server.cli import EXIT_OVERLAY
from hero_assistance.apps.server.config import ServerConfig, write_config
from tests.support.netns import Namespace, namespaces, why_no_namespaces
from tests.support.processes import Child, start_server, start_standin

KEY = "02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf"
OTHER_KEY = "13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace"
PORT = 7330


def make_data_dir(root: Path, **settings: object) -> Path:
    """A project data directory on the mycelium overlay with short waits."""
    data_dir = root / "project"
    config = msgspec.convert({"project_name": "Mycelium Test", "overlay": "mycelium",
                              "port": PORT, "mycelium_startup_seconds": 0.5,
                              "mycelium_check_seconds": 0.3, **settings}, ServerConfig)
    write_config(data_dir, config)
    return data_dir


def free_port() -> int:
    """A loopback TCP port with no listener."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def standin_options(node_ip: str, subnet: str, key: str = KEY) -> tuple[str, ...]:
    """Stand-in arguments for one node."""
    return ("--node-ip", node_ip, "--subnet", subnet, "--pubkey", key)


def test_no_daemon_is_a_clear_error_and_exit_status(tmp_path: Path) -> None:
    data_dir = make_data_dir(tmp_path)
    server = start_server(data_dir, tmp_path / "server.log", "--overlay", "mycelium",
                          "--mycelium-api", f"http://127.0.0.1:{free_port()}")
    assert server.wait() == EXIT_OVERLAY
    output = server.output()
    print(output)  # noqa: T201 - shown with -s: what an operator sees
    assert "error: no mycelium daemon answers at http://127.0.0.1:" in output
    assert "--mycelium-api" in output
    assert "Traceback" not in output


def test_a_daemon_outside_400_7_is_refused(tmp_path: Path) -> None:
    standin, ready = start_standin(tmp_path / "standin.log",
                                   options=standin_options("fd00::1", "fd00::/64"))
    try:
        server = start_server(make_data_dir(tmp_path), tmp_path / "server.log",
                              "--mycelium-api", f"http://{ready['jsonrpc']}")
        assert server.wait() == EXIT_OVERLAY
    finally:
        standin.stop()
    assert "fd00::1 is outside the mycelium range 400::/7" in server.output()
    assert "Traceback" not in server.output()


def test_a_malformed_api_address_is_a_configuration_error(tmp_path: Path) -> None:
    server = start_server(make_data_dir(tmp_path), tmp_path / "server.log",
                          "--mycelium-api", "mycelium.example:8990")
    assert server.wait() == 2
    assert "is not a mycelium API address" in server.output()


@pytest.fixture
def host() -> Iterator[Namespace]:
    """A private namespace holding two overlay addresses on lo."""
    reason = why_no_namespaces()
    if reason is not None:
        print(f"SKIPPED: {reason}")  # noqa: T201 - the reason belongs in the log too
        pytest.skip(reason)
    with namespaces("srv") as (space,):
        for address in ("4aa:3::1/64", "4aa:4::1/64"):
            space.ip("addr", "add", address, "dev", "lo", "nodad")
        yield space


def test_the_server_serves_on_the_node_address_and_stops_when_it_changes(
        host: Namespace, tmp_path: Path) -> None:
    children: list[Child] = []
    try:
        first, _ = start_standin(tmp_path / "first.log", listen="127.0.0.1:8990",
                                 prefix=host.prefix(),
                                 options=standin_options("4aa:3::1", "4aa:3::/64"))
        children.append(first)
        server = start_server(make_data_dir(tmp_path), tmp_path / "server.log",
                              "--overlay", "mycelium", prefix=host.prefix())
        children.append(server)
        assert server.wait_ready() == f"http://[4aa:3::1]:{PORT}/rpc"
        assert f"[4aa:3::1]:{PORT}" in host.listening()
        assert first.stop() == 0
        # The daemon restarts with another key: same API, another address.
        second, _ = start_standin(tmp_path / "second.log", listen="127.0.0.1:8990",
                                  prefix=host.prefix(),
                                  options=standin_options("4aa:4::1", "4aa:4::/64", OTHER_KEY))
        children.append(second)
        assert server.wait(15) == EXIT_OVERLAY
        output = server.output()
        print(output)  # noqa: T201 - shown with -s: what an operator sees
        assert "ERROR" in output
        assert "changed from 4aa:3::1 to 4aa:4::1" in output
        assert "error: the mycelium node address changed" in output
        assert not [where for where in host.listening() if where.endswith(f":{PORT}")]
    finally:
        for child in children:
            child.stop()
