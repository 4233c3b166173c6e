"""Every params schema the services publish bounds what a caller may send (issue 12).

An integer beyond signed 64 bits reached the SQLite driver and came back as an internal
error; the wire types now refuse it before any use case runs, and say so in the OpenRPC
document. Strings without a cap in the schema are listed here by name: each is capped
by the domain (with its own documented error) or by the request size, on purpose.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hero_assistance.apps.client.client import SupportClient
from hero_assistance.apps.client.overlay import LoopbackDeviceOverlay
from hero_assistance.apps.client.service import build_client_registry

from ..fuzz.schemas import unbounded_params
from .conftest import Harness
from .test_client_service import server_document

pytestmark = pytest.mark.anyio

# Capped by the domain, which answers with a precise error of its own (-32007 for a body
# over 65536 characters, -32602 naming the tag); and all by the 1 MiB request cap.
DOMAIN_CAPPED = {
    "message.edit.body: string", "message.post.body: string", "ticket.create.body: string",
    "ticket.create.tags[]: string", "ticket.update.tags[]: string", "ticket.list.tag: string",
    # The workspace's (issue 14): a canned reply's text is a message body (64 KiB, -32007);
    # bulk tags follow ticket.update's rule (-32602 naming the tag).
    "canned.create.body: string", "canned.update.body: string",
    "ticket.bulk_update.add_tags[]: string", "ticket.bulk_update.remove_tags[]: string",
}
# The client service's own: base64 image data (capped at 10 MiB decoded by the server).
CLIENT_ONLY = {"attachment.upload.data_base64: string"}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[SupportClient]:
    """A client that follows nothing: its registry is all these tests need."""
    async with SupportClient(LoopbackDeviceOverlay("127.0.71.1"), config_dir=tmp_path) as opened:
        yield opened


def test_server_params_hold_only_what_the_database_holds(harness: Harness) -> None:
    assert set(unbounded_params(server_document(harness))) == DOMAIN_CAPPED


async def test_client_service_params_are_bounded_alike(client: SupportClient) -> None:
    document = build_client_registry(client).openrpc_document()

    found = set(unbounded_params(document))

    assert not {f for f in found if not f.endswith(": string")}, found
    assert found <= DOMAIN_CAPPED | CLIENT_ONLY, found - DOMAIN_CAPPED - CLIENT_ONLY


def test_the_check_finds_what_it_looks_for() -> None:
    document: dict[str, Any] = {"components": {"schemas": {"Ref": {
        "type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}}},
        "methods": [{"name": "m", "params": [
            {"name": "a", "schema": {"type": "integer", "maximum": 2**63}},
            {"name": "b", "schema": {"type": "number", "minimum": 0}},
            {"name": "c", "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
            {"name": "d", "schema": {"$ref": "#/components/schemas/Ref"}},
            {"name": "e", "schema": {"type": "array", "items": {"type": "integer",
                                                                "minimum": 0, "maximum": 9}}},
            {"name": "f", "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
        ]}]}

    assert unbounded_params(document) == [
        "m.a: integer", "m.b: number", "m.c: string", "m.d.n: integer"]
