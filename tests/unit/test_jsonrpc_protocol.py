"""JSON-RPC 2.0 as a caller sees it: requests, notifications, batches and every error."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import anyio
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec import Meta, Struct

from hero_assistance.adapters.jsonrpc import (
    NOT_FOUND,
    JsonRpcError,
    MethodRegistry,
    MethodSpec,
    encode_notification,
)
from hero_assistance.domain.errors import DomainError

pytestmark = pytest.mark.anyio

BAD_ID = "id must be a string, an integer or null"
INTERNAL = b'{"jsonrpc":"2.0","error":{"code":-32603,"message":"internal error"},"id":1}'
LOGGER = "hero_assistance.adapters.jsonrpc.registry"
LEAKY = "row 42 of table users is corrupt"


class Attachment(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    size: Annotated[int, Meta(ge=0)]


class Reply(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    ticket: Annotated[int, Meta(gt=0)]
    body: Annotated[str, Meta(min_length=1)]
    internal: bool = False
    attachments: list[Attachment] = []


class Page(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    after: int | None = None
    limit: int = 20


class Lenient(Struct, frozen=True, kw_only=True):
    text: str


class Fail(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    how: str


class World:
    """What the handlers of the test registry saw, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []


def _registry(world: World, *, max_batch: int = 50) -> MethodRegistry[str]:
    registry = MethodRegistry[str](title="test", version="1", max_batch=max_batch)

    @registry.method("message.post", params=Reply, result=Reply, summary="Echo a reply.")
    async def post(ctx: str, params: Reply) -> Reply:
        world.calls.append(("message.post", params))
        return params

    @registry.method("ticket.list", params=Page, result=list[int], summary="A page.")
    async def list_(ctx: str, params: Page) -> list[int]:
        world.calls.append(("ticket.list", params))
        start = params.after or 0
        return list(range(start + 1, start + 1 + min(params.limit, 3)))

    @registry.method("presence.ping", params=None, result=None, summary="Heartbeat.")
    async def ping(ctx: str, params: None) -> None:
        world.calls.append(("presence.ping", ctx))

    @registry.method("lenient.echo", params=Lenient, result=str, summary="Ignores extras.")
    async def lenient(ctx: str, params: Lenient) -> str:
        return params.text

    @registry.method("fail", params=Fail, result=None, summary="Fails.", errors=[NOT_FOUND])
    async def fail(ctx: str, params: Fail) -> Any:
        world.calls.append(("fail", params.how))
        if params.how == "runtime":
            raise RuntimeError(LEAKY)
        if params.how == "bare-domain":
            raise DomainError(LEAKY)
        if params.how == "rpc":
            raise JsonRpcError(NOT_FOUND, "no such thing", {"what": "thing"})
        if params.how == "unencodable":
            return object()
        if params.how == "unencodable-error-data":
            raise JsonRpcError(NOT_FOUND, "no such thing", {"what": object()})
        raise KeyError(LEAKY)

    return registry


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def registry(world: World) -> MethodRegistry[str]:
    return _registry(world)


async def _call(registry: MethodRegistry[str], body: bytes | str | dict[str, Any]) -> Any:
    if isinstance(body, dict):
        raw = msgspec.json.encode(body)
    else:
        raw = body.encode() if isinstance(body, str) else body
    response = await registry.handle("alice", raw)
    assert response is not None
    return msgspec.json.decode(response)


def _request(method: str, params: Any = None, id_: Any = 1) -> dict[str, Any]:
    request: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": id_}
    if params is not None:
        request["params"] = params
    return request


async def _error(registry: MethodRegistry[str], request: dict[str, Any]) -> dict[str, Any]:
    response = await _call(registry, request)
    assert "result" not in response
    return response  # type: ignore[no-any-return]


# -- successful calls ---------------------------------------------------------------------


