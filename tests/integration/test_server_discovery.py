"""``rpc.discover`` as a client gets it from the running server (DESIGN section 5)."""

from __future__ import annotations

import copy

import pytest

from ..openrpc_meta import meta_schema_errors
from .server_harness import RpcClient, ServerProcess

pytestmark = pytest.mark.anyio

DESIGN_METHODS = {
    "project.info", "auth.whoami", "auth.request_link", "auth.confirm",
    "device.list", "device.rename", "device.revoke",
    "user.enroll", "user.list", "user.update",
    "ticket.create", "ticket.get", "ticket.list", "ticket.update", "ticket.history",
    "message.post", "message.list", "message.edit",
    "attachment.get", "presence.update", "presence.list", "events.subscribe",
}
WORKSPACE_METHODS = {  # issue 14
    "queue.counts", "ticket.mark_read", "ticket.mark_unread", "ticket.bulk_update",
    "team.list", "team.create", "team.update", "team.delete", "staff.list",
    "customer.search", "customer.context", "tag.suggest", "canned.list", "canned.create",
    "canned.update", "canned.delete", "canned.render", "canned.placeholders",
}
SERVICE_LEVEL_METHODS = {  # issue 15
    "sla.settings", "sla.set_calendar", "sla.set_policy", "ticket.service_level",
}
OVERLAY_METHODS = DESIGN_METHODS | WORKSPACE_METHODS | SERVICE_LEVEL_METHODS | {
    "rpc.discover", "user.people", "message.revisions", "events.unsubscribe",
    "project.update"}  # an admin's device changes the project's settings (D-15)
ADMIN_METHODS = {"admin.links", "admin.expire_links", "admin.resend_link", "admin.backup",
                 "admin.mail", "admin.mail_retry", "admin.sign_in_requests",
                 "admin.backup_now", "admin.health"}


async def test_the_served_document_is_valid_openrpc_listing_every_method(
        server: ServerProcess) -> None:
    async with RpcClient(server, "127.0.0.41") as stranger:  # unbound: discovery is open
        document = await stranger.call("rpc.discover")

    names = [method["name"] for method in document["methods"]]
    assert meta_schema_errors(document) == []
    assert document["openrpc"].startswith("1.")
    assert set(names) == OVERLAY_METHODS
    assert len(names) == len(set(names))
    # The same check refuses a broken document, so the pass above means something.
    broken = copy.deepcopy(document)
    del broken["methods"][1]["params"]
    broken["methods"][2]["result"]["schema"] = {"type": "text"}
    assert len(meta_schema_errors(broken)) >= 2


async def test_each_listener_lists_exactly_what_its_callers_can_call(
        server: ServerProcess) -> None:
    async with RpcClient(server, "127.0.0.41") as stranger:
        overlay = await stranger.call("rpc.discover")
    admin = server.admin_call("rpc.discover")

    overlay_names = {method["name"] for method in overlay["methods"]}
    admin_names = {method["name"] for method in admin["methods"]}
    assert meta_schema_errors(admin) == []
    assert admin_names == overlay_names | ADMIN_METHODS
    assert not overlay_names & ADMIN_METHODS
    assert not any("operator" in {t["name"] for t in m["tags"]} for m in overlay["methods"])
    assert overlay["info"]["title"] != admin["info"]["title"]
    # The methods both offer are described alike: one set of specs behind both.
    shared = {m["name"]: m for m in admin["methods"] if m["name"] in overlay_names}
    assert {m["name"]: m for m in overlay["methods"]} == shared


async def test_the_document_tells_how_to_transfer_attachments(server: ServerProcess) -> None:
    async with RpcClient(server, "127.0.0.41") as stranger:
        document = await stranger.call("rpc.discover")

    described = {m["name"]: m for m in document["methods"]}["attachment.get"]
    assert "POST /attachments" in described["description"]
    assert "GET /attachments/{sha256}" in described["description"]
