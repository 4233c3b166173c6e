"""The JSON-RPC 2.0 envelope: decoding requests, encoding responses.

One decoder per envelope shape and one encoder serve every request; a request's
``params`` stay undecoded (:class:`msgspec.Raw`) until the method is known, and a
response is encoded in one pass with the result embedded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import msgspec
from msgspec import UNSET, Raw, Struct, UnsetType

from .errors import INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR, JsonRpcError

RequestId = int | str | None
"""What a request may use as its ``id``: a string, an integer or null."""


class Request(Struct, gc=False):
    """One decoded request; ``id`` is ``UNSET`` for a notification."""

    jsonrpc: Literal["2.0"]
    method: str
    params: Raw = Raw()
    id: RequestId | UnsetType = UNSET


class Rejected(Struct, gc=False):
    """A message that is not a usable request: the error and the ``id`` to answer with."""

    error: JsonRpcError
    id: RequestId = None


class _Success(Struct, gc=False):
    jsonrpc: str
    result: Any
    id: RequestId


class _ErrorBody(Struct, gc=False):
    code: int
    message: str
    data: Any = UNSET


class _Failure(Struct, gc=False):
    jsonrpc: str
    error: _ErrorBody
    id: RequestId


class _Notification(Struct, gc=False):
    jsonrpc: str
    method: str
    params: Any = UNSET


_ENCODER = msgspec.json.Encoder()
_DECODE_MESSAGE: Callable[[bytes | Raw], Request | list[Raw]] = msgspec.json.Decoder(
    Request | list[Raw]
).decode
_DECODE_REQUEST = msgspec.json.Decoder(Request).decode
_DECODE_ANY = msgspec.json.Decoder().decode
_STRUCTURED = (b"[", b"{")
_TOO_DEEP = "nested too deeply"

DECODER_FAILURES: tuple[type[Exception], ...] = (msgspec.DecodeError, RecursionError, ValueError)
"""What decoding untrusted JSON may raise, besides a ``msgspec.ValidationError``.

