"""Registering a service method whose library exceptions become JSON-RPC errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import msgspec

from ....adapters.jsonrpc import NOT_FOUND, ErrorCode, MethodRegistry
from ..errors import SupportClientError
from .errors import PROJECT_UNREACHABLE, rpc_error
from .session import ClientContext

H = TypeVar("H", bound=Callable[[ClientContext, Any], Awaitable[Any]])

ON_PROJECT: tuple[ErrorCode, ...] = (NOT_FOUND, PROJECT_UNREACHABLE)
"""What any call on a followed project may answer: unknown label, server unreachable."""


def service_method(
    reg: MethodRegistry[ClientContext], name: str, *, params: type[msgspec.Struct] | None,
    result: Any, summary: str, description: str = "", errors: Sequence[ErrorCode] = (),
    tags: Sequence[str] = (),
) -> Callable[[H], H]:
    """Like ``MethodRegistry.method``; a ``SupportClientError`` is answered with its code.

    The error names the project when the params do (``data.project``).
    """

    def register(handler: H) -> H:
        async def translated(ctx: ClientContext, p: Any) -> Any:
            try:
                return await handler(ctx, p)
            except SupportClientError as exc:
                raise rpc_error(exc, getattr(p, "project", None)) from exc

        reg.method(name, params=params, result=result, summary=summary,
                   description=description, errors=list(dict.fromkeys(errors)),
                   tags=tags)(translated)
        return handler

    return register
