"""The mapping table from domain errors to documented JSON-RPC error codes."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from hero_assistance.adapters.jsonrpc import (
    APPLICATION_ERRORS,
    DOMAIN_ERRORS,
    PROTOCOL_ERRORS,
    MethodRegistry,
    MethodSpec,
    from_domain_error,
)
from hero_assistance.domain.errors import (
    Conflict,
    DeviceNotBound,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    LinkRejected,
    NotFound,
    RateLimited,
    TooLarge,
    Unavailable,
)

pytestmark = pytest.mark.anyio

CASES: list[tuple[DomainError, int, str, Any]] = [
    (DeviceNotBound("device not bound"), -32001, "device not bound", None),
    (Forbidden("only admins may enroll users"), -32002, "only admins may enroll users", None),
    (NotFound("no ticket 7"), -32003, "no ticket 7", None),
    (Conflict("email already in use"), -32004, "email already in use", None),
    (
        IllegalTransition("closed tickets cannot be resolved"),
        -32005, "closed tickets cannot be resolved", None,
    ),
    (RateLimited("sign-in mails", 2.2), -32006, "too many sign-in mails; retry in 2 s",
     {"retry_after": 3}),
    (TooLarge("body", "longer than 65536 characters"), -32007,
     "body: longer than 65536 characters",
     {"field": "body", "problem": "longer than 65536 characters"}),
    (InvalidInput("subject", "must not be empty"), -32602, "subject: must not be empty",
     {"field": "subject", "problem": "must not be empty"}),
    (LinkRejected("expired"), -32008, "sign-in link refused: expired", {"reason": "expired"}),
    (Unavailable("mail server unreachable"), -32009, "mail server unreachable",
     {"retryable": True}),
]


@pytest.mark.parametrize(("exc", "code", "message", "data"), CASES)
def test_domain_error_maps_to_its_documented_code(
    exc: DomainError, code: int, message: str, data: Any
) -> None:
    error = from_domain_error(exc)

    assert error is not None
    assert (error.code.code, error.message, error.data) == (code, message, data)


def test_subclasses_of_mapped_errors_inherit_the_mapping() -> None:
    class TicketNotFound(NotFound):
        pass

    class StaleVersion(IllegalTransition):
        pass

    not_found = from_domain_error(TicketNotFound("gone"))
    stale = from_domain_error(StaleVersion("stale"))

    assert not_found is not None
    assert not_found.code.code == -32003
    assert stale is not None
    assert stale.code.code == -32005


def test_an_unmapped_domain_error_has_no_code() -> None:
    class Novel(DomainError):
        pass

    assert from_domain_error(DomainError("bare")) is None
    assert from_domain_error(Novel("new kind")) is None


def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one() -> None:
    for seconds, expected in ((0.01, 1), (1.0, 1), (1.2, 2), (59.9, 60)):
        error = from_domain_error(RateLimited("requests", seconds))
        assert error is not None
        assert error.data == {"retry_after": expected}


def test_table_lists_every_subclass_before_its_base() -> None:
    kinds = [kind for kind, _, _ in DOMAIN_ERRORS]

    for index, kind in enumerate(kinds):
        for later in kinds[index + 1:]:
            assert not issubclass(later, kind), f"{later.__name__} is shadowed by {kind.__name__}"


def test_every_domain_error_class_is_in_the_table() -> None:
    def subclasses(cls: type[DomainError]) -> set[type[DomainError]]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(sub) for sub in found))

    mapped = {kind for kind, _, _ in DOMAIN_ERRORS}
    domain = {cls for cls in subclasses(DomainError) if cls.__module__.endswith("domain.errors")}

    assert domain <= mapped


def test_codes_and_names_are_unique() -> None:
    codes = [*PROTOCOL_ERRORS, *APPLICATION_ERRORS]

    assert len({c.code for c in codes}) == len(codes)
    assert len({c.name for c in codes}) == len(codes)
    assert all(-32099 <= c.code <= -32000 for c in APPLICATION_ERRORS)


class Ref(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: int


@pytest.mark.parametrize(("exc", "code", "message", "data"), CASES)
async def test_a_handler_refusal_reaches_the_caller_as_mapped(
    exc: DomainError, code: int, message: str, data: Any
) -> None:
    registry = MethodRegistry[None](title="t", version="1")

    @registry.method("ticket.get", params=Ref, result=None, summary="s")
    async def get(ctx: None, params: Ref) -> None:
        raise exc

    response = await registry.handle(
        None, b'{"jsonrpc":"2.0","method":"ticket.get","params":{"id":1},"id":4}'
    )

    assert response is not None
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    assert msgspec.json.decode(response) == {"jsonrpc": "2.0", "error": error, "id": 4}


async def test_the_authorize_hook_refuses_with_mapped_errors_before_params_are_decoded() -> None:
    calls: list[str] = []

    def authorize(ctx: str, spec: MethodSpec) -> None:
        if ctx == "unbound" and not spec.public:
            raise DeviceNotBound("this device is not bound; enroll it first")

    registry = MethodRegistry[str](title="t", version="1", authorize=authorize)

    @registry.method("ticket.get", params=Ref, result=bool, summary="s")
    async def get(ctx: str, params: Ref) -> bool:
        calls.append(ctx)
        return True

    bad_params = b'{"jsonrpc":"2.0","method":"ticket.get","params":{"id":"x"},"id":1}'
    refused = await registry.handle("unbound", bad_params)
    discover = await registry.handle(
        "unbound", b'{"jsonrpc":"2.0","method":"rpc.discover","id":2}'
    )
    allowed = await registry.handle(
        "bound", b'{"jsonrpc":"2.0","method":"ticket.get","params":{"id":1},"id":3}'
    )

    assert refused is not None
    assert msgspec.json.decode(refused)["error"] == {
        "code": -32001, "message": "this device is not bound; enroll it first",
    }
    assert discover is not None
    assert "result" in msgspec.json.decode(discover)
    assert allowed == b'{"jsonrpc":"2.0","result":true,"id":3}'
    assert calls == ["bound"]


class Many(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    ids: list[int]


async def test_the_meter_hook_weighs_decoded_params_and_may_refuse() -> None:
    weighed: list[tuple[str, int]] = []
    calls: list[list[int]] = []

    def meter(ctx: str, spec: MethodSpec, weight: int) -> None:
        weighed.append((spec.name, weight))
        if weight > 3:
            raise RateLimited("changes", 12)

    registry = MethodRegistry[str](title="t", version="1", meter=meter)

    @registry.method("ticket.bulk", params=Many, result=int, summary="s",
                     weight=lambda p: len(p.ids))
    async def bulk(ctx: str, params: Many) -> int:
        calls.append(params.ids)
        return len(params.ids)

    @registry.method("ticket.get", params=Ref, result=bool, summary="s")
    async def get(ctx: str, params: Ref) -> bool:
        return True

    def request(method: str, params: str) -> bytes:
        return f'{{"jsonrpc":"2.0","method":"{method}","params":{params},"id":1}}'.encode()

    assert await registry.handle("c", request("ticket.bulk", '{"ids":[1,2]}')) == (
        b'{"jsonrpc":"2.0","result":2,"id":1}')
    refused = await registry.handle("c", request("ticket.bulk", '{"ids":[1,2,3,4]}'))
    assert refused is not None
    assert msgspec.json.decode(refused)["error"]["code"] == -32006
    undecodable = await registry.handle("c", request("ticket.bulk", '{"ids":"x"}'))
    assert undecodable is not None
    assert msgspec.json.decode(undecodable)["error"]["code"] == -32602
    await registry.handle("c", request("ticket.get", '{"id":1}'))  # no weight: not metered

    assert weighed == [("ticket.bulk", 2), ("ticket.bulk", 4)]
    assert calls == [[1, 2]]  # the refused call never reached its handler
