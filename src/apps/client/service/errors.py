"""The service's errors: the library's exceptions as the server's JSON-RPC codes.

A refusal by a project's server keeps its code and words; the service adds
``data.project``. Two codes are the service's own: a project that cannot be reached
(-32010) and a config file it cannot read (-32011).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ....adapters.jsonrpc import (
    APPLICATION_ERRORS,
    CONFLICT,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    NOT_FOUND,
    PROTOCOL_ERRORS,
    UNAVAILABLE,
    ErrorCode,
    JsonRpcError,
)
from ..errors import (
    AlreadyFollowedError,
    ClientClosedError,
    CorruptConfigError,
    DuplicateLabelError,
    FollowedProjectsError,
    InvalidLabelError,
    InvalidServerAddressError,
    RequestRefusedError,
    SupportClientError,
    UnknownLabelError,
    UnreachableError,
)

PROJECT_UNREACHABLE = ErrorCode(
    code=-32010, name="ProjectUnreachable", message="project unreachable",
    description="The project's server did not answer (down, unreachable or timed out); the "
    "service keeps retrying in the background. A call that timed out may still have been "
    "carried out.",
    data_example={"project": "acme", "retryable": True},
)
CONFIG_UNREADABLE = ErrorCode(
    code=-32011, name="ConfigUnreadable", message="client config unreadable",
    description="A file in the client's config directory cannot be read; it was left "
    "untouched for a person to fix or remove.",
    data_example={"path": "/home/ada/.config/hero_assistance/followed-projects.json"},
)
SERVICE_ERRORS: tuple[ErrorCode, ...] = (PROJECT_UNREACHABLE, CONFIG_UNREADABLE)
"""The codes this service adds to the server's."""

_BY_CODE: Mapping[int, ErrorCode] = {e.code: e for e in (*PROTOCOL_ERRORS, *APPLICATION_ERRORS)}


def rpc_error(exc: SupportClientError, project: str | None = None) -> JsonRpcError:
    """The JSON-RPC error a caller of the service receives for a library exception."""
    if isinstance(exc, RequestRefusedError):
        return _refused(exc, project)
    if isinstance(exc, UnreachableError):
        return JsonRpcError(PROJECT_UNREACHABLE, _on(project, str(exc)),
                            _with_project({"retryable": True}, project))
    if isinstance(exc, FollowedProjectsError):
        return _followed(exc)
    if isinstance(exc, ClientClosedError):
        return JsonRpcError(UNAVAILABLE, "the client service is shutting down",
                            {"retryable": False})
    return JsonRpcError(INTERNAL_ERROR)


def _refused(exc: RequestRefusedError, project: str | None) -> JsonRpcError:
    code = _BY_CODE.get(exc.code)
    if code is None:
        # A code outside the documented table, or an answer that broke the protocol
        # (a ProtocolError without a code): the server is not usable right now.
        return JsonRpcError(UNAVAILABLE, _on(project, exc.message),
                            _with_project({"retryable": True}, project))
    data = dict(exc.data) if isinstance(exc.data, Mapping) else {}
    return JsonRpcError(code, _on(project, exc.message), _with_project(data, project))


def _followed(exc: FollowedProjectsError) -> JsonRpcError:
    if isinstance(exc, UnknownLabelError):
        return JsonRpcError(NOT_FOUND, str(exc), {"field": "project"})
    if isinstance(exc, DuplicateLabelError | AlreadyFollowedError):
        return JsonRpcError(CONFLICT, str(exc))
    if isinstance(exc, InvalidLabelError):
        return JsonRpcError(INVALID_PARAMS, str(exc), {"field": "label", "problem": str(exc)})
    if isinstance(exc, InvalidServerAddressError):
        return JsonRpcError(INVALID_PARAMS, str(exc), {"field": "address", "problem": str(exc)})
    if isinstance(exc, CorruptConfigError):
        return JsonRpcError(CONFIG_UNREADABLE, str(exc), {"path": str(exc.path)})
    return JsonRpcError(INTERNAL_ERROR)


def _on(project: str | None, message: str) -> str:
    return f"{project}: {message}" if project else message


def _with_project(data: dict[str, Any], project: str | None) -> dict[str, Any] | None:
    if project:
        data["project"] = project
    return data or None
