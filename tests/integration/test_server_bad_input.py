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

import anyio
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
     INVALID_REQUEST, 10),
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


# -- every byte sequence: a JSON-RPC error or a 4xx, never a 5xx or -32603 -----------------

INTERNAL = -32603
DEEP = 5_000
BIG = ["9223372036854775808", "18446744073709551616", "-9223372036854775809",
       "1" + "0" * 40]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def request_text(method: str, params: str, request_id: str = "1") -> bytes:
    return f'{{"jsonrpc":"2.0","id":{request_id},"method":"{method}","params":{params}}}'.encode()


# Every integer a caller can send, each with a number beyond signed 64 bits.
ID_FIELDS = [
    ("ticket.get", '{{"ticket_id":{n}}}'),
    ("ticket.history", '{{"ticket_id":{n}}}'),
    ("ticket.update", '{{"ticket_id":{n},"priority":"high"}}'),
    ("ticket.update", '{{"ticket_id":1,"assignee_id":{n}}}'),
    ("ticket.create", '{{"subject":"x","requester_id":{n}}}'),
    ("ticket.list", '{{"assignee_id":{n}}}'),
    ("ticket.list", '{{"requester_id":{n}}}'),
    ("ticket.list", '{{"limit":{n}}}'),
    ("message.post", '{{"ticket_id":{n},"body":"x"}}'),
    ("message.post", '{{"ticket_id":1,"body":"x","parent_id":{n}}}'),
    ("message.list", '{{"ticket_id":1,"after_id":{n}}}'),
    ("message.list", '{{"ticket_id":1,"limit":{n}}}'),
    ("message.edit", '{{"message_id":{n},"body":"x"}}'),
    ("message.revisions", '{{"message_id":{n}}}'),
    ("device.list", '{{"user_id":{n}}}'),
    ("user.update", '{{"user_id":{n},"display_name":"x"}}'),
    ("user.people", '{{"ids":[1,{n}]}}'),
    ("presence.update", '{{"viewing_ticket_id":{n}}}'),
    ("presence.list", '{{"ticket_id":{n}}}'),
    ("ticket.get", "[{n}]"),
]


def _bodies() -> dict[str, bytes]:
    bodies = {
        f"{method}:{template[:24]}:{n[:4]}": request_text(method, template.format(n=n))
        for method, template in ID_FIELDS for n in BIG
    }
    bodies |= {
        "nested-1000": nested(1_000).encode(),
        "nested-5000-params": request_text("ticket.list", nested(DEEP)),
        "nested-objects": ('{"a":' * DEEP + "1" + "}" * DEEP).encode(),
        "nested-in-batch": b"[" + request_text("ticket.list", nested(DEEP)) + b"]",
        "1e400-id": b'{"jsonrpc":"2.0","id":1e400,"method":"project.info"}',
        "1e400-limit": request_text("ticket.list", '{"limit":1e400}'),
        "1e400-no-params": request_text("project.info", "[1e400]"),
        "-1e400-ticket": request_text("ticket.get", '{"ticket_id":-1e400}'),
        "1e308-ticket": request_text("ticket.get", '{"ticket_id":1e308}'),
        "-0.0-ticket": request_text("ticket.get", '{"ticket_id":-0.0}'),
        "invalid-utf8-subject": request_text("ticket.create", '{"subject":"@"}'
                                             ).replace(b"@", b"\xff\xfe"),
        "invalid-utf8-method": b'{"jsonrpc":"2.0","id":1,"method":"\xc3\x28"}',
        "overlong-utf8": request_text("ticket.create", '{"subject":"@"}'
                                      ).replace(b"@", b"\xc0\xaf"),
        "lone-surrogate": request_text("ticket.create", '{"subject":"\\ud800"}'),
        "params-null": request_text("ticket.list", "null"),
        "params-number": request_text("ticket.get", "5"),
        "params-true": request_text("project.info", "true"),
        "mixed-batch": b"[" + b",".join([
            nested(100).encode(), b"1e400", b'"\\ud83d\\ude00"', b"null", b"{}",
            request_text("ticket.get", '{"ticket_id":18446744073709551616}'),
            request_text("ticket.list", "7"),
            b'{"jsonrpc":"2.0","id":2,"method":"project.info"}',
        ]) + b"]",
        "nul-bytes": b"\0" * 64,
        "bom": b"\xef\xbb\xbf" + request_text("project.info", "{}"),
    }
    return bodies