async def test_by_name_params_decode_into_the_struct(
    registry: MethodRegistry[str], world: World
) -> None:
    body = b'{"jsonrpc":"2.0","method":"message.post","params":{"ticket":7,"body":"hi"},"id":1}'

    response = await registry.handle("alice", body)

    assert response == (
        b'{"jsonrpc":"2.0","result":{"ticket":7,"body":"hi","internal":false,'
        b'"attachments":[]},"id":1}'
    )
    assert world.calls == [("message.post", Reply(ticket=7, body="hi"))]


async def test_by_position_params_map_onto_fields_in_order(
    registry: MethodRegistry[str], world: World
) -> None:
    response = await _call(registry, _request("message.post", [7, "hi", True]))

    assert response["result"] == {"ticket": 7, "body": "hi", "internal": True, "attachments": []}
    assert world.calls == [("message.post", Reply(ticket=7, body="hi", internal=True))]


async def test_by_position_params_may_stop_before_the_optional_fields(
    registry: MethodRegistry[str],
) -> None:
    response = await _call(registry, _request("ticket.list", [10]))

    assert response == {"jsonrpc": "2.0", "result": [11, 12, 13], "id": 1}


async def test_absent_params_decode_as_an_empty_object(
    registry: MethodRegistry[str], world: World
) -> None:
    response = await _call(registry, '{"jsonrpc":"2.0","method":"ticket.list","id":1}')

    assert response["result"] == [1, 2, 3]
    assert world.calls == [("ticket.list", Page())]


@pytest.mark.parametrize("params", ["", ',"params":{}', ',"params":[]', ',"params" : { }'])
async def test_a_method_without_params_accepts_none_or_empty(
    registry: MethodRegistry[str], world: World, params: str
) -> None:
    body = f'{{"jsonrpc":"2.0","method":"presence.ping"{params},"id":"p-1"}}'

    response = await _call(registry, body)

    assert response == {"jsonrpc": "2.0", "result": None, "id": "p-1"}
    assert world.calls == [("presence.ping", "alice")]


async def test_a_struct_that_allows_unknown_fields_is_honoured(
    registry: MethodRegistry[str],
) -> None:
    response = await _call(registry, _request("lenient.echo", {"text": "hi", "extra": 1}))

    assert response["result"] == "hi"


async def test_string_and_null_ids_are_answered_with_the_same_id(
    registry: MethodRegistry[str],
) -> None:
    by_string = await _call(registry, _request("ticket.list", id_="abc"))
    by_null = await _call(registry, _request("ticket.list", id_=None))

    assert by_string["id"] == "abc"
    assert by_null == {"jsonrpc": "2.0", "result": [1, 2, 3], "id": None}


async def test_a_notification_runs_and_gets_no_response(
    registry: MethodRegistry[str], world: World
) -> None:
    response = await registry.handle("alice", b'{"jsonrpc":"2.0","method":"presence.ping"}')

    assert response is None
    assert world.calls == [("presence.ping", "alice")]


@pytest.mark.parametrize(
    "body",
    [
        b'{"jsonrpc":"2.0","method":"no.such"}',
        b'{"jsonrpc":"2.0","method":"ticket.list","params":{"limit":"x"}}',
        b'{"jsonrpc":"2.0","method":"fail","params":{"how":"rpc"}}',
    ],
)
async def test_a_failing_notification_gets_no_response_either(
    registry: MethodRegistry[str], body: bytes
) -> None:
    assert await registry.handle("alice", body) is None


