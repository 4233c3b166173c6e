"""The client library's exceptions: one root, one class per documented refusal.

A server's JSON-RPC error becomes a :class:`RequestRefusedError` subclass chosen by its
code (:func:`error_from_rpc`); a server that cannot be reached becomes
:class:`UnreachableError`; problems with the local list of followed projects are
:class:`FollowedProjectsError` subclasses. Foreign exceptions (``httpx``, ``websockets``,
``OSError``) never leave the library untranslated.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


class SupportClientError(Exception):
    """Root of every error the client library raises."""


# -- the server answered, and refused ----------------------------------------------

class RequestRefusedError(SupportClientError):
    """The server answered with a JSON-RPC error.

    ``code`` is the JSON-RPC error code, ``message`` the server's specific wording and
    ``data`` its structured details (``None`` when absent). Codes without a class of
    their own (e.g. -32603 internal error) are raised as this class.
    """

    code: int = 0

    def __init__(self, message: str, *, code: int | None = None, data: Any = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.data = data


class DeviceNotBoundError(RequestRefusedError):
    """This device is not bound to a user of the project (-32001): sign in first."""

    code = -32001


class ForbiddenError(RequestRefusedError):
    """The user's role or ownership does not allow this (-32002)."""

    code = -32002


class NotFoundError(RequestRefusedError):
    """The thing does not exist, or the user may not know it exists (-32003)."""

    code = -32003


class ConflictError(RequestRefusedError):
    """The request clashes with the current state (-32004)."""

    code = -32004


class IllegalTransitionError(ConflictError):
    """The ticket status machine does not allow this move (-32005)."""

    code = -32005


class RequestKeyReusedError(ConflictError):
    """The request key named another write (``reason`` ``other_params``), or its write
    was done and its result lost on the server (``result_lost``): never redo it (-32012).
    """

    code = -32012

    def __init__(self, message: str, *, code: int | None = None, data: Any = None) -> None:
        super().__init__(message, code=code, data=data)
        self.reason: str = _text(data, "reason") or message


class RateLimitedError(RequestRefusedError):
    """Too many requests of this kind (-32006); retry after ``retry_after`` seconds."""

    code = -32006

    def __init__(self, message: str, *, code: int | None = None, data: Any = None) -> None:
        super().__init__(message, code=code, data=data)
        self.retry_after: float = _number(data, "retry_after", default=1.0)


class InvalidParamsError(RequestRefusedError):
    """A parameter is missing, of the wrong type or breaks a rule (-32602).

    ``field`` names the parameter (a dotted path) and ``problem`` says what is wrong.
    """

    code = -32602

    def __init__(self, message: str, *, code: int | None = None, data: Any = None) -> None:
        super().__init__(message, code=code, data=data)
        self.field: str = _text(data, "field")
        self.problem: str = _text(data, "problem") or message


class TooLargeError(InvalidParamsError):
    """A body, attachment or image exceeds its cap (-32007)."""

    code = -32007


class LinkRejectedError(RequestRefusedError):
    """The sign-in code or link is unknown, expired, used up or locked (-32008)."""

    code = -32008

    def __init__(self, message: str, *, code: int | None = None, data: Any = None) -> None:
        super().__init__(message, code=code, data=data)
        self.reason: str = _text(data, "reason") or message


class ServerUnavailableError(RequestRefusedError):
    """A collaborator of the server (mail, storage) failed (-32009); retry later."""

    code = -32009


class ProtocolError(RequestRefusedError):
    """The exchange broke the protocol: a malformed answer, or -32700/-32600/-32601."""


# -- the server could not be reached ------------------------------------------------

class UnreachableError(SupportClientError):
    """The project's server did not answer: down, unreachable, or timed out.

    A call that timed out may still have been carried out by the server.
    """


class ClientClosedError(SupportClientError):
    """The connection or client was used after it was closed (or before it was opened)."""


# -- the local list of followed projects ---------------------------------------------

class FollowedProjectsError(SupportClientError):
    """Root of the errors about the list of followed projects."""


class DuplicateLabelError(FollowedProjectsError):
    """A followed project already has this label."""


class AlreadyFollowedError(FollowedProjectsError):
    """This server is already followed, under another label."""


class UnknownLabelError(FollowedProjectsError):
    """No followed project has this label."""


class InvalidLabelError(FollowedProjectsError):
    """A label must be a short name usable on a command line."""


class InvalidServerAddressError(FollowedProjectsError):
    """The server address is not something this client can connect to."""


class CorruptConfigError(FollowedProjectsError):
    """A file in the client's config directory cannot be read; it was left untouched."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path} is not a valid hero_assistance client file: {problem}; "
                         "fix or remove it")
        self.path = path
        self.problem = problem


# -- the JSON-RPC code table -----------------------------------------------------------

_BY_CODE: Mapping[int, type[RequestRefusedError]] = {
    cls.code: cls
    for cls in (DeviceNotBoundError, ForbiddenError, NotFoundError, ConflictError,
                IllegalTransitionError, RequestKeyReusedError, RateLimitedError,
                InvalidParamsError, TooLargeError, LinkRejectedError, ServerUnavailableError)
}
_PROTOCOL_CODES = frozenset({-32700, -32600, -32601})


def error_from_rpc(code: int, message: str, data: Any = None) -> RequestRefusedError:
    """The exception for a JSON-RPC error object ``{code, message, data}``."""
    if code in _PROTOCOL_CODES:
        return ProtocolError(message, code=code, data=data)
    cls = _BY_CODE.get(code, RequestRefusedError)
    return cls(message, code=code, data=data)


def _text(data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, Mapping) else None
    return value if isinstance(value, str) else ""


def _number(data: Any, key: str, *, default: float) -> float:
    value = data.get(key) if isinstance(data, Mapping) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return default
