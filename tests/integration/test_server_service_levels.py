"""Service levels through the real server: admins set the calendar and policies over
JSON-RPC, a ticket's promises follow its history, bad settings get clear errors and
change nothing, and the settings survive a restart (they live in the database)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from .server_harness import (
    Person,
    RpcError,
    ServerProcess,
    rpc_clients,
    serve_again,
    start_server,
)

pytestmark = pytest.mark.anyio

CUSTOMER, AGENT, ADMIN = "127.0.15.1", "127.0.15.2", "127.0.15.3"
FORBIDDEN, NOT_FOUND, INVALID_PARAMS = -32002, -32003, -32602
ROUND_THE_CLOCK = [{"day": day, "start": "00:00", "end": "24:00"} for day in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")]
OFFICE = {"zone": "Europe/Amsterdam",
          "hours": [{"day": d, "start": "09:00", "end": "17:00"}
                    for d in ("monday", "tuesday", "wednesday", "thursday", "friday")],
          "holidays": ["2026-12-25", "2026-04-06"]}


@dataclass(frozen=True)
class Crew:
    customer: Person
    agent: Person
    admin: Person


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service-levels")


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[ServerProcess]:
    running = start_server(root)
    try:
        yield running
    finally:
        code = running.stop()
    assert code == 0, f"the server did not stop cleanly ({code}):\n{running.log()}"


@pytest.fixture(scope="module")
def crew(server: ServerProcess) -> Crew:
    return Crew(customer=server.person("customer", CUSTOMER, name="Sally Service"),
                agent=server.person("agent", AGENT, name="Ada Agent"),
                admin=server.person("admin", ADMIN))


def _time(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def _turn(state: dict[str, Any], kind: str) -> dict[str, Any]:
    turns = [t for t in state["turns"] if t["kind"] == kind]
    assert turns, state
    return turns[-1]


async def test_admins_set_the_calendar_and_policies_and_staff_read_them(
    server: ServerProcess, crew: Crew
) -> None:
    async with rpc_clients(server, CUSTOMER, AGENT, ADMIN) as (customer, agent, admin):
        before = await agent.call("sla.settings")
        assert before["calendar"]["is_default"] in (True, False)
        calendar = await admin.call("sla.set_calendar", OFFICE)
        assert calendar == {**OFFICE, "holidays": ["2026-04-06", "2026-12-25"],
                            "is_default": False}
        policy = await admin.call("sla.set_policy", {"priority": "high", "targets": [
            {"kind": "resolution", "minutes": 960},
            {"kind": "first_response", "minutes": 240, "business": False}]})
        assert policy == {"priority": "high", "targets": [
            {"kind": "first_response", "minutes": 240, "business": False},
            {"kind": "resolution", "minutes": 960, "business": True}]}
        seen = await agent.call("sla.settings")
        assert seen["calendar"]["zone"] == "Europe/Amsterdam"
        assert "high" in [p["priority"] for p in seen["policies"]]
        assert await admin.call("sla.set_policy", {"priority": "high", "targets": []}) is None
        assert "high" not in [p["priority"] for p in (await agent.call("sla.settings"))[
            "policies"]]
        for caller in (customer, agent):
            with pytest.raises(RpcError) as refused:
                await caller.call("sla.set_policy", {"priority": "low", "targets": []})
            assert refused.value.code == FORBIDDEN
        with pytest.raises(RpcError) as refused:
            await customer.call("sla.settings")
        assert refused.value.code == FORBIDDEN


@pytest.mark.parametrize(("params", "field"), [
    ({**OFFICE, "zone": "Mars/Olympus"}, "zone"),
    ({**OFFICE, "zone": "/etc/localtime"}, "zone"),
    ({**OFFICE, "hours": [{"day": "monday", "start": "09:00", "end": "13:00"},
                          {"day": "monday", "start": "12:00", "end": "17:00"}]}, "hours"),
    ({**OFFICE, "hours": [{"day": "monday", "start": "17:00", "end": "09:00"}]}, "hours"),
    ({**OFFICE, "hours": [{"day": "monday", "start": "24:30", "end": "24:40"}]}, "hours"),
    ({**OFFICE, "hours": [{"day": "someday", "start": "09:00", "end": "17:00"}]}, "hours"),
    ({**OFFICE, "hours": []}, "hours"),
    ({**OFFICE, "holidays": ["1999-12-31"]}, "holidays"),
    ({**OFFICE, "holidays": ["not a date"]}, "holidays"),
    ({**OFFICE, "weekends": True}, None),
])
async def test_a_bad_calendar_is_a_clear_error_and_changes_nothing(
    server: ServerProcess, crew: Crew, params: dict[str, Any], field: str | None
) -> None:
    async with rpc_clients(server, AGENT, ADMIN) as (agent, admin):
        before = await agent.call("sla.settings")
        with pytest.raises(RpcError) as refused:
            await admin.call("sla.set_calendar", params)
        assert refused.value.code == INVALID_PARAMS
        if field is not None:
            assert field in str(refused.value.data), refused.value.data
        assert await agent.call("sla.settings") == before


@pytest.mark.parametrize("targets", [
    [{"kind": "first_response", "minutes": 0}],
    [{"kind": "first_response", "minutes": 90 * 24 * 60 + 1}],
    [{"kind": "first_response", "minutes": 60}, {"kind": "first_response", "minutes": 30}],
    [{"kind": "first_reply", "minutes": 60}],
    [{"kind": "resolution", "minutes": "soon"}],
    [{"kind": "resolution", "minutes": 60}] * 4,
])
async def test_an_absurd_policy_is_a_clear_error(
    server: ServerProcess, crew: Crew, targets: list[dict[str, Any]]
) -> None:
    async with rpc_clients(server, ADMIN) as (admin,):
        with pytest.raises(RpcError) as refused:
            await admin.call("sla.set_policy", {"priority": "low", "targets": targets})
        assert refused.value.code == INVALID_PARAMS


async def test_a_tickets_promises_follow_its_history(server: ServerProcess, crew: Crew) -> None:
    async with rpc_clients(server, CUSTOMER, AGENT, ADMIN) as (customer, agent, admin):
        await admin.call("sla.set_calendar", {"zone": "UTC", "hours": ROUND_THE_CLOCK})
        await admin.call("sla.set_policy", {"priority": "urgent", "targets": [
            {"kind": "first_response", "minutes": 60},
            {"kind": "next_response", "minutes": 30, "business": False},
            {"kind": "resolution", "minutes": 480}]})
        ticket = await customer.call("ticket.create", {"subject": "Down", "priority": "urgent"})
        state = await customer.call("ticket.service_level", {"ticket_id": ticket["id"]})
        first = _turn(state, "first_response")
        assert first["outcome"] == "running"
        assert _time(first["due_at"]) == _time(ticket["created_at"]) + timedelta(hours=1)
        assert state["next_due_at"] == first["due_at"]

        await agent.call("ticket.update", {"ticket_id": ticket["id"], "status": "pending"})
        paused = _turn(await agent.call("ticket.service_level", {"ticket_id": ticket["id"]}),
                       "first_response")
        assert (paused["outcome"], paused["due_at"]) == ("paused", None)

        await agent.call("message.post", {"ticket_id": ticket["id"], "body": "Internal",
                                          "visibility": "internal"})
        still = _turn(await agent.call("ticket.service_level", {"ticket_id": ticket["id"]}),
                      "first_response")
        assert still["ended_at"] is None  # a note is no response

        await customer.call("message.post", {"ticket_id": ticket["id"], "body": "Any news?"})
        await agent.call("message.post", {"ticket_id": ticket["id"], "body": "On it."})
        state = await customer.call("ticket.service_level", {"ticket_id": ticket["id"]})
        assert _turn(state, "first_response")["outcome"] == "met"
        assert [t["kind"] for t in state["turns"]].count("next_response") == 0

        await customer.call("message.post", {"ticket_id": ticket["id"], "body": "Still down"})
        state = await customer.call("ticket.service_level", {"ticket_id": ticket["id"]})
        assert _turn(state, "next_response")["outcome"] == "running"
        await agent.call("ticket.update", {"ticket_id": ticket["id"], "status": "resolved"})
        state = await customer.call("ticket.service_level", {"ticket_id": ticket["id"]})
        assert _turn(state, "resolution")["outcome"] == "met"
        assert _turn(state, "next_response")["outcome"] == "stopped"
        assert not state["breached"]


async def test_a_ticket_without_a_policy_has_no_turns_and_hidden_tickets_are_not_found(
    server: ServerProcess, crew: Crew
) -> None:
    async with rpc_clients(server, CUSTOMER, ADMIN) as (customer, admin):
        await admin.call("sla.set_policy", {"priority": "low", "targets": []})
        ticket = await admin.call("ticket.create", {"subject": "Admin's own", "priority": "low"})
        state = await admin.call("ticket.service_level", {"ticket_id": ticket["id"]})
        assert (state["has_policy"], state["turns"], state["next_due_at"]) == (False, [], None)
        for ticket_id in (ticket["id"], 987654):
            with pytest.raises(RpcError) as refused:
                await customer.call("ticket.service_level", {"ticket_id": ticket_id})
            assert refused.value.code == NOT_FOUND


async def test_the_settings_survive_a_restart(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    try:
        first.person("admin", ADMIN)
        async with rpc_clients(first, ADMIN) as (admin,):
            await admin.call("sla.set_calendar", OFFICE)
            await admin.call("sla.set_policy", {"priority": "normal", "targets": [
                {"kind": "first_response", "minutes": 480}]})
            before = await admin.call("sla.settings")
    finally:
        assert first.stop() == 0
    again = serve_again(first)
    try:
        async with rpc_clients(again, ADMIN) as (admin,):
            assert await admin.call("sla.settings") == before
    finally:
        assert again.stop() == 0