# -- invalid params (-32602) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "problem"),
    [
        ({"ticket": "7", "body": "hi"}, "ticket", "Expected `int`, got `str`"),
        ({"ticket": 0, "body": "hi"}, "ticket", "Expected `int` >= 1"),
        ({"ticket": 7, "body": ""}, "body", "Expected `str` of length >= 1"),
        ({"body": "hi"}, "ticket", "missing required field"),
        ({"ticket": 7, "body": "hi", "bodyy": "x"}, "bodyy", "unknown field"),
        (
            {"ticket": 7, "body": "hi", "attachments": [{"name": "a", "size": 1}, {"name": "b"}]},
            "attachments[1].size", "missing required field",
        ),
        (
            {"ticket": 7, "body": "hi", "attachments": [{"name": "a", "size": -1}]},
            "attachments[0].size", "Expected `int` >= 0",
        ),
        (
            {"ticket": 7, "body": "hi", "attachments": [{"name": "a", "size": 1, "mime": "x"}]},
            "attachments[0].mime", "unknown field",
        ),
        (["7", "hi"], "ticket", "Expected `int`, got `str`"),
        ([7, "hi", False, [], "extra"], "params", "expected at most 4 positional params, got 5"),
        ([], "ticket", "missing required field"),
    ],
)
async def test_invalid_params_say_which_field_and_why(
    registry: MethodRegistry[str], world: World, params: Any, field: str, problem: str
) -> None:
    response = await _error(registry, _request("message.post", params, id_=9))

    assert response == {
        "jsonrpc": "2.0",
        "error": {
            "code": -32602,
            "message": f"{field}: {problem}",
            "data": {"field": field, "problem": problem},
        },
        "id": 9,
    }
    assert world.calls == []


@pytest.mark.parametrize("params", ["null", '"text"', "5", "true", "1e400"])
@pytest.mark.parametrize("method", ["ticket.list", "presence.ping", "no.such"])
async def test_params_that_are_neither_array_nor_object_are_an_invalid_request(
    registry: MethodRegistry[str], world: World, params: str, method: str
) -> None:
    body = f'{{"jsonrpc":"2.0","method":"{method}","params": {params},"id":1}}'

    response = await _call(registry, body)

    assert response == {"jsonrpc": "2.0", "id": 1, "error": {
        "code": -32600, "message": "invalid request",
        "data": {"problem": "params must be an array or an object when present"}}}
    assert world.calls == []


@pytest.mark.parametrize("params", [{"x": 1}, [1], [[[]]], [{}]])
async def test_params_given_to_a_method_without_params_are_invalid(
    registry: MethodRegistry[str], world: World, params: Any
) -> None:
    response = await _error(registry, _request("presence.ping", params))

    assert response["error"] == {
        "code": -32602,
        "message": "params: this method takes no params",
        "data": {"field": "params", "problem": "this method takes no params"},
    }
    assert world.calls == []


# -- parse error, invalid request, method not found ---------------------------------------


@pytest.mark.parametrize(
    "body", [b"", b"{", b'{"jsonrpc":"2.0","method":"x",}', b"[1,", b"nul", b"\xff"]
)
async def test_invalid_json_is_a_parse_error_with_null_id(
    registry: MethodRegistry[str], body: bytes
) -> None:
    response = await _call(registry, body)

    assert response["id"] is None
    assert response["error"]["code"] == -32700
    assert response["error"]["message"] == "parse error"


@pytest.mark.parametrize(
    ("body", "problem", "id_"),
    [
        ("5", "a request must be an object, a batch a non-empty array of them", None),
        ('"ticket.list"', "a request must be an object, a batch a non-empty array of them", None),
        ("null", "a request must be an object, a batch a non-empty array of them", None),
        ('{"method":"ticket.list","id":1}', "jsonrpc is missing", 1),
        ('{"jsonrpc":"1.0","method":"ticket.list","id":1}', 'jsonrpc must be "2.0"', 1),
        ('{"jsonrpc":2.0,"method":"ticket.list","id":1}', 'jsonrpc must be "2.0"', 1),
        ('{"jsonrpc":"2.0","id":"a"}', "method is missing", "a"),
        ('{"jsonrpc":"2.0","method":1,"id":"a"}', "method must be a string", "a"),
        ('{"jsonrpc":"2.0","method":null,"id":2}', "method must be a string", 2),
        ('{"jsonrpc":"2.0","method":"ticket.list","id":1.5}', BAD_ID, None),
        ('{"jsonrpc":"2.0","method":"ticket.list","id":true}', BAD_ID, None),
        ('{"jsonrpc":"2.0","method":"ticket.list","id":{"n":1}}', BAD_ID, None),
        ('{"jsonrpc":"2.0","method":1}', "method must be a string", None),
    ],
)
async def test_wrong_shape_is_an_invalid_request(
    registry: MethodRegistry[str], world: World, body: str, problem: str, id_: Any
) -> None:
    response = await _call(registry, body)

    assert response == {
        "jsonrpc": "2.0",
        "error": {"code": -32600, "message": "invalid request", "data": {"problem": problem}},
        "id": id_,
    }
    assert world.calls == []


