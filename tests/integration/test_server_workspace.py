"""The agent's workspace through the real server: queues and counts, unread state over
two devices, teams hidden from customers, bulk changes, canned replies, the directory.

This module runs its own server (its tests write more often per device than the
session server's low write limit allows); counts are still compared before and after
each test's own changes, so the tests do not depend on one another.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest

from .server_harness import Person, ServerProcess, rpc_clients, rpc_socket, start_server

pytestmark = pytest.mark.anyio

CUSTOMER, AGENT, AGENT_PHONE, OTHER_AGENT, ADMIN = (
    "127.0.14.1", "127.0.14.2", "127.0.14.3", "127.0.14.4", "127.0.14.5")
FORBIDDEN, NOT_FOUND, INVALID_PARAMS = -32002, -32003, -32602


@dataclass(frozen=True)
class Crew:
    """The people of this module."""

    customer: Person
    agent: Person
    other_agent: Person
    admin: Person


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own, with the default write limit."""
    running = start_server(tmp_path_factory.mktemp("workspace"))
    try:
        yield running
    finally:
        code = running.stop()
    assert code == 0, f"the server did not stop cleanly ({code}):\n{running.log()}"


@pytest.fixture(scope="module")
def crew(server: ServerProcess) -> Crew:
    """A customer, an agent with two devices, an agent of another team, an admin."""
    return Crew(customer=server.person("customer", CUSTOMER, name="Wanda Workspace"),
                agent=server.person("agent", AGENT, AGENT_PHONE, name="Ada Agent"),
                other_agent=server.person("agent", OTHER_AGENT, name="Otto Other"),
                admin=server.person("admin", ADMIN))


def unique(prefix: str) -> str:
    """A name nothing else on the shared server has."""
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def _counts(answer: dict[str, Any]) -> dict[tuple[str, int | None], dict[str, Any]]:
    return {(v["view"], v["team_id"]): v for v in answer["views"]}


async def test_queues_count_live_and_list_with_unread_markers(server: ServerProcess,
                                                              crew: Crew) -> None:
    async with rpc_clients(server, CUSTOMER, AGENT, ADMIN) as (customer, agent, admin):
        team = await admin.call("team.create", {"name": unique("Billing"),
                                                "members": [crew.agent.user_id]})
        before = _counts(await agent.call("queue.counts"))
        ticket = await customer.call("ticket.create", {"subject": unique("Invoice wrong")})
        page = await agent.call("ticket.list", {"view": "unassigned", "limit": 200})
        assert ticket["id"] in page["unread"]  # news for the agents
        await agent.call("ticket.mark_read", {"ticket_id": ticket["id"]})  # opened it
        await agent.call("ticket.update", {"ticket_id": ticket["id"], "team_id": team["id"],
                                           "assignee_id": crew.agent.user_id})
        after = _counts(await agent.call("queue.counts"))
        assert after[("all_open", None)]["count"] == before[("all_open", None)]["count"] + 1
        assert after[("my_open", None)]["count"] == before[("my_open", None)]["count"] + 1
        assert after[("team", team["id"])]["count"] == 1
        assert after[("team", team["id"])]["label"] == team["name"]

        page = await agent.call("ticket.list", {"view": "team", "team_id": team["id"]})
        assert [t["id"] for t in page["items"]] == [ticket["id"]]
        assert page["items"][0]["team_id"] == team["id"]
        assert page["unread"] == []  # read, and the last change was the agent's own
        await customer.call("message.post", {"ticket_id": ticket["id"], "body": "any news?"})
        page = await agent.call("ticket.list", {"view": "team", "team_id": team["id"]})
        assert page["unread"] == [ticket["id"]]
        mine = _counts(await agent.call("queue.counts"))[("my_open", None)]
        assert mine["unread"] >= 1


async def test_read_state_follows_the_user_to_their_other_device_live(
        server: ServerProcess, crew: Crew) -> None:
    async with rpc_clients(server, CUSTOMER, AGENT) as (customer, agent):
        ticket = await customer.call("ticket.create", {"subject": unique("Login loop")})
        async with rpc_socket(server, AGENT_PHONE) as phone:
            await phone.subscribe(kinds=["read.changed"])
            assert await agent.call("ticket.mark_read", {"ticket_id": ticket["id"]}) is True
            event = await phone.next_event()
            assert event["kind"] == "read.changed"
            assert event["seq"] is None  # live only
            assert event["data"] == {"ticket_id": ticket["id"], "unread": False}
            listed = await phone.call("ticket.list", {"view": "all_open", "limit": 200})
            assert ticket["id"] not in listed["unread"]
            assert await agent.call("ticket.mark_unread", {"ticket_id": ticket["id"]}) is True
            assert (await phone.next_event())["data"]["unread"] is True


