"""The real server's Prometheus metrics (issue 19, point 4): on a localhost port and the
admin socket, never on the overlay listener; each figure moves with what it counts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.unit.images import png_image

from .server_harness import (
    RpcClient,
    ServerProcess,
    free_port,
    rpc_socket,
    start_server,
)

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

AGENT, CUSTOMER, STRANGER = "127.0.0.71", "127.0.0.72", "127.0.0.73"
KEYED = "127.0.0.76"
ADMIN = "127.0.0.75"
PREFIX = "hero_assistance_"


@pytest.fixture(scope="module")
def metered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, int]]:
    port = free_port()
    server = start_server(tmp_path_factory.mktemp("metrics"), metrics_port=port)
    try:
        yield server, port
    finally:
        server.stop()


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def _scrape(port: int) -> Samples:
    answer = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return _parse(answer.text)


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((PREFIX + name, frozenset(labels.items())), 0.0)


async def test_requests_by_method_and_outcome_with_latency(
        metered: tuple[ServerProcess, int]) -> None:
    server, port = metered
    server.person("customer", CUSTOMER)
    before = _scrape(port)
    async with RpcClient(server, CUSTOMER) as customer:
        for number in range(5):
            await customer.call("ticket.create", {"subject": f"Metered {number}"})
        await customer.error("ticket.get", {"ticket_id": 10**9})
        await customer.request("no.such.method")
    after = _scrape(port)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("rpc_requests_total", method="ticket.create", outcome="ok") == 5
    assert grew("rpc_requests_total", method="ticket.get", outcome="NotFound") == 1
    assert grew("rpc_requests_total", method="(unknown)", outcome="MethodNotFound") == 1
    assert grew("rpc_request_seconds_count", method="ticket.create") == 5
    assert grew("rpc_request_seconds_bucket", method="ticket.create", le="+Inf") == 5
    assert grew("writer_writes_total") >= 5
    assert grew("writer_batch_size_count") >= 1
    assert _value(after, "writer_queue_depth") == 0
    assert _value(after, "database_bytes") > 0


async def test_workspace_methods_are_counted_under_their_own_names(
        metered: tuple[ServerProcess, int]) -> None:
    # The method label comes from the registry, not a list in the metrics: the
    # workspace's methods (issue 14) are counted like the others, and a bulk change the
    # write meter refuses is counted with that outcome.
    server, port = metered
    server.person("admin", ADMIN)
    before = _scrape(port)
    async with RpcClient(server, ADMIN) as admin:
        mine = [(await admin.call("ticket.create", {"subject": f"Bulk {n}"}))["id"]
                for n in range(3)]
        await admin.call("queue.counts")
        await admin.call("queue.counts")
        await admin.call("team.create", {"name": "Metered team"})
        # Weight 100: a ticket each (those that do not exist are skipped, and counted).
        missing = [10**9 + n for n in range(100 - len(mine))]
        bulk = {"ticket_ids": mine + missing, "priority": "high"}
        await admin.call("ticket.bulk_update", bulk)
        await admin.call("ticket.bulk_update", bulk)  # 203 of the 240 writes a minute
        refused = await admin.error("ticket.bulk_update", bulk)
    after = _scrape(port)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert refused.code == -32006  # RateLimited
    assert grew("rpc_requests_total", method="queue.counts", outcome="ok") == 2
    assert grew("rpc_requests_total", method="team.create", outcome="ok") == 1
    assert grew("rpc_requests_total", method="ticket.bulk_update", outcome="ok") == 2
    assert grew("rpc_requests_total", method="ticket.bulk_update", outcome="RateLimited") == 1
    assert grew("rpc_request_seconds_count", method="ticket.bulk_update") == 3


async def test_writes_answered_from_their_request_key(
    metered: tuple[ServerProcess, int],
) -> None:
    server, port = metered
    server.person("customer", KEYED)
    before = _scrape(port)
    params = {"subject": "Counted once", "request_key": "metrics-key-000000001"}
    async with RpcClient(server, KEYED) as customer:
        first = await customer.call("ticket.create", params)
        assert await customer.call("ticket.create", params) == first
        assert await customer.call("ticket.create", params) == first
        refused = await customer.error("ticket.create", {**params, "subject": "Other"})
    after = _scrape(port)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert refused.code == -32012
    assert grew("request_key_replays_total") == 2
    assert grew("rpc_requests_total", method="ticket.create", outcome="ok") == 3
    assert grew("rpc_requests_total", method="ticket.create",
                outcome="RequestKeyReused") == 1


async def test_sign_in_attempts_and_refusals(metered: tuple[ServerProcess, int]) -> None:
    server, port = metered
    before = _scrape(port)
    server.person("agent", AGENT)  # asks for a link and confirms its code, as a device does
    async with RpcClient(server, STRANGER) as stranger:
        await stranger.error("auth.confirm", {"code": "AAAA-AAAA"})
    after = _scrape(port)

    def grew(step: str, outcome: str) -> float:
        labels = {"step": step, "outcome": outcome}
        return (_value(after, "sign_in_attempts_total", **labels)
                - _value(before, "sign_in_attempts_total", **labels))

    assert grew("request_link", "accepted") == 1
    assert grew("confirm", "accepted") == 1
    assert grew("confirm", "refused") == 1


async def test_live_subscribers_attachment_bytes_and_mail(
        metered: tuple[ServerProcess, int]) -> None:
    server, port = metered
    person = server.person("customer", "127.0.0.74")
    async with RpcClient(server, person.address) as customer:
        uploaded = await customer.upload(png_image(3, 3))
        assert uploaded.status_code == 201
    async with rpc_socket(server, person.address) as socket:
        await socket.subscribe()
        samples = _scrape(port)
        assert _value(samples, "live_subscribers") == 1
    assert _value(samples, "attachment_bytes") >= len(png_image(3, 3))
    assert _value(samples, "attachments") >= 1
    assert _value(samples, "mail_sent_total") >= 1  # the sign-in emails (outbox)
    assert _value(samples, "mail_failures_total") == 0
    assert _value(samples, "mail_queue_size") == 0  # the worker sent them all
    assert _value(samples, "mail_queue_given_up") == 0
    assert _value(samples, "live_dropped_slow_subscribers_total") == 0


def test_metrics_are_on_the_admin_socket_and_never_on_the_overlay(
        metered: tuple[ServerProcess, int]) -> None:
    server, _port = metered
    overlay = httpx.get(f"{server.base_url}/metrics", timeout=10)
    assert overlay.status_code == 404
    assert PREFIX not in overlay.text
    transport = httpx.HTTPTransport(uds=str(server.admin_socket))
    with httpx.Client(transport=transport, base_url="http://admin", timeout=10) as admin:
        answer = admin.get("/metrics")
    assert answer.status_code == 200
    assert (PREFIX + "rpc_requests_total", frozenset()) not in _parse(answer.text)
    assert any(name.startswith(PREFIX + "build_info") for name, _ in _parse(answer.text))


def _listening_tcp_ports(pid: int) -> set[int]:
    """Ports of the TCP sockets ``pid`` listens on (from /proc, no tools needed)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = fd.readlink().as_posix()
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_the_metrics_port_is_a_listener_of_its_own_only_when_configured(
        metered: tuple[ServerProcess, int], tmp_path: Path) -> None:
    server, port = metered
    assert _listening_tcp_ports(server.process.pid) == {server.port, port}
    plain = start_server(tmp_path)
    try:
        assert plain.config().metrics_port == 0
        assert _listening_tcp_ports(plain.process.pid) == {plain.port}
    finally:
        plain.stop()
