"""JSON-RPC errors, as the server encodes them, become the client's typed exceptions."""

from __future__ import annotations

import pytest

from hero_assistance.adapters.jsonrpc import (
    APPLICATION_ERRORS,
    INTERNAL_ERROR,
    METHOD_NOT_FOUND,
    JsonRpcError,
    encode_error,
    from_domain_error,
)
from hero_assistance.adapters.jsonrpc.protocol import encode_result
from hero_assistance.apps.client import (
    ConflictError,
    DeviceNotBoundError,
    ForbiddenError,
    IllegalTransitionError,
    InvalidParamsError,
    LinkRejectedError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    RequestRefusedError,
    ServerUnavailableError,
    SupportClientError,
    TooLargeError,
    error_from_rpc,
)
from hero_assistance.apps.client.rpc import result_of
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


def refusal(error: DomainError) -> RequestRefusedError:
    """What the client raises for the server's answer to ``error``."""
    rpc_error = from_domain_error(error)
    assert rpc_error is not None
    with pytest.raises(RequestRefusedError) as caught:
        result_of(encode_error(3, rpc_error))
    return caught.value


@pytest.mark.parametrize(("error", "expected"), [
    (DeviceNotBound("device 127.0.0.9 is not bound"), DeviceNotBoundError),
    (Forbidden("customers may only close or reopen their tickets"), ForbiddenError),
    (NotFound("ticket 9 does not exist"), NotFoundError),
    (Conflict("already bound"), ConflictError),
    (IllegalTransition("a closed ticket cannot become pending"), IllegalTransitionError),
    (Unavailable("the mail server did not answer"), ServerUnavailableError),
])
def test_each_documented_refusal_has_its_class(error: DomainError,
                                               expected: type[RequestRefusedError]) -> None:
    raised = refusal(error)
    assert type(raised) is expected
    assert raised.message == error.message
    assert isinstance(raised, SupportClientError)


def test_an_illegal_transition_is_also_a_conflict() -> None:
    raised = refusal(IllegalTransition("a closed ticket cannot become pending"))
    assert isinstance(raised, ConflictError)


def test_rate_limited_carries_how_long_to_wait() -> None:
    raised = refusal(RateLimited("sign-in links for this email", retry_after=12.2))
    assert isinstance(raised, RateLimitedError)
    assert raised.retry_after == 13


def test_invalid_params_name_the_field_and_the_problem() -> None:
    raised = refusal(InvalidInput("subject", "must not be empty"))
    assert isinstance(raised, InvalidParamsError)
    assert (raised.field, raised.problem) == ("subject", "must not be empty")


def test_too_large_is_an_invalid_param_with_its_own_code() -> None:
    raised = refusal(TooLarge("body", "longer than 65536 characters"))
    assert type(raised) is TooLargeError
    assert isinstance(raised, InvalidParamsError)
    assert raised.code == -32007
    assert raised.field == "body"


def test_a_rejected_link_says_why() -> None:
    raised = refusal(LinkRejected("expired"))
    assert isinstance(raised, LinkRejectedError)
    assert raised.reason == "expired"


def test_every_application_code_of_the_server_has_a_class() -> None:
    for code in APPLICATION_ERRORS:
        raised = error_from_rpc(code.code, code.message, code.data_example)
        assert type(raised) is not RequestRefusedError, code.name
        assert raised.code == code.code


def test_protocol_errors_and_unknown_codes() -> None:
    assert isinstance(error_from_rpc(METHOD_NOT_FOUND.code, "method not found"),
                      ProtocolError)
    internal = error_from_rpc(INTERNAL_ERROR.code, "internal error")
    assert type(internal) is RequestRefusedError
    assert internal.code == -32603
    assert type(error_from_rpc(-31000, "from the future")) is RequestRefusedError


def test_malformed_details_fall_back_to_safe_values() -> None:
    limited = error_from_rpc(-32006, "slow down", {"retry_after": "soon"})
    assert isinstance(limited, RateLimitedError)
    assert limited.retry_after == 1
    invalid = error_from_rpc(-32602, "bad", None)
    assert isinstance(invalid, InvalidParamsError)
    assert (invalid.field, invalid.problem) == ("", "bad")


def test_a_result_is_handed_back_undecoded() -> None:
    assert bytes(result_of(encode_result(1, {"ok": True}))) == b'{"ok":true}'


@pytest.mark.parametrize("body", [b"<html>", b'{"jsonrpc": "2.0", "id": 1}', b"[]"])
def test_answers_that_are_not_json_rpc_are_protocol_errors(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        result_of(body)


def test_an_error_raised_by_the_transport_layer_maps_too() -> None:
    with pytest.raises(ProtocolError, match="method not found"):
        result_of(encode_error(None, JsonRpcError(METHOD_NOT_FOUND)))