async def test_customers_never_see_teams_nor_learn_a_team_changed(server: ServerProcess,
                                                                   crew: Crew) -> None:
    async with rpc_clients(server, CUSTOMER, AGENT, ADMIN) as (customer, agent, admin):
        team = await admin.call("team.create", {"name": unique("Technical")})
        ticket = await customer.call("ticket.create", {"subject": unique("Printer")})
        async with rpc_socket(server, CUSTOMER) as socket:
            await socket.subscribe(ticket_ids=[ticket["id"]])
            await agent.call("ticket.update", {"ticket_id": ticket["id"], "team_id": team["id"]})
            await agent.call("ticket.update", {"ticket_id": ticket["id"], "priority": "high"})
            event = await socket.next_event()
            assert event["data"]["changed"] == ["priority"]  # the team change never came
            assert "team_id" not in event["data"]["ticket"]
        seen = await customer.call("ticket.get", {"ticket_id": ticket["id"]})
        assert "team_id" not in seen
        history = await customer.call("ticket.history", {"ticket_id": ticket["id"]})
        assert "team_id" not in [h["field"] for h in history]
        for method, params in [("team.list", None), ("queue.counts", None),
                               ("staff.list", None), ("canned.list", None),
                               ("canned.placeholders", None),
                               ("customer.context", {"ticket_id": ticket["id"]}),
                               ("customer.search", {"query": "a"}), ("tag.suggest", {})]:
            if method == "queue.counts":
                counts = await customer.call(method)
                assert [v["view"] for v in counts["views"]] == ["all_open"]
                continue
            error = await customer.error(method, params)
            assert error.code == FORBIDDEN, method
        refused = await customer.error("ticket.list", {"view": "team", "team_id": team["id"]})
        assert refused.code == FORBIDDEN
        # Nor do they manage (or learn of, through a telling error) teams or canned replies.
        shared = await agent.call("canned.create", {"title": unique("Hi"), "body": "hi",
                                                    "shared": True})
        for method, params in [
                ("ticket.list", {"team_id": team["id"]}),
                ("team.create", {"name": unique("Mine")}),
                ("team.update", {"team_id": team["id"], "name": unique("Renamed")}),
                ("team.delete", {"team_id": team["id"]}),
                ("canned.create", {"title": "x", "body": "y"}),
                ("canned.update", {"canned_id": shared["id"], "body": "changed"}),
                ("canned.delete", {"canned_id": shared["id"]}),
                ("canned.render", {"canned_id": shared["id"], "ticket_id": ticket["id"]}),
                ("canned.render", {"canned_id": 987654, "ticket_id": ticket["id"]})]:
            error = await customer.error(method, params)
            assert error.code == FORBIDDEN, method
        bulk = await customer.call("ticket.bulk_update", {"ticket_ids": [ticket["id"]],
                                                          "team_id": None})
        assert bulk["results"][0]["error"]["code"] == FORBIDDEN
        assert "team_id" not in str(bulk)
        still = await agent.call("canned.render", {"canned_id": shared["id"],
                                                   "ticket_id": ticket["id"]})
        assert still == {"text": "hi"}
        assert (await agent.call("ticket.get", {"ticket_id": ticket["id"]}))["team_id"] == (
            team["id"])


async def test_a_bulk_change_answers_per_ticket(server: ServerProcess, crew: Crew) -> None:
    async with rpc_clients(server, CUSTOMER, AGENT) as (customer, agent):
        tickets = [await customer.call("ticket.create", {"subject": unique(f"Bulk {i}")})
                   for i in range(3)]
        closed = await customer.call("ticket.create", {"subject": unique("Closed")})
        await customer.call("ticket.update", {"ticket_id": closed["id"], "status": "closed"})
        ids = [t["id"] for t in tickets] + [closed["id"], 2**31 + 5]
        result = await agent.call("ticket.bulk_update", {
            "ticket_ids": ids, "status": "pending", "assignee_id": crew.other_agent.user_id,
            "add_tags": ["bulk-test"]})
        by_id = {r["ticket_id"]: r for r in result["results"]}
        assert list(by_id) == ids
        for t in tickets:
            assert by_id[t["id"]]["ok"] is True
            assert by_id[t["id"]]["ticket"]["status"] == "pending"
            assert by_id[t["id"]]["ticket"]["tags"] == ["bulk-test"]
        assert by_id[closed["id"]]["error"]["code"] == -32005  # illegal move
        assert by_id[ids[-1]]["error"]["code"] == NOT_FOUND
        # Bulk changes are bounded in the wire type (and the OpenRPC document says so).
        too_many = await agent.error("ticket.bulk_update",
                                     {"ticket_ids": list(range(1, 102)), "priority": "low"})
        assert too_many.code == INVALID_PARAMS
        suggestions = await agent.call("tag.suggest", {"prefix": "bulk"})
        assert {"tag": "bulk-test", "count": 3} in suggestions


FLOOD_LIMIT = 30  # writes per device and minute on the flood test's server
RATE_LIMITED = -32006


