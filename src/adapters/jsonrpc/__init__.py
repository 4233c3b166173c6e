"""JSON-RPC 2.0 with an OpenRPC document, independent of any transport.

A :class:`MethodRegistry` holds one service's methods (msgspec Structs in, any
msgspec-encodable type out), answers request bytes with response bytes and describes
itself through ``rpc.discover``. Domain errors become the documented codes of
:mod:`.errors`; anything unexpected is logged and answered with -32603 only.
"""

from .errors import (
    APPLICATION_ERRORS,
    CONFLICT,
    DEVICE_NOT_BOUND,
    DOMAIN_ERRORS,
    FORBIDDEN,
    ILLEGAL_TRANSITION,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    LINK_REJECTED,
    METHOD_NOT_FOUND,
    NOT_FOUND,
    PARSE_ERROR,
    PROTOCOL_ERRORS,
    RATE_LIMITED,
    REQUEST_KEY_REUSED,
    TOO_LARGE,
    UNAVAILABLE,
    ErrorCode,
    JsonRpcError,
    from_domain_error,
)
from .protocol import encode_error, encode_notification
from .registry import (
    WRITES_TAG,
    Ctx,
    Handler,
    KeyedCalls,
    MethodRegistry,
    MethodSpec,
    RequestObserver,
)

__all__ = [
    "APPLICATION_ERRORS",
    "CONFLICT",
    "DEVICE_NOT_BOUND",
    "DOMAIN_ERRORS",
    "FORBIDDEN",
    "ILLEGAL_TRANSITION",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "LINK_REJECTED",
    "METHOD_NOT_FOUND",
    "NOT_FOUND",
    "PARSE_ERROR",
    "PROTOCOL_ERRORS",
    "RATE_LIMITED",
    "REQUEST_KEY_REUSED",
    "TOO_LARGE",
    "UNAVAILABLE",
    "WRITES_TAG",
    "Ctx",
    "ErrorCode",
    "Handler",
    "JsonRpcError",
    "KeyedCalls",
    "MethodRegistry",
    "MethodSpec",
    "RequestObserver",
    "encode_error",
    "encode_notification",
    "from_domain_error",
]
