"""Presence over the API: who is on a ticket, live, and only for those who may know.

Customer A (127.0.0.51) sees when an agent (.53) opens their ticket; the agent sees
A there too (collision detection); customer B (.52) learns nothing about A's ticket.
"""

from __future__ import annotations

from typing import Any

import pytest

from .server_harness import ServerProcess, rpc_clients, rpc_socket

pytestmark = pytest.mark.anyio

A, B, AGENT = "127.0.0.51", "127.0.0.52", "127.0.0.53"
NOT_FOUND = -32003


async def test_presence_reaches_the_ticket_owner_and_staff_but_no_one_else(
        server: ServerProcess) -> None:
    a, b, agent_person = (server.person("customer", A), server.person("customer", B),
                          server.person("agent", AGENT, name="Grace the agent"))
    async with (rpc_clients(server, A, B, AGENT) as (a_rpc, b_rpc, agent),
                rpc_socket(server, A) as a_events, rpc_socket(server, B) as b_events,
                rpc_socket(server, AGENT) as staff_events):
        ticket = await a_rpc.call("ticket.create", {"subject": "Where is my parcel?"})
        theirs = await b_rpc.call("ticket.create", {"subject": "B's own"})
        for socket in (a_events, b_events, staff_events):
            await socket.subscribe(kinds=["presence.changed", "ticket.updated"])

        await agent.call("presence.update", {"viewing_ticket_id": ticket["id"],
                                             "typing": True})
        seen_by_a = await a_events.next_event()
        assert (seen_by_a["seq"], seen_by_a["kind"], seen_by_a["ticket_id"]) == (
            None, "presence.changed", ticket["id"])
        assert _who(seen_by_a) == (agent_person.user_id, "agent", True)
        watchers = await a_rpc.call("presence.list", {"ticket_id": ticket["id"]})
        assert [(w["user_id"], w["display_name"], w["typing"]) for w in watchers] == [
            (agent_person.user_id, "Grace the agent", True)]

        await a_rpc.call("presence.update", {"viewing_ticket_id": ticket["id"]})
        seen_by_staff = await staff_events.events_until(
            lambda e: e["kind"] == "presence.changed" and _who(e)[0] == a.user_id)
        assert seen_by_staff[-1]["ticket_id"] == ticket["id"]
        on_ticket = await agent.call("presence.list", {"ticket_id": ticket["id"]})
        assert {w["user_id"] for w in on_ticket} == {a.user_id, agent_person.user_id}

        # B: nothing about A's ticket, by method or by event. B's own ticket changing
        # afterwards marks the point by which anything about A's would have arrived.
        refused = await b_rpc.error("presence.list", {"ticket_id": ticket["id"]})
        assert refused.code == NOT_FOUND
        refused = await b_rpc.error("presence.update", {"viewing_ticket_id": ticket["id"]})
        assert refused.code == NOT_FOUND
        await b_rpc.call("ticket.update", {"ticket_id": theirs["id"], "status": "closed"})
        seen_by_b = await b_events.events_until(lambda e: e["kind"] == "ticket.updated")
        assert [(e["kind"], e["ticket_id"]) for e in seen_by_b] == [
            ("ticket.updated", theirs["id"])]

        # The agent leaving is news to A as well.
        await agent.call("presence.update", {"state": "away"})
        left = await a_events.next_event()
        assert (left["ticket_id"], _who(left)[0]) == (ticket["id"], agent_person.user_id)
        still_there = await a_rpc.call("presence.list", {"ticket_id": ticket["id"]})
        assert [w["user_id"] for w in still_there] == [a.user_id]  # only A, themselves
        assert b.user_id not in {_who(e)[0] for e in seen_by_staff}


def _who(event: dict[str, Any]) -> tuple[int, str, bool]:
    presence = event["data"]["presence"]
    return presence["user_id"], presence["role"], presence["typing"]
