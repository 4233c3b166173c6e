"""A connection to a running client service over its Unix socket (for the CLI and scripts)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import msgspec

from .unix import MAX_MESSAGE


class ServiceNotRunning(Exception):
    """Nothing answers on the socket."""


class ServiceCallError(Exception):
    """The service answered a call with a JSON-RPC error."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class ServiceConnectionLost(Exception):
    """The service closed the connection before answering."""


class _Message(msgspec.Struct):
    id: int | str | None = None
    method: str | None = None
    params: Any = None
    result: Any = None
    error: dict[str, Any] | None = None


_DECODE = msgspec.json.Decoder(_Message).decode
_ENCODE = msgspec.json.Encoder().encode


class ServiceConnection:
    """JSON-RPC calls and notifications over one connection to the local service."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[_Message]] = {}
        self._notifications: asyncio.Queue[tuple[str, Any] | None] = asyncio.Queue()
        self._receiver = asyncio.create_task(self._receive(), name="client service: replies")

    @classmethod
    async def open(cls, path: Path, *, within: float = 2.0) -> ServiceConnection:
        """Connect; raises :class:`ServiceNotRunning` if nothing answers at ``path``."""
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_unix_connection(str(path), limit=MAX_MESSAGE), within)
        except (OSError, TimeoutError) as exc:
            raise ServiceNotRunning(f"no client service answers at {path} ({exc})") from exc
        return cls(reader, writer)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection."""
        self._receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._receiver
        self._writer.close()
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()

    async def call(self, method: str, params: Any = None) -> Any:
        """The result of ``method``, or :class:`ServiceCallError`."""
        request_id = next(self._ids)
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            body["params"] = params
        answer: asyncio.Future[_Message] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = answer
        try:
            self._writer.write(_ENCODE(body) + b"\n")
            await self._writer.drain()
            reply = await answer
        except ConnectionError as exc:
            raise ServiceConnectionLost(f"the client service went away ({exc})") from exc
        finally:
            self._pending.pop(request_id, None)
        if reply.error is not None:
            raise ServiceCallError(int(reply.error.get("code", 0)),
                                   str(reply.error.get("message", "")), reply.error.get("data"))
        return reply.result

    async def next_notification(self) -> tuple[str, Any] | None:
        """``(method, params)`` of the next notification; ``None`` once the connection ended."""
        item = await self._notifications.get()
        if item is None:
            self._notifications.put_nowait(None)  # every later caller learns it too
        return item

    async def _receive(self) -> None:
        try:
            while line := await self._reader.readline():
                message = _DECODE(line)
                if message.method is not None:
                    self._notifications.put_nowait((message.method, message.params))
                elif isinstance(message.id, int) and message.id in self._pending:
                    self._pending[message.id].set_result(message)
        except (ConnectionError, ValueError):
            pass
        finally:
            self._notifications.put_nowait(None)
            for answer in self._pending.values():
                if not answer.done():
                    answer.set_exception(ServiceConnectionLost(
                        "the client service closed the connection"))