BODIES = _bodies()


def _assert_clean(status: int, content: bytes, label: str) -> None:
    assert status < 500, (label, status, content[:200])
    if status != 200:
        return
    answer = msgspec.json.decode(content)
    for one in answer if isinstance(answer, list) else [answer]:
        assert "result" in one or one["error"]["code"] != INTERNAL, (label, one)


async def test_hostile_bodies_get_protocol_errors_over_http(
        server: ServerProcess, client: RpcClient) -> None:
    logged = len(server.log())
    for label, body in BODIES.items():
        response = await client.post(body)
        _assert_clean(response.status_code, response.content, label)
        assert response.status_code == 200, (label, response.status_code)

    assert "Traceback" not in server.log()[logged:]


async def test_the_mixed_batch_answers_each_entry(client: RpcClient) -> None:
    answers = (await client.post(BODIES["mixed-batch"])).json()

    codes = [a.get("error", {}).get("code") for a in answers]
    assert codes == [INVALID_REQUEST] * 5 + [INVALID_PARAMS, INVALID_REQUEST, None]
    assert answers[-1]["result"]["name"]


@pytest.mark.parametrize(("label", "body", "code"), [
    ("nested", "nested-5000-params", PARSE),
    ("utf8", "invalid-utf8-subject", PARSE),
    ("big-id", "ticket.get:{{\"ticket_id\":{n}}}:1844", INVALID_PARAMS),
    ("1e400", "1e400-limit", INVALID_PARAMS),
    ("scalar-params", "params-number", INVALID_REQUEST),
], ids=lambda value: value if isinstance(value, str) and len(value) < 20 else "")
async def test_the_class_of_each_mistake_is_told(client: RpcClient, label: str, body: str,
                                                code: int) -> None:
    key = next(k for k in BODIES if k.startswith(body[:30]))
    answer = await answer_to(client, BODIES[key])

    assert answer["error"]["code"] == code, (label, answer)


@pytest.mark.parametrize(("method", "headers", "content", "statuses"), [
    ("POST", {"content-type": "text/plain"}, b'{"jsonrpc":"2.0","id":1,"method":"x"}', {200}),
    ("POST", {"content-type": "application/x-www-form-urlencoded"}, b"a=1&b=2", {200}),
    ("POST", {}, b"", {200}),
    ("GET", {}, b"", {405}),
    ("PUT", {"content-type": "application/json"}, b"{}", {405}),
    ("DELETE", {}, b"", {405}),
], ids=["text-plain", "form", "no-body", "get", "put", "delete"])
async def test_http_level_oddities_are_4xx_or_answered(
        server: ServerProcess, client: RpcClient, method: str, headers: dict[str, str],
        *, content: bytes, statuses: set[int]) -> None:
    logged = len(server.log())
    response = await client.http.request(method, "/rpc", content=content, headers=headers)

    assert response.status_code in statuses, (response.status_code, response.text)
    assert "Traceback" not in server.log()[logged:]


