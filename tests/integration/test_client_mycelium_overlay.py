"""The client's device on the mycelium overlay: the node's address, from its daemon."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hero_assistance.apps.client.runtime import ClientOptions, OverlayUnavailable, device_overlay
from tests.support.mycelium_standin import MyceliumStandin, StandinNode

from .server_harness import free_port

pytestmark = pytest.mark.anyio

KEY = "02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf"
NODE = "4aa:1::7"


@pytest.fixture
async def daemon_api() -> AsyncIterator[str]:
    """A stand-in daemon API that says this machine's node is ``NODE``."""
    server = MyceliumStandin(StandinNode(subnet="4aa:1::/64", pubkey=KEY, node_ip=NODE))
    port = free_port()
    await server.serve_tcp("127.0.0.1", port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.close()


def options(tmp_path: Path, api: str, device: str | None = None) -> ClientOptions:
    """A client on mycelium with the daemon at ``api``."""
    return ClientOptions(config_dir=tmp_path, socket_path=tmp_path / "c.sock",
                         overlay="mycelium", device=device, mycelium_api=api)


async def test_the_device_is_the_running_nodes_address(tmp_path: Path, daemon_api: str) -> None:
    async with device_overlay(options(tmp_path, daemon_api)) as overlay:
        endpoint = await overlay.endpoint()
        assert (overlay.name, endpoint.address, endpoint.bind_address) == ("mycelium", NODE,
                                                                          None)
        assert overlay.reaches("400::1")
        assert overlay.reaches("5ff:ffff::1")
        assert not overlay.reaches("127.0.0.1")
        assert not overlay.reaches("2001:db8::1")


async def test_a_device_address_that_is_not_the_node_is_refused(tmp_path: Path,
                                                               daemon_api: str) -> None:
    with pytest.raises(OverlayUnavailable, match="not this machine's mycelium node"):
        async with device_overlay(options(tmp_path, daemon_api, device="4aa:1::8")):
            pass


async def test_no_daemon_and_no_program_says_how_to_get_one(tmp_path: Path) -> None:
    if shutil.which("mycelium") is not None:
        pytest.skip("a mycelium program is installed here")
    with pytest.raises(OverlayUnavailable, match="Install mycelium"):
        async with device_overlay(options(tmp_path, f"http://127.0.0.1:{free_port()}")):
            pass


async def test_loopback_needs_an_address_in_127_8(tmp_path: Path) -> None:
    base = ClientOptions(config_dir=tmp_path, socket_path=tmp_path / "c.sock",
                         overlay="loopback")
    with pytest.raises(OverlayUnavailable, match="--device"):
        async with device_overlay(base):
            pass
    with pytest.raises(OverlayUnavailable, match=r"127\.0\.0\.0/8"):
        async with device_overlay(ClientOptions(config_dir=tmp_path, socket_path=tmp_path,
                                                overlay="loopback", device="10.0.0.1")):
            pass
