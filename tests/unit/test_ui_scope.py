"""``ui --project``: JSON-RPC messages narrowed to one followed project."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hero_assistance.adapters.jsonrpc import MethodRegistry
from hero_assistance.apps.client.client import SupportClient
from hero_assistance.apps.client.overlay import LoopbackDeviceOverlay
from hero_assistance.apps.client.service import ClientContext, build_client_registry
from hero_assistance.apps.client.ui.scope import ProjectScope

pytestmark = pytest.mark.anyio


class Service:
    """Records what reaches the registry and answers with canned results."""

    def __init__(self, results: dict[str, Any] | None = None) -> None:
        self.received: list[Any] = []
        self.results = results or {}

    async def answer(self, body: bytes) -> bytes | None:
        message = msgspec.json.decode(body)
        self.received.append(message)
        entries = message if isinstance(message, list) else [message]
        responses = [{"jsonrpc": "2.0", "id": e["id"], "result": self.results.get(e["method"])}
                     for e in entries if "id" in e]
        if not responses:
            return None
        return msgspec.json.encode(responses if isinstance(message, list) else responses[0])


def _call(method: str, params: Any = None, request_id: int = 1) -> dict[str, Any]:
    call: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        call["params"] = params
    return call


async def _send(scope: ProjectScope, service: Service, message: Any) -> Any:
    raw = await scope.handle(msgspec.json.encode(message), service.answer)
    return None if raw is None else msgspec.json.decode(raw)


async def test_calls_on_another_project_never_reach_the_service() -> None:
    service = Service()
    answer = await _send(ProjectScope("acme"), service,
                         _call("ticket.get", {"project": "globex", "ticket_id": 1}))
    assert answer["error"]["code"] == -32003
    assert service.received == []


@pytest.mark.parametrize("method", ["client.follow", "client.unfollow"])
async def test_following_is_not_for_a_one_project_tab(method: str) -> None:
    service = Service()
    answer = await _send(ProjectScope("acme"), service, _call(method, {"label": "x"}))
    assert answer["error"]["code"] == -32002
    assert service.received == []


async def test_aggregated_calls_are_pointed_at_the_project() -> None:
    service = Service()
    scope = ProjectScope("acme")
    await _send(scope, service, _call("ticket.list", {"query": "printer",
                                                      "cursors": {"acme": "c1", "globex": "c2"}}))
    await _send(scope, service, _call("ticket.list"))
    await _send(scope, service, _call("events.subscribe", {"projects": ["globex", "acme"]}))
    await _send(scope, service, _call("events.subscribe"))
    assert service.received[0]["params"] == {"query": "printer", "project": "acme", "cursor": "c1"}
    assert service.received[1]["params"] == {"project": "acme"}
    assert service.received[2]["params"]["projects"] == ["acme"]
    assert service.received[3]["params"] == {"projects": ["acme"]}


async def test_answers_that_list_projects_keep_only_the_project() -> None:
    item = {"project": "acme", "unread": 2}
    service = Service({
        "client.projects": [{"label": "acme"}, {"label": "globex"}],
        "client.inbox": {"items": [item, {"project": "globex", "unread": 5}], "unread": 7,
                         "problems": {"globex": "down", "acme": "slow"}},
    })
    scope = ProjectScope("acme")
    batch = await _send(scope, service, [
        _call("client.projects", request_id=1), _call("client.inbox", request_id=2),
        _call("client.follow", {"address": "x"}, request_id=3),
        {"jsonrpc": "2.0", "method": "presence.update", "params": {"project": "globex"}},
    ])
    by_id = {entry["id"]: entry for entry in batch}
    assert by_id[1]["result"] == [{"label": "acme"}]
    assert by_id[2]["result"] == {"items": [item], "unread": 2, "problems": {"acme": "slow"}}
    assert by_id[3]["error"]["code"] == -32002
    assert len(batch) == 3  # the refused notification is not answered
    assert [m["method"] for m in service.received[0]] == ["client.projects", "client.inbox"]


async def test_what_is_not_json_goes_through_for_the_registry_to_answer() -> None:
    received: list[bytes] = []

    async def answer(body: bytes) -> bytes | None:
        received.append(body)
        return b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}'

    raw = await ProjectScope("acme").handle(b"{not json", answer)
    assert received == [b"{not json"]
    assert raw is not None
    assert b"-32700" in raw


async def test_positional_params_cannot_name_another_project() -> None:
    service = Service()
    scope = ProjectScope("acme")

    # ProjectTicketRef's fields are (ticket_id, project): by position, "globex" would
    # be the project, where the scope does not look.
    answer = await _send(scope, service, _call("ticket.get", [1, "globex"]))
    listed = await _send(scope, service, _call("ticket.list", ["globex"]))

    assert answer["error"]["code"] == listed["error"]["code"] == -32602
    assert answer["error"]["data"] == {"field": "params", "problem": "give params by name"}
    assert service.received == []


# -- hostile input through the scope and the real registry: answered, never raised ---------

@pytest.fixture
async def registry(tmp_path: Path) -> AsyncIterator[MethodRegistry[ClientContext]]:
    """The client service's own registry, following nothing."""
    async with SupportClient(LoopbackDeviceOverlay("127.0.72.1"), config_dir=tmp_path) as client:
        yield build_client_registry(client)