async def test_unknown_method_is_method_not_found(registry: MethodRegistry[str]) -> None:
    response = await _call(registry, _request("ticket.destroy", {"id": 1}, id_=3))

    assert response == {
        "jsonrpc": "2.0",
        "error": {
            "code": -32601, "message": "method not found", "data": {"method": "ticket.destroy"},
        },
        "id": 3,
    }


async def test_a_handler_may_raise_a_json_rpc_error_itself(registry: MethodRegistry[str]) -> None:
    response = await _call(registry, _request("fail", {"how": "rpc"}))

    assert response["error"] == {
        "code": -32003, "message": "no such thing", "data": {"what": "thing"},
    }


# -- internal errors (-32603) -------------------------------------------------------------


@pytest.mark.parametrize(
    "how", ["runtime", "key", "bare-domain", "unencodable", "unencodable-error-data"]
)
async def test_unexpected_failures_are_logged_and_answered_without_internals(
    registry: MethodRegistry[str], caplog: pytest.LogCaptureFixture, how: str
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)

    response = await registry.handle("alice", msgspec.json.encode(_request("fail", {"how": how})))

    assert response == INTERNAL
    for leak in ("row 42", "Traceback", "Error", "Exception", "object at", "line "):
        assert leak not in response.decode()
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.ERROR
    assert "fail" in record.getMessage()
    assert record.exc_info is not None
    if how in ("runtime", "key", "bare-domain"):
        assert LEAKY in caplog.text
    assert "Traceback" in caplog.text


async def test_a_failing_authorize_hook_is_an_internal_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def authorize(ctx: None, spec: MethodSpec) -> None:
        raise LookupError(LEAKY)

    registry = MethodRegistry[None](title="t", version="1", authorize=authorize)
    caplog.set_level(logging.ERROR, logger=LOGGER)

    response = await registry.handle(None, b'{"jsonrpc":"2.0","method":"rpc.discover","id":1}')

    assert response == INTERNAL
    assert LEAKY in caplog.text


