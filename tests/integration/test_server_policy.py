"""The policy matrix through the real server: several devices at once, each its address.

Customer A (127.0.0.11), customer B (.12), an agent (.13), an admin (.14) and a device
nobody bound (.15) talk to one server. What a customer relies on: nobody else's ticket,
message, event or image reaches them, internal notes never do, a device that is not
bound can only sign in, and an admin's "disable" locks a person out at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from ..unit.images import png_image
from .server_harness import (
    Person,
    RpcClient,
    ServerProcess,
    rpc_clients,
    rpc_socket,
    run_cli,
)

pytestmark = pytest.mark.anyio

A, B, AGENT, ADMIN, UNBOUND = "127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14", "127.0.0.15"
D_LAPTOP, D_PHONE = "127.0.0.16", "127.0.0.17"
NOT_BOUND, FORBIDDEN, NOT_FOUND, LINK_REJECTED = -32001, -32002, -32003, -32008
PUBLIC_METHODS = {"rpc.discover", "project.info", "auth.whoami", "auth.request_link",
                  "auth.confirm"}


@dataclass(frozen=True)
class Cast:
    """The people of this module."""

    a: Person
    b: Person
    agent: Person
    admin: Person
    d: Person


@pytest.fixture(scope="module")
def cast(server: ServerProcess) -> Cast:
    """Two customers, an agent, an admin, and a customer with two devices."""
    return Cast(a=server.person("customer", A), b=server.person("customer", B),
                agent=server.person("agent", AGENT), admin=server.person("admin", ADMIN),
                d=server.person("customer", D_LAPTOP, D_PHONE))


def word() -> str:
    """A word no other ticket or message holds (search must find exactly our rows)."""
    return f"w{uuid.uuid4().hex[:12]}"


async def new_ticket(client: RpcClient, subject: str, **fields: Any) -> dict[str, Any]:
    """``ticket.create``; the ticket."""
    ticket: dict[str, Any] = await client.call("ticket.create",
                                               {"subject": subject, **fields})
    return ticket


async def test_a_customer_never_sees_another_customers_ticket(server: ServerProcess,
                                                             cast: Cast) -> None:
    secret = word()
    async with rpc_clients(server, A, B, AGENT) as (a, b, agent):
        theirs = await new_ticket(b, f"B's printer {secret}", body="toner everywhere")
        await b.call("message.post", {"ticket_id": theirs["id"], "body": f"more {secret}"})
        mine = await new_ticket(a, "A's own ticket")
        ref = {"ticket_id": theirs["id"]}

        for method, params in [
            ("ticket.get", ref), ("ticket.history", ref), ("message.list", ref),
            ("presence.list", ref), ("message.post", {**ref, "body": "hello?"}),
            ("ticket.update", {**ref, "status": "closed"}),
        ]:
            refused = await a.error(method, params)
            assert refused.code == NOT_FOUND, (method, refused)

        listed = await a.call("ticket.list", {"limit": 200})
        ids = {t["id"] for t in listed["items"]}
        assert mine["id"] in ids
        assert theirs["id"] not in ids
        assert (await a.call("ticket.list", {"query": secret}))["items"] == []
        assert {t["requester_id"] for t in listed["items"]} == {cast.a.user_id}

        # The refusals above are about A, not about a missing ticket.
        assert (await agent.call("ticket.get", ref))["subject"] == f"B's printer {secret}"
        found = await agent.call("ticket.list", {"query": secret})
        assert [t["id"] for t in found["items"]] == [theirs["id"]]
        assert (await b.call("ticket.get", ref))["requester_id"] == cast.b.user_id


async def test_events_of_another_customers_ticket_never_reach_a_subscriber(
        server: ServerProcess, cast: Cast) -> None:
    async with (rpc_clients(server, A, B, AGENT) as (a, b, agent),
                rpc_socket(server, A) as a_events, rpc_socket(server, AGENT) as staff_events):
        await a_events.subscribe()
        await staff_events.subscribe()

        theirs = await new_ticket(b, "B only")
        reply = await b.call("message.post", {"ticket_id": theirs["id"], "body": "details"})
        await agent.call("message.post", {"ticket_id": theirs["id"], "body": "on it"})
        await b.call("message.edit", {"message_id": reply["id"], "body": "more details"})
        await agent.call("ticket.update", {"ticket_id": theirs["id"], "status": "open"})
        mine = await new_ticket(a, "A's marker")  # later in sequence than all of B's

        staff_saw = await staff_events.events_until(lambda e: e["ticket_id"] == mine["id"])
        a_saw = await a_events.events_until(lambda e: e["ticket_id"] == mine["id"])

    about_theirs = [e["kind"] for e in staff_saw if e["ticket_id"] == theirs["id"]]
    assert about_theirs == ["ticket.created", "message.created", "message.created",
                            "message.edited", "ticket.updated"]
    assert [(e["kind"], e["ticket_id"]) for e in a_saw] == [("ticket.created", mine["id"])]


async def test_an_image_is_served_only_to_who_may_see_its_ticket(server: ServerProcess,
                                                                 cast: Cast) -> None:
    image = png_image(3, 2, rgb=(7, 99, 201))
    async with rpc_clients(server, A, B, AGENT, UNBOUND) as (a, b, agent, unbound):
        theirs = await new_ticket(b, "Screenshot attached")
        uploaded = await b.upload(image)
        assert uploaded.status_code == 201, uploaded.text
        sha = uploaded.json()["sha256"]
        await b.call("message.post", {"ticket_id": theirs["id"], "body": "see picture",
                                      "attachments": [sha]})

        for client in (b, agent):
            got = await client.download(sha)
            assert got.status_code == 200
            assert got.content == image
            assert got.headers["content-type"] == "image/png"
            assert got.headers["x-content-type-options"] == "nosniff"
            meta = await client.call("attachment.get", {"sha256": sha})
            assert (meta["mime"], meta["width"], meta["height"]) == ("image/png", 3, 2)

        refused = await a.download(sha)
        assert refused.status_code == 404
        assert refused.content != image
        assert refused.json()["error"]["code"] == NOT_FOUND
        assert (await a.error("attachment.get", {"sha256": sha})).code == NOT_FOUND
        # Nor can A attach it to a message of their own to get at it.
        mine = await new_ticket(a, "Trying to borrow a picture")
        stolen = await a.error("message.post", {"ticket_id": mine["id"], "body": "x",
                                                "attachments": [sha]})
        assert stolen.code == NOT_FOUND
        assert (await unbound.download(sha)).status_code == 401


async def test_customers_never_see_internal_notes(server: ServerProcess, cast: Cast) -> None:
    secret = word()
    note_image = png_image(2, 2, rgb=(1, 2, 3))
    async with (rpc_clients(server, A, AGENT) as (a, agent),
                rpc_socket(server, A) as a_events, rpc_socket(server, AGENT) as staff_events):
        ticket = await new_ticket(a, "Invoice is wrong")
        await a_events.subscribe()
        await staff_events.subscribe()
        sha = (await agent.upload(note_image)).json()["sha256"]
        note = await agent.call("message.post", {
            "ticket_id": ticket["id"], "body": f"customer is {secret}, be careful",
            "visibility": "internal", "attachments": [sha],
        })
        await agent.call("message.edit", {"message_id": note["id"],
                                          "body": f"customer is {secret}, be very careful"})
        reply = await agent.call("message.post", {"ticket_id": ticket["id"],
                                                  "body": "We are looking into it."})

        def is_reply(event: dict[str, Any]) -> bool:
            return event["data"].get("message", {}).get("id") == reply["id"]

        a_saw = await a_events.events_until(is_reply)
        staff_saw = await staff_events.events_until(is_reply)

        a_messages = await a.call("message.list", {"ticket_id": ticket["id"]})
        staff_messages = await agent.call("message.list", {"ticket_id": ticket["id"]})
        a_search = await a.call("ticket.list", {"query": secret})
        staff_search = await agent.call("ticket.list", {"query": secret})
        a_image = await a.download(sha)
        a_revisions = await a.error("message.revisions", {"message_id": note["id"]})

    assert [m["id"] for m in a_messages] == [reply["id"]]
    assert [m["id"] for m in staff_messages] == [note["id"], reply["id"]]
    assert [e["kind"] for e in a_saw] == ["message.created"]
    assert secret not in repr(a_saw)
    assert [e["kind"] for e in staff_saw] == ["message.created", "message.edited",
                                              "message.created"]
    assert a_search["items"] == []
    assert [t["id"] for t in staff_search["items"]] == [ticket["id"]]
    assert a_image.status_code == 404
    assert a_revisions.code == NOT_FOUND


async def test_an_unbound_device_may_only_discover_and_sign_in(server: ServerProcess,
                                                               cast: Cast) -> None:
    async with rpc_clients(server, UNBOUND, A) as (unbound, a):
        document = await unbound.call("rpc.discover")
        methods = {m["name"] for m in document["methods"]}
        assert methods >= PUBLIC_METHODS
        mine = await new_ticket(a, "Exists, but not for strangers")

        for name in sorted(methods - PUBLIC_METHODS):
            refused = await unbound.error(name, {})
            assert refused.code == NOT_BOUND, (name, refused)
        refused = await unbound.error("ticket.get", {"ticket_id": mine["id"]})
        assert refused.code == NOT_BOUND

        assert (await unbound.call("project.info"))["name"] == "Integration project"
        whoami = await unbound.call("auth.whoami")
        assert (whoami["device_addr"], whoami["bound"], whoami["user"]) == (UNBOUND, False, None)
        # No header names a caller: proxies are not trusted.
        spoofed = await unbound.http.post(
            "/rpc", json={"jsonrpc": "2.0", "id": 1, "method": "ticket.get",
                          "params": {"ticket_id": mine["id"]}},
            headers={"X-Forwarded-For": A, "X-Real-IP": A, "Forwarded": f"for={A}"})
        assert spoofed.json()["error"]["code"] == NOT_BOUND
        asked = await unbound.call("auth.request_link", {"email": "nobody@example.com",
                                                         "device_label": "stranger"})
        assert asked["accepted"] is True
        wrong = await unbound.error("auth.confirm", {"code": "ABCD-EFGH"})
        assert wrong.code == LINK_REJECTED
        assert (await unbound.upload(png_image())).status_code == 401

    async with rpc_socket(server, UNBOUND) as socket:
        refused_sub = await socket.request("events.subscribe", {})
        assert refused_sub["error"]["code"] == NOT_BOUND
        assert (await socket.call("project.info"))["name"] == "Integration project"


async def test_disabling_a_person_cuts_off_all_their_devices_at_once(
        server: ServerProcess, cast: Cast) -> None:
    async with rpc_clients(server, D_LAPTOP, D_PHONE) as (laptop, phone):
        ticket = await new_ticket(laptop, "My last ticket before I leave")
        ref = {"ticket_id": ticket["id"]}
        assert (await phone.call("ticket.get", ref))["id"] == ticket["id"]

        async with rpc_socket(server, D_LAPTOP) as idle, rpc_socket(server, D_PHONE) as live:
            await live.subscribe()
            assert (await idle.call("ticket.get", ref))["id"] == ticket["id"]

            code, out, _ = await run_cli(server.data_dir, "disable", cast.d.email)
            assert (code, out.strip()) == (0, f"disabled {cast.d.email}")

            for client in (laptop, phone):
                refused = await client.error("ticket.get", ref)
                assert refused.code == FORBIDDEN
                assert "disabled" in refused.message
            await idle.send_text('{"jsonrpc": "2.0", "id": 99, "method": "ticket.list"}')
            idle_code, idle_reason = await idle.closed()
            live_code, _ = await live.closed()
            assert (idle_code, live_code) == (4008, 4008)
            assert idle_reason is not None
            assert "disabled" in idle_reason
        assert (await laptop.error("auth.whoami")).code == FORBIDDEN

        code, out, _ = await run_cli(server.data_dir, "enable", cast.d.email)
        assert (code, out.strip()) == (0, f"enabled {cast.d.email}")
        for client in (laptop, phone):
            assert (await client.call("ticket.get", ref))["id"] == ticket["id"]
        async with rpc_socket(server, D_PHONE) as again:
            assert (await again.call("auth.whoami"))["user"]["status"] == "active"
