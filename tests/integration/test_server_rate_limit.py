"""The per-device write limit: a runaway device is slowed down, nobody else is."""

from __future__ import annotations

import msgspec
import pytest

from .server_harness import ServerProcess, rpc_clients

pytestmark = pytest.mark.anyio

RUNAWAY, SAME_PERSON, SOMEONE_ELSE = "127.0.0.71", "127.0.0.72", "127.0.0.73"
RATE_LIMITED = -32006


async def test_writes_over_the_limit_are_refused_for_that_device_only(
        server: ServerProcess) -> None:
    limit = server.config().write_limit_per_minute
    server.person("customer", RUNAWAY, SAME_PERSON)
    server.person("customer", SOMEONE_ELSE)
    batch = [{"jsonrpc": "2.0", "id": i, "method": "ticket.create",
              "params": {"subject": f"Spam {i}"}} for i in range(limit + 1)]

    async with rpc_clients(server, RUNAWAY, SAME_PERSON, SOMEONE_ELSE) as (
            runaway, same_person, someone_else):
        answers = (await runaway.post(msgspec.json.encode(batch))).json()
        again = await runaway.error("message.post", {"ticket_id": answers[0]["result"]["id"],
                                                     "body": "one more"})
        listed = await runaway.call("ticket.list", {"limit": 200})  # reads are not limited
        other_device = await same_person.call("ticket.create", {"subject": "From my phone"})
        other_person = await someone_else.call("ticket.create", {"subject": "Unrelated"})

    assert ["result" in answer for answer in answers] == [True] * limit + [False]
    refused = answers[-1]["error"]
    assert refused["code"] == RATE_LIMITED
    assert 1 <= refused["data"]["retry_after"] <= 60
    assert again.code == RATE_LIMITED
    assert len(listed["items"]) == limit
    assert other_device["subject"] == "From my phone"
    assert other_person["subject"] == "Unrelated"