async def test_a_failing_notification_is_still_logged(
    registry: MethodRegistry[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)

    response = await registry.handle(
        "alice", b'{"jsonrpc":"2.0","method":"fail","params":{"how":"runtime"}}'
    )

    assert response is None
    assert LEAKY in caplog.text


# -- batches ------------------------------------------------------------------------------


async def test_a_batch_answers_each_entry_on_its_own_in_order(
    registry: MethodRegistry[str], world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    batch = (
        b"["
        b'{"jsonrpc":"2.0","method":"ticket.list","params":{"limit":1},"id":1},'
        b'{"jsonrpc":"2.0","method":"presence.ping"},'
        b"42,"
        b'{"jsonrpc":"2.0","method":"message.post","params":{"ticket":"x","body":"b"},"id":2},'
        b'{"jsonrpc":"2.0","method":"no.such","id":3},'
        b'{"jsonrpc":"2.0","method":"fail","params":{"how":"runtime"},"id":4},'
        b'{"jsonrpc":"1.0","method":"ticket.list","id":5},'
        b"[],"
        b'{"jsonrpc":"2.0","method":"message.post","params":[7,"b"],"id":6}'
        b"]"
    )

    response = await _call(registry, batch)

    assert [(r["id"], r.get("result"), r.get("error", {}).get("code")) for r in response] == [
        (1, [1], None),
        (None, None, -32600),
        (2, None, -32602),
        (3, None, -32601),
        (4, None, -32603),
        (5, None, -32600),
        (None, None, -32600),
        (6, {"ticket": 7, "body": "b", "internal": False, "attachments": []}, None),
    ]
    assert [name for name, _ in world.calls] == [
        "ticket.list", "presence.ping", "fail", "message.post",
    ]


async def test_a_batch_of_notifications_only_has_no_response(
    registry: MethodRegistry[str], world: World
) -> None:
    batch = b'[{"jsonrpc":"2.0","method":"presence.ping"},{"jsonrpc":"2.0","method":"no.such"}]'

    assert await registry.handle("alice", batch) is None
    assert world.calls == [("presence.ping", "alice")]


async def test_an_empty_batch_is_one_invalid_request(registry: MethodRegistry[str]) -> None:
    response = await _call(registry, b" [ ] ")

    assert response == {
        "jsonrpc": "2.0",
        "error": {
            "code": -32600, "message": "invalid request",
            "data": {"problem": "a batch must not be empty"},
        },
        "id": None,
    }


async def test_a_batch_beyond_max_batch_is_refused_whole(world: World) -> None:
    registry = _registry(world, max_batch=3)
    entry = '{"jsonrpc":"2.0","method":"presence.ping","id":1}'

    at_limit = await _call(registry, f"[{','.join([entry] * 3)}]")
    beyond = await _call(registry, f"[{','.join([entry] * 4)}]")

    assert len(at_limit) == 3
    assert beyond == {
        "jsonrpc": "2.0",
        "error": {
            "code": -32600, "message": "invalid request",
            "data": {"problem": "a batch holds at most 3 requests"},
        },
        "id": None,
    }
    assert len(world.calls) == 3


async def test_batch_entries_run_one_after_another() -> None:
    registry = MethodRegistry[None](title="t", version="1")
    trace: list[str] = []

    @registry.method("slow", params=Fail, result=str, summary="s")
    async def slow(ctx: None, params: Fail) -> str:
        trace.append(f"start {params.how}")
        await anyio.sleep(0.01 if params.how == "a" else 0)
        trace.append(f"end {params.how}")
        return params.how

    batch = b"[" + b",".join(
        b'{"jsonrpc":"2.0","method":"slow","params":{"how":"%s"},"id":%d}' % (name, index)
        for index, name in enumerate((b"a", b"b", b"c"))
    ) + b"]"
    response = await registry.handle(None, batch)

    assert trace == ["start a", "end a", "start b", "end b", "start c", "end c"]
    assert response is not None
    assert [r["result"] for r in msgspec.json.decode(response)] == ["a", "b", "c"]


# -- registration and helpers -------------------------------------------------------------


def test_specs_list_rpc_discover_first_then_registration_order(
    registry: MethodRegistry[str],
) -> None:
    specs = registry.specs()

    assert [s.name for s in specs] == [
        "rpc.discover", "message.post", "ticket.list", "presence.ping", "lenient.echo", "fail",
    ]
    assert specs[0].public is True
    assert specs[1].public is False


async def test_add_registers_a_spec_without_the_decorator() -> None:
    registry = MethodRegistry[None](title="t", version="1")

    async def double(ctx: None, params: Page) -> int:
        return params.limit * 2

    registry.add(MethodSpec(name="double", handler=double, params=Page, result=int, summary="x2"))

    response = await registry.handle(None, b'{"jsonrpc":"2.0","method":"double","id":1}')
    assert response == b'{"jsonrpc":"2.0","result":40,"id":1}'


async def _noop(ctx: None, params: Any) -> None:
    return None


class ArrayLike(Struct, array_like=True):
    x: int


def _spec(*, params: Any = None, result: Any = None) -> MethodSpec:
    return MethodSpec(name="m", handler=_noop, params=params, result=result, summary="s")


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        (MethodSpec(name="dup", handler=_noop, params=None, result=None, summary="s"), ValueError),
        (
            MethodSpec(name="rpc.mine", handler=_noop, params=None, result=None, summary="s"),
            ValueError,
        ),
        (_spec(params=dict), TypeError),
        (_spec(params=ArrayLike), ValueError),
        (_spec(result=World), TypeError),
    ],
)
def test_bad_registrations_fail_at_startup(spec: MethodSpec, error: type[Exception]) -> None:
    registry = MethodRegistry[None](title="t", version="1")
    registry.add(MethodSpec(name="dup", handler=_noop, params=None, result=None, summary="s"))

    with pytest.raises(error):
        registry.add(spec)


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        MethodRegistry[None](title="t", version="1", max_batch=0)


