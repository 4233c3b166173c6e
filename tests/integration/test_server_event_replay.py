"""A subscriber that reconnects with ``since`` misses nothing and learns nothing extra.

Missed live updates are the most common complaint about helpdesks (DESIGN section 5):
customer C subscribes, notes the last ``seq`` it received and goes away; while it is
gone, others create tickets, reply, write internal notes and change tickets, some on
C's tickets and some not. Back with ``since``, C receives exactly the events policy
allows it, in order, once each, and then live events go on.
"""

from __future__ import annotations

from typing import Any

import pytest

from .server_harness import ServerProcess, rpc_clients, rpc_socket

pytestmark = pytest.mark.anyio

C, E, AGENT = "127.0.0.21", "127.0.0.22", "127.0.0.23"


def durable(events: list[dict[str, Any]]) -> list[tuple[int, str, int]]:
    """``(seq, kind, ticket_id)`` of the durable events (presence is live-only)."""
    return [(e["seq"], e["kind"], e["ticket_id"]) for e in events if e["seq"] is not None]


async def test_reconnecting_with_since_replays_exactly_what_the_customer_may_see(
        server: ServerProcess) -> None:
    c, e_person, agent_person = (server.person("customer", C), server.person("customer", E),
                                 server.person("agent", AGENT))
    async with rpc_clients(server, C, E, AGENT) as (c_rpc, e_rpc, agent):
        first = await c_rpc.call("ticket.create", {"subject": "Cannot log in"})

        async with rpc_socket(server, C) as socket:
            await socket.subscribe()
            hello = await c_rpc.call("message.post", {"ticket_id": first["id"],
                                                      "body": "It says error 42."})
            seen = await socket.next_event()
            assert (seen["kind"], seen["data"]["message"]["id"]) == ("message.created",
                                                                     hello["id"])
            last = seen["seq"]

        # C is away. (action, ticket, whether C may see it), in the order they happen.
        actions: list[tuple[str, int, bool]] = []
        other = await e_rpc.call("ticket.create", {"subject": "E's printer"})
        actions.append(("ticket.created", other["id"], False))
        reply = await agent.call("message.post", {"ticket_id": first["id"],
                                                  "body": "Which browser?"})
        actions.append(("message.created", first["id"], True))
        note = await agent.call("message.post", {"ticket_id": first["id"], "visibility":
                                                 "internal", "body": "Known SSO bug."})
        actions.append(("message.created", first["id"], False))
        await agent.call("message.post", {"ticket_id": other["id"], "body": "Replug it."})
        actions.append(("message.created", other["id"], False))
        await agent.call("ticket.update", {"ticket_id": first["id"], "status": "open",
                                           "assignee_id": agent_person.user_id})
        actions.append(("ticket.updated", first["id"], True))
        await agent.call("message.edit", {"message_id": note["id"],
                                          "body": "Known SSO bug, fixed in 2.1."})
        actions.append(("message.edited", first["id"], False))
        await agent.call("message.edit", {"message_id": reply["id"],
                                          "body": "Which browser and version?"})
        actions.append(("message.edited", first["id"], True))
        for_c = await agent.call("ticket.create", {"subject": "Follow-up for C",
                                                   "requester_id": c.user_id})
        actions.append(("ticket.created", for_c["id"], True))
        await e_rpc.call("ticket.update", {"ticket_id": other["id"], "status": "closed"})
        actions.append(("ticket.updated", other["id"], False))

        # The agent sees everything: the full record of what happened while C was away.
        async with rpc_socket(server, AGENT) as staff:
            await staff.subscribe(since=last)
            everything = durable(await staff.durable_events(len(actions)))
            assert durable(await staff.quiet_for(0.2)) == []
        assert [(kind, ticket) for _, kind, ticket in everything] == [
            (kind, ticket) for kind, ticket, _ in actions]
        assert [seq for seq, _, _ in everything] == list(range(last + 1,
                                                               last + 1 + len(actions)))
        allowed = [event for event, (_, _, visible) in zip(everything, actions, strict=True)
                   if visible]

        async with rpc_socket(server, C) as socket:
            subscribed = await socket.subscribe(since=last)
            assert subscribed["last_seq"] == everything[-1][0]
            replayed = await socket.durable_events(len(allowed))
            assert durable(replayed) == allowed
            assert await socket.quiet_for(0.2) == []  # nothing more, not even presence
            assert "Known SSO bug" not in repr(replayed)

            # Live events follow the replay, continuing the sequence.
            live = await agent.call("message.post", {"ticket_id": first["id"],
                                                     "body": "Fixed, please retry."})
            after = await socket.next_event()
            assert (after["seq"], after["kind"]) == (everything[-1][0] + 1, "message.created")
            assert after["data"]["message"]["id"] == live["id"]
            assert e_person.user_id not in {ev["data"].get("ticket", {}).get("requester_id")
                                            for ev in [*replayed, after]}