async def _through(registry: MethodRegistry[ClientContext], body: bytes) -> Any:
    async def answer(message: bytes) -> bytes | None:
        return await registry.handle(ClientContext(), message)

    raw = await ProjectScope("acme").handle(body, answer)
    return None if raw is None else msgspec.json.decode(raw)


@pytest.mark.parametrize(("body", "code"), [
    (b"[" * 5000 + b"]" * 5000, -32700),
    (b'{"jsonrpc":"2.0","id":1,"method":"client.projects","params":{"wait":1e400}}', -32602),
    (b'{"jsonrpc":"2.0","id":1e400,"method":"client.projects"}', -32600),
    (b'{"jsonrpc":"2.0","id":[1],"method":"client.projects"}', -32600),
    (b'{"jsonrpc":"2.0","id":{"a":1},"method":"client.inbox"}', -32600),
    (b'{"jsonrpc":"2.0","id":1,"method":"ticket.list","params":5}', -32600),
    ((b'{"jsonrpc":"2.0","id":1,"method":"ticket.get","params":{"project":"acme",'
     b'"ticket_id":18446744073709551616}}'), -32602),
    (b'{"jsonrpc":"2.0","id":1,"method":"ticket.create","params":{"subject":"\xff"}}', -32700),
], ids=["nested", "1e400-param", "1e400-id", "list-id", "object-id", "scalar-params",
        "big-id", "invalid-utf8"])
async def test_hostile_messages_are_answered_through_the_scope(
        registry: MethodRegistry[ClientContext], body: bytes, code: int) -> None:
    answer = await _through(registry, body)

    assert answer["error"]["code"] == code, answer


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10)
_ENTRY = st.fixed_dictionaries({"jsonrpc": st.just("2.0"), "method": st.sampled_from(
    ["client.projects", "client.inbox", "client.queues", "ticket.list", "ticket.get",
     "events.subscribe",
     "client.follow", "nope"])}, optional={"id": _JSON, "params": _JSON})


@given(message=st.one_of(_ENTRY, st.lists(_ENTRY, max_size=4), _JSON))
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_any_json_through_the_scope_is_answered_without_an_internal_error(
        registry: MethodRegistry[ClientContext], message: Any) -> None:
    answer = await _through(registry, msgspec.json.encode(message))

    for one in answer if isinstance(answer, list) else [answer] if answer else []:
        assert "result" in one or one["error"]["code"] != -32603, one


async def test_the_queues_of_other_projects_and_their_unread_count_are_left_out() -> None:
    acme = {"project": "acme", "counts": {"views": [], "unread": 3}}
    globex = {"project": "globex", "counts": {"views": [], "unread": 40}}
    service = Service({"client.queues": {"items": [acme, globex], "unread": 43,
                                         "problems": {"globex": {"code": 1, "message": "x"}}}})
    answer = await _send(ProjectScope("acme"), service, _call("client.queues", request_id=4))
    assert answer["result"] == {"items": [acme], "unread": 3, "problems": {}}
