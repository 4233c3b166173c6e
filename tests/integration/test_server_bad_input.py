"""Broken, hostile and oversized input: a precise refusal each, and the server goes on.

Every case sends something wrong from a bound customer device and checks the JSON-RPC
error or HTTP status the client gets; then a normal request on the same device must
still succeed (the server neither crashed nor wedged that connection's peer).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from websockets.exceptions import ConnectionClosed

from ..unit.images import png_header, png_image
from .server_harness import RpcClient, ServerProcess, rpc_socket

pytestmark = pytest.mark.anyio

CUSTOMER = "127.0.0.31"
MiB = 1024 * 1024
PARSE, INVALID_REQUEST, NO_METHOD, INVALID_PARAMS = -32700, -32600, -32601, -32602
TOO_LARGE = -32007


@pytest.fixture(scope="module")
def customer_address(server: ServerProcess) -> str:
    """A bound customer device."""
    server.person("customer", CUSTOMER)
    return CUSTOMER


@pytest.fixture
async def client(server: ServerProcess, customer_address: str) -> AsyncIterator[RpcClient]:
    """The customer's HTTP client; after the test it must still be served normally."""
    async with RpcClient(server, customer_address) as rpc:
        yield rpc
        whoami = await rpc.call("auth.whoami")
        assert whoami["bound"] is True, "the server stopped serving after bad input"


async def answer_to(client: RpcClient, body: bytes) -> Any:
    """POST ``body`` to /rpc; the decoded JSON-RPC answer (HTTP 200 required)."""
    response = await client.post(body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("body", "code", "answer_id"), [
    (b'{"jsonrpc": "2.0", "id": 1, "method": "project.info"', PARSE, None),
    (b"\xff\xfe not json", PARSE, None),
    (b"", PARSE, None),
    (b"42", INVALID_REQUEST, None),
    (b"[]", INVALID_REQUEST, None),
    (b'{"jsonrpc": "1.0", "id": 7, "method": "project.info"}', INVALID_REQUEST, 7),
    (b'{"jsonrpc": "2.0", "id": 8}', INVALID_REQUEST, 8),
    (b'{"jsonrpc": "2.0", "id": 9, "method": 12}', INVALID_REQUEST, 9),
    (b'{"jsonrpc": "2.0", "id": {"no": 1}, "method": "project.info"}', INVALID_REQUEST, None),
    (b'{"jsonrpc": "2.0", "id": 10, "method": "project.info", "params": "x"}',
     INVALID_PARAMS, 10),
], ids=["truncated", "binary", "empty", "number", "empty-batch", "wrong-version",
        "no-method", "method-not-string", "object-id", "params-string"])
async def test_malformed_requests_get_protocol_errors(client: RpcClient, body: bytes,
                                                      code: int, answer_id: Any) -> None:
    answer = await answer_to(client, body)

    assert answer["error"]["code"] == code, answer
    assert answer["id"] == answer_id
    assert "Traceback" not in json.dumps(answer)


async def test_a_batch_answers_each_entry_on_its_own(client: RpcClient) -> None:
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "project.info"},
        {"jsonrpc": "2.0", "id": 2, "method": "no.such.method"},
        {"not": "a request"},
        {"jsonrpc": "2.0", "method": "project.info"},  # a notification: no answer
        {"jsonrpc": "2.0", "id": 3, "method": "ticket.get", "params": {"ticket_id": "x"}},
    ]
    answers = await answer_to(client, msgspec.json.encode(batch))

    assert [(a["id"], "result" in a, a.get("error", {}).get("code")) for a in answers] == [
        (1, True, None), (2, False, NO_METHOD), (None, False, INVALID_REQUEST),
        (3, False, INVALID_PARAMS)]


@pytest.mark.parametrize(("method", "params", "field"), [
    ("ticket.get", {"ticket_id": "seven"}, "ticket_id"),
    ("ticket.get", {"ticket_id": 0}, "ticket_id"),
    ("ticket.get", {}, "ticket_id"),
    ("ticket.get", {"ticket_id": 1, "as_user": 1}, "as_user"),
    ("ticket.create", {"subject": "x", "priority": "whenever"}, "priority"),
    ("ticket.create", {"subject": ["x"]}, "subject"),
    ("ticket.list", {"limit": 100000}, "limit"),
    ("ticket.get", [1, 2], "params"),
    ("project.info", {"verbose": True}, "params"),
], ids=["wrong-type", "out-of-range", "missing", "unknown-field", "bad-enum", "list-for-str",
        "limit-too-high", "too-many-positional", "params-for-none"])