msgspec raises ``DecodeError`` for malformed JSON and a ``RecursionError`` once nesting
outgrows the interpreter's recursion limit (about 1,000 levels, less inside deep call
stacks); ``UnicodeDecodeError`` and other ``ValueError`` s come from the UTF-8 check.
Every one of them is the sender's mistake: a parse error, never an internal error.
"""


def parse_error(exc: BaseException) -> JsonRpcError:
    """The -32700 error for bytes that could not be decoded as JSON (see DECODER_FAILURES)."""
    if isinstance(exc, RecursionError):
        problem = _TOO_DEEP
    elif isinstance(exc, UnicodeDecodeError):
        problem = f"not valid UTF-8 (byte {exc.start})"
    else:
        problem = str(exc) or type(exc).__name__
    return JsonRpcError(PARSE_ERROR, data={"problem": problem})


def decode_message(body: bytes) -> Request | list[Raw] | Rejected:
    """Decode a request body into one request, a batch of raw entries, or a rejection.

    The rejection is a parse error for anything that is not UTF-8 JSON this decoder can
    read (malformed, invalid UTF-8 anywhere, nested too deeply) and an invalid-request
    error for JSON of the wrong shape. It never raises for any input.
    """
    try:
        # msgspec checks the UTF-8 of the strings it decodes, not of the params it keeps
        # raw for later: one check of the whole body makes any invalid byte a parse error
        # of the message, as JSON-RPC asks, instead of a failure deep inside a method.
        body.decode()
        message = _DECODE_MESSAGE(body)
    except msgspec.ValidationError as exc:
        return _invalid_request(body, exc)
    except DECODER_FAILURES as exc:
        return Rejected(parse_error(exc))
    if isinstance(message, Request):
        return _structured_params(message)
    return message


def decode_entry(entry: Raw) -> Request | Rejected:
    """Decode one entry of a batch (already known to be well-formed JSON)."""
    try:
        request = _DECODE_REQUEST(entry)
    except msgspec.ValidationError as exc:
        return _invalid_request(entry, exc)
    except DECODER_FAILURES as exc:  # nested deeper here than in the whole message
        return Rejected(parse_error(exc))
    return _structured_params(request)


def _structured_params(request: Request) -> Request | Rejected:
    """JSON-RPC 2.0: ``params``, when present, is an array or an object (else -32600)."""
    raw = request.params
    if not len(raw) or memoryview(raw)[:1].tobytes() in _STRUCTURED:
        return request  # msgspec hands Raw over without leading whitespace
    problem = "params must be an array or an object when present"
    request_id = None if isinstance(request.id, UnsetType) else request.id
    return Rejected(JsonRpcError(INVALID_REQUEST, data={"problem": problem}), request_id)


def encode_result(request_id: RequestId, result: Any) -> bytes:
    """The response carrying ``result``; raises if ``result`` cannot be encoded."""
    return _ENCODER.encode(_Success("2.0", result, request_id))


def encode_error(request_id: RequestId, error: JsonRpcError) -> bytes:
    """The response carrying ``error``."""
    data = UNSET if error.data is None else error.data
    body = _ErrorBody(error.code.code, error.message, data)
    return _ENCODER.encode(_Failure("2.0", body, request_id))


def encode_notification(method: str, params: Any = UNSET) -> bytes:
    """A server-to-client notification (no ``id``), e.g. a live event on a WebSocket."""
    return _ENCODER.encode(_Notification("2.0", method, params))


def encode_batch(responses: list[bytes]) -> bytes:
    """Join already-encoded responses into one batch response (no re-encoding)."""
    return b"[" + b",".join(responses) + b"]"


def encode_raw(value: Any) -> Raw:
    """``value`` encoded once, to be embedded verbatim in later responses."""
    return Raw(_ENCODER.encode(value))


_ID_PROBLEM = "id must be a string, an integer or null"
_FIELD_PROBLEMS = {
    "jsonrpc": 'jsonrpc must be "2.0"',
    "method": "method must be a string",
    "id": _ID_PROBLEM,
}


def _invalid_request(body: bytes | Raw, exc: msgspec.ValidationError) -> Rejected:
    problem = str(exc)
    request_id: RequestId = None
    try:
        value = _DECODE_ANY(body)
    except DECODER_FAILURES:  # e.g. an id of 1e400 (ValidationError is a DecodeError)
        value = None
    if isinstance(value, dict):
        # Answer with the caller's id when it is usable, so they can match the error.
        candidate = value.get("id")
        if isinstance(candidate, str) or (
            isinstance(candidate, int) and not isinstance(candidate, bool)
        ):
            request_id = candidate
        field, raw_problem = split_validation_error(exc)
        if raw_problem == "missing required field":
            problem = f"{field} is missing"
        else:
            problem = _FIELD_PROBLEMS.get(field, problem)
    else:
        problem = "a request must be an object, a batch a non-empty array of them"
    return Rejected(JsonRpcError(INVALID_REQUEST, data={"problem": problem}), request_id)


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_NAMED = re.compile(r"^Object (?P<what>missing required|contains unknown) field `(?P<name>.*)`$")


def split_validation_error(exc: msgspec.ValidationError) -> tuple[str, str]:
    """``(field, problem)`` from a msgspec validation error.

    ``field`` is a dotted path into the decoded object (``inner.x``, ``items[1].y``),
    empty for the object itself; ``problem`` says what is wrong with it.
    """
    match = _AT.match(str(exc))
    assert match is not None  # noqa: S101 - the pattern matches any string
    message, path = match["message"], (match["path"] or "").removeprefix(".")
    named = _NAMED.match(message)
    if named is None:
        return path, message
    field = f"{path}.{named['name']}" if path else named["name"]
    problem = "missing required field" if named["what"] == "missing required" else "unknown field"
    return field, problem


def params_error(field: str, problem: str) -> JsonRpcError:
    """A -32602 error, shaped like the one a domain ``InvalidInput`` maps to."""
    return JsonRpcError(INVALID_PARAMS, f"{field}: {problem}", {"field": field, "problem": problem})


def invalid_params(exc: msgspec.ValidationError) -> JsonRpcError:
    """The -32602 error for params that do not decode into the method's Struct."""
    field, problem = split_validation_error(exc)
    return params_error(field or "params", problem)