def test_encode_notification_builds_a_server_push() -> None:
    assert encode_notification("ticket.updated", {"seq": 4}) == (
        b'{"jsonrpc":"2.0","method":"ticket.updated","params":{"seq":4}}'
    )
    assert encode_notification("ping") == b'{"jsonrpc":"2.0","method":"ping"}'


# -- any bytes at all: a protocol error, never an internal one ----------------------------

DEEP = 5_000  # far beyond the interpreter's recursion limit


def _nested(depth: int, core: str = "1") -> str:
    return "[" * depth + core + "]" * depth


@pytest.mark.parametrize(("body", "code"), [
    (_nested(DEEP), -32700),
    ('{"jsonrpc":"2.0","method":"ticket.list","params":' + _nested(DEEP) + ',"id":1}', -32700),
    ('{"jsonrpc":"2.0","method":"presence.ping","params":' + _nested(DEEP) + ',"id":1}', -32700),
    # The id's type is wrong at its first byte: refused for that before any depth counts.
    ('{"jsonrpc":"2.0","method":"ticket.list","id":' + _nested(DEEP) + "}", -32600),
    ('{"a":' * DEEP + "1" + "}" * DEEP, -32700),
    ("[" + _nested(DEEP) + "]", -32700),
], ids=["top", "in-params", "in-params-of-none", "in-id", "objects", "in-batch"])
async def test_nesting_beyond_the_decoder_is_a_parse_error(
    registry: MethodRegistry[str], world: World, body: str, code: int
) -> None:
    response = await _call(registry, body)

    assert response["error"]["code"] == code
    if code == -32700:
        assert response["error"]["data"] == {"problem": "nested too deeply"}
    assert world.calls == []


async def test_nesting_the_decoder_reads_is_answered_by_the_params_rules(
    registry: MethodRegistry[str],
) -> None:
    body = '{"jsonrpc":"2.0","method":"ticket.list","params":{"after":' + _nested(50) + '},"id":1}'

    response = await _call(registry, body)

    assert response["error"]["code"] == -32602
    assert response["error"]["data"]["field"] == "after"


@pytest.mark.parametrize("body", [
    b'{"jsonrpc":"2.0","method":"message.post","params":{"ticket":1,"body":"\xff"},"id":1}',
    b'{"jsonrpc":"2.0","method":"message.post","params":[1,"\xc3\x28"],"id":1}',
    b'{"jsonrpc":"2.0","method":"presence.ping","params":{"\xed\xa0\x80":1},"id":1}',
    b'[{"jsonrpc":"2.0","method":"ticket.list","id":1},{"jsonrpc":"2.0","method":"\xfe","id":2}]',
    b'{"jsonrpc":"2.0","method":"message.post","params":{"ticket":1,"body":"\\ud800"},"id":1}',
    b'{"jsonrpc":"2.0","method":"message.post","params":{"ticket":1,"body":"\\udc00x"},"id":1}',
], ids=["in-a-string", "truncated-sequence", "encoded-surrogate", "in-a-batch",
        "lone-high-surrogate-escape", "lone-low-surrogate-escape"])
