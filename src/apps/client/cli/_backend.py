"""Where the command line sends its calls: the running service, or the library in-process.

Both speak the service's JSON-RPC methods, so every command behaves and prints the
same either way. The service is used when it answers on the socket and serves the
same config directory (and device, if one was named); otherwise this process opens
the library itself for the one command.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import msgspec

from ....adapters.jsonrpc import MethodRegistry
from ..runtime import ClientOptions, running_client
from ..service import ClientContext, EventFanout
from ..service.remote import (
    ServiceCallError,
    ServiceConnection,
    ServiceConnectionLost,
    ServiceNotRunning,
)

ABOUT_WITHIN = 5.0
"""How long a service that accepted the connection may take to say who it is."""
_ENCODE = msgspec.json.Encoder().encode
_DECODE = msgspec.json.Decoder().decode


class Backend(Protocol):
    """The service's methods, wherever they run."""

    via: str
    """``"service"`` or ``"library"`` (for diagnostics)."""

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """The result, or :class:`ServiceCallError`."""
        ...

    async def next_notification(self) -> tuple[str, Any] | None:
        """The next notification; ``None`` when there will be no more."""
        ...


class SocketBackend:
    """Calls on the running service."""

    via = "service"

    def __init__(self, connection: ServiceConnection) -> None:
        self._connection = connection

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Forward to the service."""
        try:
            return await self._connection.call(method, params)
        except ServiceConnectionLost as exc:
            raise ServiceCallError(0, str(exc)) from exc

    async def next_notification(self) -> tuple[str, Any] | None:
        """The service's next notification."""
        return await self._connection.next_notification()


class InProcessBackend:
    """Calls on the registry of a client opened in this process."""

    via = "library"

    def __init__(self, registry: MethodRegistry[ClientContext], fanout: EventFanout) -> None:
        self._registry = registry
        self._inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._session = fanout.session(self._inbox.put_nowait)
        self._context = ClientContext(session=self._session)
        self._ids = itertools.count(1)

    def close(self) -> None:
        """End the session (its subscriptions)."""
        self._session.close()

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Through the same JSON-RPC handling as the service's socket."""
        request: dict[str, Any] = {"jsonrpc": "2.0", "id": next(self._ids), "method": method}
        if params is not None:
            request["params"] = params
        response = await self._registry.handle(self._context, _ENCODE(request))
        answer = _DECODE(response) if response is not None else {}
        if "error" in answer:
            error = answer["error"]
            raise ServiceCallError(int(error["code"]), str(error["message"]), error.get("data"))
        return answer.get("result")

    async def next_notification(self) -> tuple[str, Any] | None:
        """The next notification this process's session received."""
        message = _DECODE(await self._inbox.get())
        return str(message["method"]), message.get("params")


@contextlib.asynccontextmanager
async def open_backend(options: ClientOptions, *,
                       use_service: bool = True) -> AsyncIterator[Backend]:
    """The running service if it fits ``options``, else the library in this process."""
    if use_service:
        connection = await _matching_service(options)
        if connection is not None:
            async with connection:
                yield SocketBackend(connection)
            return
    async with running_client(options) as container:
        backend = InProcessBackend(container.registry(), container.fanout())
        try:
            yield backend
        finally:
            backend.close()


async def _matching_service(options: ClientOptions) -> ServiceConnection | None:
    try:
        connection = await ServiceConnection.open(options.socket_path)
    except ServiceNotRunning:
        return None
    try:
        about = await asyncio.wait_for(connection.call("client.about"), ABOUT_WITHIN)
    except (ServiceCallError, ServiceConnectionLost, TimeoutError):
        await connection.aclose()  # not a (working) client service: do without it
        return None
    fits = (_same_dir(about.get("config_dir"), options.config_dir)
            and (options.overlay is None or about.get("overlay") == options.overlay)
            and (options.device is None or about.get("device_addr") == options.device))
    if not fits:
        await connection.aclose()
        return None
    return connection


def _same_dir(reported: object, wanted: Path) -> bool:
    if not isinstance(reported, str):
        return False
    try:
        return Path(reported).resolve() == wanted.resolve()
    except OSError:
        return False