async def test_a_chunked_body_over_one_mib_is_413(server: ServerProcess,
                                                  client: RpcClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"jsonrpc":"2.0","id":1,"method":"ticket.create","params":{"body":"'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}}'

    response = await client.http.post("/rpc", content=chunks(),
                                       headers={"content-type": "application/json"})

    assert response.status_code == 413


async def test_raw_socket_garbage_is_refused_with_4xx(server: ServerProcess,
                                                      customer_address: str) -> None:
    requests = [
        b"POST /rpc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
        b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
        b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64,  # a TLS hello
        b"GARBAGE\r\n\r\n",
    ]
    logged = len(server.log())
    for raw in requests:
        status = await _raw_status(server, customer_address, raw)
        assert status is None or 400 <= status < 500, (raw[:40], status)

    assert "Traceback" not in server.log()[logged:]


async def _raw_status(server: ServerProcess, address: str, raw: bytes) -> int | None:
    """The status of the answer to ``raw``, or ``None`` if the server just closed."""
    stream = await anyio.connect_tcp(server.base_url.split("//")[1].split(":")[0],
                                     server.port, local_host=address)
    async with stream:
        await stream.send(raw)
        received = b""
        with anyio.move_on_after(5):
            try:
                while b"\r\n" not in received:
                    received += await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                pass
    if not received.startswith(b"HTTP/1."):
        return None
    return int(received.split(b" ", 2)[1])


HOSTILE_SOCKET, SAME_PERSON = "127.0.0.32", "127.0.0.33"


async def test_hostile_frames_are_answered_and_the_socket_and_its_subscription_stay(
        server: ServerProcess) -> None:
    # Writes count against the device that sends them, bad params or not: the ticket
    # that must reach the subscription comes from the same person's other device.
    server.person("customer", HOSTILE_SOCKET, SAME_PERSON)
    logged = len(server.log())
    async with rpc_socket(server, HOSTILE_SOCKET) as socket, \
            RpcClient(server, SAME_PERSON) as client:
        await socket.subscribe()
        for label, body in BODIES.items():
            # Text frames must be UTF-8 (a protocol rule of WebSocket itself); the bytes
            # that are not go as binary frames, which the server reads the same way.
            try:
                await socket.connection.send(body.decode())
            except UnicodeDecodeError:
                await socket.connection.send(body)
            frame = msgspec.json.decode(await _next_answer(socket))
            for one in frame if isinstance(frame, list) else [frame]:
                assert "result" in one or one["error"]["code"] != INTERNAL, (label, one)
        created = await client.call("ticket.create", {"subject": "after the hostile frames"})
        event = await socket.next_event()
        assert (event["kind"], event["ticket_id"]) == ("ticket.created", created["id"])
        assert (await socket.call("auth.whoami"))["bound"] is True

    assert "Traceback" not in server.log()[logged:]


async def _next_answer(socket: Any) -> bytes:
    """The next frame that is not an event notification."""
    with anyio.fail_after(10):
        while True:
            raw = await socket.connection.recv()
            data = raw if isinstance(raw, bytes) else raw.encode()
            if b'"events.event"' not in data[:64]:
                return data


def _masked_frame(opcode: int, payload: bytes) -> bytes:
    """One client frame, built by hand: no client library sends a text frame that is not
    UTF-8, which is exactly what this test needs."""
    mask = b"\x11\x22\x33\x44"
    assert len(payload) < 126
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


async def test_a_text_frame_that_is_not_utf8_closes_with_1007_and_one_log_line(
        server: ServerProcess, customer_address: str) -> None:
    logged = len(server.log())
    stream = await anyio.connect_tcp("127.0.0.1", server.port, local_host=customer_address)
    async with stream:
        await stream.send(b"GET /rpc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        with anyio.fail_after(10):
            handshake = b""
            while b"\r\n\r\n" not in handshake:
                handshake += await stream.receive()
            assert handshake.startswith(b"HTTP/1.1 101")
            await stream.send(_masked_frame(0x1, b'{"jsonrpc":"2.0","id":1,"x":"\xff"}'))
            close = handshake.split(b"\r\n\r\n", 1)[1]
            while len(close) < 4:
                close += await stream.receive()

    assert close[0] == 0x88  # a close frame, code 1007: invalid frame payload data
    assert int.from_bytes(close[2:4], "big") == 1007
    log = server.log()[logged:]
    with anyio.fail_after(5):
        while "Invalid UTF-8" not in log:
            await anyio.sleep(0.05)
            log = server.log()[logged:]
    assert "Traceback" not in log
    # One record per line, "DATE TIME LEVEL LOGGER: MESSAGE" (adapters.serving.logs).
    assert [line.split()[2] for line in log.splitlines() if "Invalid UTF-8" in line] == [
        "WARNING"]