async def test_wrong_params_name_the_field(client: RpcClient, method: str, params: Any,
                                           field: str) -> None:
    refused = await client.error(method, params)

    assert refused.code == INVALID_PARAMS, refused
    assert refused.data["field"] == field


async def test_an_unknown_method_is_named(client: RpcClient) -> None:
    refused = await client.error("ticket.delete_everything", {"ticket_id": 1})

    assert refused.code == NO_METHOD
    assert refused.data == {"method": "ticket.delete_everything"}


async def test_a_body_over_one_mib_is_refused_with_413(client: RpcClient) -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "ticket.create",
               "params": {"subject": "big", "body": "x" * MiB}}

    response = await client.post(msgspec.json.encode(request))

    assert response.status_code == 413
    assert (await client.call("project.info"))["name"]


async def test_a_batch_over_the_limit_is_refused_whole(client: RpcClient) -> None:
    batch = [{"jsonrpc": "2.0", "id": i, "method": "ticket.create",
              "params": {"subject": f"batch {i}"}} for i in range(51)]
    before = (await client.call("ticket.list", {"limit": 200}))["items"]

    answer = await answer_to(client, msgspec.json.encode(batch))

    assert answer["error"]["code"] == INVALID_REQUEST
    assert "50" in answer["error"]["data"]["problem"]
    assert (await client.call("ticket.list", {"limit": 200}))["items"] == before


async def test_a_websocket_message_over_the_limit_closes_only_that_socket(
        server: ServerProcess, client: RpcClient) -> None:
    big = {"jsonrpc": "2.0", "id": 1, "method": "ticket.create",
           "params": {"subject": "big", "body": "x" * MiB}}
    async with rpc_socket(server, CUSTOMER) as bystander, rpc_socket(server, CUSTOMER) as bad:
        await bystander.subscribe()
        await bad.send_text(msgspec.json.encode(big).decode())
        code, _reason = await bad.closed()
        assert code == 1009  # message too big
        with pytest.raises(ConnectionClosed):
            await bad.call("project.info")
        # The other socket of the same device goes on, events included.
        created = await client.call("ticket.create", {"subject": "after the big one"})
        event = await bystander.next_event()
        assert (event["kind"], event["ticket_id"]) == ("ticket.created", created["id"])
    async with rpc_socket(server, CUSTOMER) as fresh:
        assert (await fresh.call("auth.whoami"))["bound"] is True


async def test_the_websocket_answers_every_frame_and_keeps_the_connection(
        server: ServerProcess, client: RpcClient) -> None:
    async with rpc_socket(server, CUSTOMER) as socket:
        await socket.send_text("{not json")
        parse = msgspec.json.decode(await socket.connection.recv())
        await socket.send_text('{"jsonrpc": "2.0", "method": "project.info"}')  # no answer
        # JSON in a binary frame is as good as in a text frame.
        await socket.connection.send(b'{"jsonrpc": "2.0", "id": "bin", "method": "auth.whoami"}')
        binary = msgspec.json.decode(await socket.connection.recv())
        unknown = await socket.request("no.such.method")

    assert (parse["id"], parse["error"]["code"]) == (None, PARSE)
    assert (binary["id"], binary["result"]["device_addr"]) == ("bin", CUSTOMER)
    assert unknown["error"]["code"] == NO_METHOD


async def test_non_image_upload_is_refused_with_400(client: RpcClient) -> None:
    response = await client.upload(b"<html><script>alert(1)</script></html>")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == INVALID_PARAMS
    assert response.json()["error"]["data"]["field"] == "file"


async def test_an_upload_over_ten_mib_is_refused_with_413(client: RpcClient) -> None:
    image = png_image(4, 4)
    response = await client.upload(image + b"\0" * (10 * MiB + 1 - len(image)))

    assert response.status_code == 413


async def test_a_decompression_bomb_is_refused_by_its_header(client: RpcClient) -> None:
    # 50000x50000 pixels claimed; the IDAT is a few bytes that would inflate to 7.5 GB
    # of pixels. The header alone must get it refused, before anything is decoded.
    bomb = png_header(50_000, 50_000) + zlib.compress(b"\0" * 1024)

    response = await client.upload(bomb)

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == TOO_LARGE
    assert "50000x50000" in error["data"]["problem"]


async def test_a_truncated_image_that_passes_the_header_check_is_refused(
        client: RpcClient) -> None:
    whole = png_image(64, 64, rgb=(10, 20, 30))
    truncated = whole[: len(whole) // 2]

    response = await client.upload(truncated)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == INVALID_PARAMS
    ok = await client.upload(whole)
    assert ok.status_code == 201
    assert (ok.json()["width"], ok.json()["height"]) == (64, 64)