async def test_a_flood_of_bulk_changes_is_bounded_by_the_tickets_it_changes(
        tmp_path: Path) -> None:
    # A bulk change of n tickets spends n of the device's writes, so bulk changes (or a
    # batch of them) change no more tickets per minute than single updates could.
    limited = start_server(tmp_path, name="Flood project", write_limit_per_minute=FLOOD_LIMIT)
    try:
        customer = limited.person("customer", "127.0.14.21")
        limited.person("agent", "127.0.14.22")
        async with rpc_clients(limited, "127.0.14.21", "127.0.14.22") as (client, agent):
            ids = [(await client.call("ticket.create", {"subject": f"Flood {i}"}))["id"]
                   for i in range(20)]
            first = await agent.call("ticket.bulk_update",
                                     {"ticket_ids": ids, "priority": "high"})
            assert all(r["ok"] for r in first["results"])  # 20 of the 30
            refused = await agent.error("ticket.bulk_update",
                                        {"ticket_ids": ids, "priority": "low"})
            assert refused.code == RATE_LIMITED
            assert 0 < refused.data["retry_after"] <= 60
            batch = [{"jsonrpc": "2.0", "id": n, "method": "ticket.bulk_update",
                      "params": {"ticket_ids": ids[:10], "status": "pending"}}
                     for n in range(40)]
            answers = (await agent.post(msgspec.json.encode(batch))).json()
            # The first ten-ticket change fits the ten writes left; the rest are refused.
            assert [a.get("error", {}).get("code") for a in answers] == (
                [None] + [RATE_LIMITED] * 39)
            seen = [await client.call("ticket.get", {"ticket_id": i}) for i in ids]
            # Nothing of a refused change was applied: still high, ten pending.
            assert {t["priority"] for t in seen} == {"high"}
            assert [t["status"] for t in seen] == ["pending"] * 10 + ["new"] * 10
            # The window is full now: even a single change waits.
            single = await agent.error("ticket.update", {"ticket_id": ids[0],
                                                         "priority": "low"})
            assert single.code == RATE_LIMITED
        del customer
    finally:
        code = limited.stop()
    assert code == 0, f"the server did not stop cleanly ({code}):\n{limited.log()}"


async def test_canned_replies_fill_placeholders_for_the_ticket(server: ServerProcess,
                                                              crew: Crew) -> None:
    async with rpc_clients(server, CUSTOMER, AGENT, OTHER_AGENT) as (customer, agent, other):
        ticket = await customer.call("ticket.create", {"subject": "Where is my parcel"})
        shared = await agent.call("canned.create", {
            "title": unique("Parcel"), "shared": True,
            "body": "Hello {{customer.name}}, about #{{ticket.id}}: {{agent.name}}."})
        own = await agent.call("canned.create", {"title": unique("Mine"), "body": "private"})
        theirs = {c["id"] for c in await other.call("canned.list")}
        assert shared["id"] in theirs
        assert own["id"] not in theirs
        text = await other.call("canned.render", {"canned_id": shared["id"],
                                                  "ticket_id": ticket["id"]})
        assert text == {"text": f"Hello Wanda Workspace, about #{ticket['id']}: Otto Other."}
        missing = await other.error("canned.render", {"canned_id": own["id"],
                                                      "ticket_id": ticket["id"]})
        assert missing.code == NOT_FOUND
        names = [p["name"] for p in await agent.call("canned.placeholders")]
        assert "customer.name" in names


async def test_staff_directory_customer_search_and_context(server: ServerProcess,
                                                           crew: Crew) -> None:
    async with rpc_clients(server, CUSTOMER, AGENT) as (customer, agent):
        ticket = await customer.call("ticket.create", {"subject": unique("Context")})
        staff = {m["id"]: m for m in await agent.call("staff.list")}
        assert staff[crew.agent.user_id]["display_name"] == "Ada Agent"
        assert staff[crew.agent.user_id]["role"] == "agent"
        assert crew.customer.user_id not in staff
        found = await agent.call("customer.search", {"query": "wanda work"})
        assert [c["id"] for c in found] == [crew.customer.user_id]
        assert found[0]["email"] == crew.customer.email
        context = await agent.call("customer.context", {"ticket_id": ticket["id"]})
        assert context["customer"]["email"] == crew.customer.email
        assert ticket["id"] in [t["id"] for t in context["tickets"]]
        assert context["devices"][0].keys() == {"label", "bound_at", "last_seen"}
        filed = await agent.call("ticket.create", {"subject": unique("Phoned in"),
                                                   "requester_id": crew.customer.user_id})
        mine = await customer.call("ticket.list", {"status": []})
        assert filed["id"] in [t["id"] for t in mine["items"]]
        assert filed["id"] in mine["unread"]


async def test_only_admins_manage_teams_over_the_api(server: ServerProcess,
                                                     crew: Crew) -> None:
    async with rpc_clients(server, AGENT, ADMIN) as (agent, admin):
        refused = await agent.error("team.create", {"name": unique("Agents' own")})
        assert refused.code == FORBIDDEN
        team = await admin.call("team.create", {"name": unique("Sales")})
        renamed = await admin.call("team.update", {"team_id": team["id"],
                                                   "members": [crew.other_agent.user_id]})
        assert renamed["members"] == [crew.other_agent.user_id]
        bad = await admin.error("team.update", {"team_id": team["id"],
                                                "members": [crew.customer.user_id]})
        assert (bad.code, bad.data["field"]) == (INVALID_PARAMS, "members")
        assert await admin.call("team.delete", {"team_id": team["id"]}) == 0
        assert team["id"] not in [t["id"] for t in await agent.call("team.list")]

