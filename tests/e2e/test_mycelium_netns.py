"""Two hosts in two network namespaces: the server on its mycelium address, a peer.

``hs-srv-*`` runs the mycelium API stand-in on its own 127.0.0.1:8990 and the server
with ``serve --overlay mycelium``; ``hs-peer-*`` is joined to it by a veth pair.
Both ends carry an overlay address (400::/7) and an fd00::/64 address, so the same
peer can call from inside and from outside the overlay range.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import msgspec
import pytest

from hero_assistance.apps.server.config import ServerConfig, write_config
from tests.support.netns import Namespace, add_address, join, namespaces, why_no_namespaces
from tests.support.processes import Child, start_server, start_standin

SERVER_IP, PEER_IP = "4aa:1::1", "4aa:1::2"
OUTSIDE_SERVER_IP, OUTSIDE_PEER_IP = "fd00::1", "fd00::2"
KEY = "02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf"
PORT = 7330
PROJECT = "Netns Project"
# Runs inside hs-peer: one JSON-RPC call from a chosen source address.
CALL = """
import json, sys
import httpx
source, url = sys.argv[1], sys.argv[2]
transport = httpx.HTTPTransport(local_address=source)
with httpx.Client(transport=transport, timeout=10) as client:
    answer = client.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "project.info"})
print(json.dumps({"status": answer.status_code, "body": answer.text}))
"""


@dataclass
class Hosts:
    """The server's namespace, the peer's, and the server's RPC URL."""

    server: Namespace
    peer: Namespace
    url: str
    server_process: Child

    def call_from(self, source: str) -> tuple[int, str]:
        """``project.info`` from the peer namespace, sent from ``source``."""
        done = self.peer.run(sys.executable, "-c", CALL, source, self.url)
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        return int(answer["status"]), str(answer["body"])


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    """Both namespaces, the stand-in and the server; all torn down, whatever happens."""
    tmp_path = tmp_path_factory.mktemp("netns")
    reason = why_no_namespaces()
    if reason is not None:
        print(f"SKIPPED: {reason}")  # noqa: T201 - the reason belongs in the log too
        pytest.skip(reason)
    children: list[Child] = []
    with namespaces("srv", "peer") as (server_ns, peer_ns):
        try:
            server_end, peer_end = join(server_ns, peer_ns)
            for space, end, addresses in ((server_ns, server_end, (SERVER_IP, OUTSIDE_SERVER_IP)),
                                          (peer_ns, peer_end, (PEER_IP, OUTSIDE_PEER_IP))):
                for address in addresses:
                    add_address(space, end, f"{address}/64")
            standin, _ = start_standin(
                tmp_path / "standin.log", listen="127.0.0.1:8990", prefix=server_ns.prefix(),
                options=("--node-ip", SERVER_IP, "--subnet", "4aa:1::/64", "--pubkey", KEY))
            children.append(standin)
            data_dir = tmp_path / "project"
            write_config(data_dir, msgspec.convert(
                {"project_name": PROJECT, "overlay": "loopback", "port": PORT}, ServerConfig))
            server = start_server(data_dir, tmp_path / "server.log", "--overlay", "mycelium",
                                  prefix=server_ns.prefix())
            children.append(server)
            url = server.wait_ready()
            yield Hosts(server=server_ns, peer=peer_ns, url=url, server_process=server)
        finally:
            for child in reversed(children):
                child.stop()


def test_the_server_listens_on_exactly_the_node_address(hosts: Hosts) -> None:
    assert hosts.url == f"http://[{SERVER_IP}]:{PORT}/rpc"
    server_listeners = [where for where in hosts.server.listening()
                        if where.endswith(f":{PORT}")]
    assert server_listeners == [f"[{SERVER_IP}]:{PORT}"]
    assert "127.0.0.1:8990" in hosts.server.listening()  # the stand-in, on its loopback


def test_a_peer_on_the_overlay_is_served(hosts: Hosts) -> None:
    status, body = hosts.call_from(PEER_IP)
    assert status == 200
    answer = json.loads(body)
    assert answer["id"] == 1
    assert answer["result"]["name"] == PROJECT
    assert answer["result"]["overlay"] == "mycelium"


def test_a_peer_outside_400_7_is_refused(hosts: Hosts) -> None:
    status, body = hosts.call_from(OUTSIDE_PEER_IP)
    assert status == 403
    assert body == ""
    log = hosts.server_process.wait_for(rf"refused peer: {OUTSIDE_PEER_IP} is outside")
    assert "mycelium overlay" in log.string[log.start():]