async def test_text_that_is_not_unicode_is_a_parse_error(
    registry: MethodRegistry[str], world: World, body: bytes
) -> None:
    response = await _call(registry, body)

    assert isinstance(response, dict), "one parse error for the whole message"
    assert response["error"]["code"] == -32700
    assert world.calls == []


@pytest.mark.parametrize(("body", "code", "answer_id"), [
    ('{"jsonrpc":"2.0","method":"ticket.list","id":1e400}', -32600, None),
    ('{"jsonrpc":"2.0","method":"ticket.list","id":-1e400}', -32600, None),
    ('{"jsonrpc":"2.0","method":"ticket.list","params":{"limit":1e400},"id":1}', -32602, 1),
    ('{"jsonrpc":"2.0","method":"ticket.list","params":[1e400],"id":2}', -32602, 2),
    ('{"jsonrpc":"2.0","method":"ticket.list","params":{"after":1.5},"id":3}', -32602, 3),
    ('{"jsonrpc":"2.0","method":"ticket.list","params":{"after":NaN},"id":4}', -32700, None),
    ('{"jsonrpc":"2.0","method":"ticket.list","params":{"after":Infinity},"id":5}', -32700, None),
], ids=["id-1e400", "id--1e400", "param-1e400", "positional-1e400", "fraction", "nan",
        "infinity"])
async def test_numbers_no_type_can_hold_are_refused_as_protocol_errors(
    registry: MethodRegistry[str], body: str, code: int, answer_id: Any
) -> None:
    response = await _call(registry, body)

    assert (response["error"]["code"], response["id"]) == (code, answer_id)


async def test_an_unknown_method_name_is_echoed_shortened(registry: MethodRegistry[str]) -> None:
    response = await _call(registry, _request("x" * 100_000))

    assert response["error"]["code"] == -32601
    assert response["error"]["data"]["method"] == "x" * 100 + "…"


async def test_protocol_refusals_log_one_info_line_without_a_traceback(
    registry: MethodRegistry[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)

    await registry.handle("alice", _nested(DEEP).encode())
    await registry.handle("alice", b"\xff")

    assert [(r.levelno, r.exc_info) for r in caplog.records] == [(logging.INFO, None)] * 2
    assert "nested too deeply" in caplog.records[0].getMessage()
    assert all("\n" not in r.getMessage() for r in caplog.records)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
_ENVELOPE_KEYS = st.sampled_from(["jsonrpc", "method", "params", "id", "extra"])


@given(body=st.binary(max_size=200))
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_any_bytes_get_a_protocol_answer(
    registry: MethodRegistry[str], body: bytes
) -> None:
    await _assert_answered_without_fault(registry, body)


@given(envelope=st.dictionaries(_ENVELOPE_KEYS, _JSON_VALUES | st.sampled_from(
    ["2.0", "ticket.list", "message.post", "presence.ping", "fail"])), batch=st.booleans())
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_any_json_gets_a_protocol_answer(
    registry: MethodRegistry[str], envelope: dict[str, Any], batch: bool
) -> None:
    if envelope.get("method") == "fail":
        envelope["method"] = "ticket.list"  # "fail" raises on purpose: an internal error
    value: Any = [envelope, envelope] if batch else envelope
    await _assert_answered_without_fault(registry, msgspec.json.encode(value))


async def _assert_answered_without_fault(registry: MethodRegistry[str], body: bytes) -> None:
    response = await registry.handle("alice", body)
    if response is None:
        return  # notifications only
    answer = msgspec.json.decode(response)
    for one in answer if isinstance(answer, list) else [answer]:
        assert set(one) in ({"jsonrpc", "id", "result"}, {"jsonrpc", "id", "error"}), one
        if "error" in one:
            assert one["error"]["code"] != -32603, (body, one)
