"""Request keys through the real server on its SQLite file (issue 13, D-18).

A write repeated with its key, also after the server was killed with SIGKILL and
started again, gets the first result; copies of one write sent at once on separate
connections write once and all get the same result; a repeat publishes no event; the
admin socket's writes are keyed too (the operator's own keys).
"""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .server_harness import (
    Person,
    ServerProcess,
    rpc_clients,
    rpc_socket,
    serve_again,
    start_server,
)

pytestmark = pytest.mark.anyio

CUSTOMER, AGENT = "127.0.13.1", "127.0.13.2"
REUSED = -32012


def new_key() -> str:
    return f"it-{uuid.uuid4()}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    running = start_server(tmp_path_factory.mktemp("request-keys"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def customer(server: ServerProcess) -> Person:
    return server.person("customer", CUSTOMER, name="Kim Keys")


async def messages_of(server: ServerProcess, ticket_id: int) -> list[str]:
    async with rpc_clients(server, CUSTOMER) as (client,):
        found = await client.call("message.list", {"ticket_id": ticket_id})
    return [m["body"] for m in found]


async def test_copies_sent_at_once_on_many_connections_write_once(
    server: ServerProcess, customer: Person,
) -> None:
    del customer
    async with rpc_clients(server, *[CUSTOMER] * 8) as clients:
        ticket = await clients[0].call("ticket.create", {"subject": "Copies"})
        post = {"ticket_id": ticket["id"], "body": "one reply", "request_key": new_key()}
        answers = await asyncio.gather(*(c.post(json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": "message.post", "params": post}).encode())
            for c in clients for _ in range(3)))
    bodies = {a.content for a in answers}
    assert len(bodies) == 1, bodies
    assert "result" in json.loads(bodies.pop())
    assert await messages_of(server, ticket["id"]) == ["one reply"]


async def test_a_repeat_publishes_no_event_and_another_write_under_the_key_is_refused(
    server: ServerProcess, customer: Person,
) -> None:
    del customer
    key = new_key()
    async with rpc_clients(server, CUSTOMER) as (client,), \
            rpc_socket(server, CUSTOMER) as live:
        ticket = await client.call("ticket.create", {"subject": "Events"})
        await live.subscribe(ticket_ids=[ticket["id"]])
        post = {"ticket_id": ticket["id"], "body": "hello", "request_key": key}
        first = await client.call("message.post", post)
        assert (await live.durable_events(1))[0]["kind"] == "message.created"
        assert await client.call("message.post", post) == first
        refused = await client.error("message.post", {**post, "body": "other"})
        assert refused.code == REUSED
        assert refused.data == {"reason": "other_params"}
        assert await live.quiet_for(0.5) == []
    assert await messages_of(server, ticket["id"]) == ["hello"]


async def test_a_repeat_after_the_server_was_killed_gets_the_first_result(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path)
    try:
        server.person("customer", CUSTOMER, name="Rita Restart")
        key = new_key()
        params = {"subject": "Before the crash", "body": "b", "request_key": key}
        async with rpc_clients(server, CUSTOMER) as (client,):
            first = await client.request("ticket.create", params)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(10)
        server = serve_again(server)
        async with rpc_clients(server, CUSTOMER) as (client,):
            again = await client.request("ticket.create", params)
            listed = await client.call("ticket.list", {})
        assert again["result"] == first["result"]
        assert [t["subject"] for t in listed["items"]] == ["Before the crash"]
    finally:
        server.stop()


async def test_the_operators_writes_on_the_admin_socket_are_keyed(
    server: ServerProcess,
) -> None:
    key = new_key()
    params = {"email": f"{uuid.uuid4().hex[:8]}@example.org", "display_name": "Op Made",
              "role": "customer", "request_key": key}
    first = server.admin_call("user.enroll", params)
    assert server.admin_call("user.enroll", params) == first
    enrolled = [u for u in server.admin_call("user.list", {}) if u["email"] == params["email"]]
    assert len(enrolled) == 1
