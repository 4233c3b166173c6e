"""JSON-RPC error codes and the one table that maps domain errors onto them.

The standard codes (-32700 … -32603) belong to the protocol; the application codes
(-32001 … -32009, and -32012: the local client service holds -32010 and -32011) are this
service's documented refusals. Each code is an
:class:`ErrorCode` value that methods list in ``errors=`` and that the OpenRPC
document publishes under ``components.errors``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...domain.errors import (
    Conflict,
    DeviceNotBound,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    LinkRejected,
    MailRejected,
    NotFound,
    RateLimited,
    TooLarge,
    Unavailable,
)
from ...domain.request_keys import RequestKeyReused


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorCode:
    """One documented JSON-RPC error: its code, a stable name and a generic message.

    ``message`` is the documented, generic wording ("not found"); an actual response
    carries the specific message of the refusal. ``data_example`` shows the shape of
    the ``data`` member when the error carries one.
    """

    code: int
    name: str
    message: str
    description: str = ""
    data_example: Any = field(default=None, compare=False)


PARSE_ERROR = ErrorCode(
    code=-32700, name="ParseError", message="parse error",
    description="The body is not valid JSON.",
)
INVALID_REQUEST = ErrorCode(
    code=-32600, name="InvalidRequest", message="invalid request",
    description="The JSON is not a valid JSON-RPC 2.0 request object or batch.",
)
METHOD_NOT_FOUND = ErrorCode(
    code=-32601, name="MethodNotFound", message="method not found",
    description="No method of that name.",
)
INVALID_PARAMS = ErrorCode(
    code=-32602, name="InvalidParams", message="invalid params",
    description="A parameter is missing, unknown, of the wrong type or breaks a rule.",
    data_example={"field": "subject", "problem": "must not be empty"},
)
INTERNAL_ERROR = ErrorCode(
    code=-32603, name="InternalError", message="internal error",
    description="Something unexpected failed on the server; it has been logged.",
)
DEVICE_NOT_BOUND = ErrorCode(
    code=-32001, name="DeviceNotBound", message="device not bound",
    description="The calling device is not bound to a user; only enrollment is open to it.",
)
FORBIDDEN = ErrorCode(
    code=-32002, name="Forbidden", message="forbidden",
    description="The caller's role or ownership does not allow this.",
)
NOT_FOUND = ErrorCode(
    code=-32003, name="NotFound", message="not found",
    description="The thing does not exist, or the caller may not know that it exists.",
)
CONFLICT = ErrorCode(
    code=-32004, name="Conflict", message="conflict",
    description="The request clashes with the current state.",
)
ILLEGAL_TRANSITION = ErrorCode(
    code=-32005, name="IllegalTransition", message="illegal status change",
    description="The ticket status machine does not allow this move.",
)
RATE_LIMITED = ErrorCode(
    code=-32006, name="RateLimited", message="rate limited",
    description="Too many requests of this kind; retry after `data.retry_after` seconds.",
    data_example={"retry_after": 30},
)
TOO_LARGE = ErrorCode(
    code=-32007, name="TooLarge", message="too large",
    description="A body, attachment or image exceeds its cap.",
    data_example={"field": "body", "problem": "longer than 65536 characters"},
)
LINK_REJECTED = ErrorCode(
    code=-32008, name="LinkRejected", message="sign-in link refused",
    description="The magic link or code is unknown, expired, used up or locked.",
    data_example={"reason": "expired"},
)
UNAVAILABLE = ErrorCode(
    code=-32009, name="Unavailable", message="service unavailable",
    description="A collaborator (mail server, storage) failed; the same call may succeed later.",
    data_example={"retryable": True},
)

REQUEST_KEY_REUSED = ErrorCode(
    code=-32012, name="RequestKeyReused", message="request key already used",
    description="The request_key was used for a write with different params "
    "(`data.reason` other_params: choose a new key for a new write), or its write was done "
    "and its result lost when the server stopped (result_lost: read the current state; "
    "do not redo the write).",
    data_example={"reason": "other_params"},
)

PROTOCOL_ERRORS: tuple[ErrorCode, ...] = (
    PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR,
)
"""The errors JSON-RPC 2.0 itself defines; any method may answer them."""


class JsonRpcError(Exception):
    """Root of the errors this adapter answers with: a code, a message, optional data.

    Handlers, the transport and the ``authorize`` hook may raise it directly; domain
    errors are translated into it by :func:`from_domain_error`.
    """

    def __init__(self, code: ErrorCode, message: str | None = None, data: Any = None) -> None:
        self.code = code
        self.message = code.message if message is None else message
        self.data = data
        super().__init__(self.message)


def _field_problem(exc: InvalidInput) -> dict[str, Any]:
    return {"field": exc.field, "problem": exc.problem}


def _retry_after(exc: RateLimited) -> dict[str, Any]:
    # Whole seconds, rounded up: a client that waits exactly this long is not refused again.
    return {"retry_after": max(1, math.ceil(exc.retry_after))}


def _reason(exc: LinkRejected) -> dict[str, Any]:
    return {"reason": exc.reason}


def _reuse(exc: RequestKeyReused) -> dict[str, Any]:
    return {"reason": exc.reason}


def _retryable(_exc: Unavailable) -> dict[str, Any]:
    return {"retryable": True}


def _not_retryable(_exc: MailRejected) -> dict[str, Any]:
    return {"retryable": False}


# Each row's function receives an instance of that row's class (hence ``Any`` here).
_DataOf = Callable[[Any], Any] | None

DOMAIN_ERRORS: tuple[tuple[type[DomainError], ErrorCode, _DataOf], ...] = (
    # Most specific first: IllegalTransition and RequestKeyReused are Conflicts, TooLarge
    # an InvalidInput.
    (DeviceNotBound, DEVICE_NOT_BOUND, None),
    (Forbidden, FORBIDDEN, None),
    (NotFound, NOT_FOUND, None),
    (IllegalTransition, ILLEGAL_TRANSITION, None),
    (RequestKeyReused, REQUEST_KEY_REUSED, _reuse),
    (Conflict, CONFLICT, None),
    (RateLimited, RATE_LIMITED, _retry_after),
    (TooLarge, TOO_LARGE, _field_problem),
    (InvalidInput, INVALID_PARAMS, _field_problem),
    (LinkRejected, LINK_REJECTED, _reason),
    (Unavailable, UNAVAILABLE, _retryable),
    # Only the mail worker meets this one; were it ever to reach a caller, it says
    # that trying again will not help.
    (MailRejected, UNAVAILABLE, _not_retryable),
)
"""The mapping table: domain error class → documented code and the ``data`` it carries."""

APPLICATION_ERRORS: tuple[ErrorCode, ...] = tuple(
    dict.fromkeys(code for _, code, _ in DOMAIN_ERRORS if code not in PROTOCOL_ERRORS)
)
"""The service's own documented codes, in table order."""


def from_domain_error(exc: DomainError) -> JsonRpcError | None:
    """The JSON-RPC error for a domain error, or ``None`` if the table has no entry.

    The first table row whose class the error is an instance of wins, so a subclass
    listed before its base gets its own code. The message is the domain error's own.
    """
    for kind, code, data_of in DOMAIN_ERRORS:
        if isinstance(exc, kind):
            return JsonRpcError(code, exc.message, None if data_of is None else data_of(exc))
    return None
