"""The service on a Unix socket: newline-delimited JSON-RPC 2.0, mode 0600.

Each line a client writes is one JSON-RPC message (a request, a notification or a
batch); each line the service writes is one response or notification. Requests of a
connection run concurrently, so responses may come out of order (match them by
``id``). Notifications (``client.event``, ``client.state``, ``client.progress``) are
sent on the connection that subscribed. A connection that stops reading is closed
rather than buffered without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import warnings
from pathlib import Path

import platformdirs

from ....adapters.jsonrpc import INTERNAL_ERROR, JsonRpcError, MethodRegistry, encode_error
from ....adapters.serving import listening_unix
from ..followed import APP_NAME
from .session import ClientContext, EventFanout

SOCKET_NAME = "client.sock"
MAX_MESSAGE = 32 * 1024 * 1024
"""Longest line accepted: a 10 MiB image as base64, with room to spare."""
OUTBOX_SIZE = 4096
CONCURRENT_CALLS = 32
_log = logging.getLogger(__name__)


class ServiceAlreadyRunning(Exception):
    """Another process already answers on the socket path."""


def default_socket_path() -> Path:
    """``$XDG_RUNTIME_DIR/hero_assistance/client.sock`` (platformdirs' runtime directory)."""
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR, platformdirs warns and falls back to /tmp/runtime-UID,
        # which it creates private to the user: a fine place for the socket.
        warnings.simplefilter("ignore")
        runtime = platformdirs.user_runtime_dir(APP_NAME, appauthor=False)
    return Path(runtime) / SOCKET_NAME


def bind_private_socket(path: Path) -> socket.socket:
    """A listening Unix socket at ``path`` that only its owner can open (0600 from birth).

    A stale socket file (nobody answers) is replaced; a live one is left alone and
    :class:`ServiceAlreadyRunning` raised.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        if _answers(path):
            raise ServiceAlreadyRunning(f"a client service already runs at {path}")
        path.unlink()
    return listening_unix(path)


def _answers(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


class UnixSocketService:
    """Serves a client registry on a Unix socket; ``async with`` binds, exit unbinds."""

    def __init__(self, registry: MethodRegistry[ClientContext], fanout: EventFanout,
                 path: Path, *, max_message: int = MAX_MESSAGE,
                 outbox_size: int = OUTBOX_SIZE) -> None:
        self.registry = registry
        self.fanout = fanout
        self.path = path
        self._max_message = max_message
        self._outbox_size = outbox_size
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> UnixSocketService:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Bind the socket and accept connections."""
        sock = bind_private_socket(self.path)
        try:
            self._server = await asyncio.start_unix_server(self._accepted, sock=sock,
                                                           limit=self._max_message)
        except BaseException:
            sock.close()
            raise

    async def aclose(self) -> None:
        """Stop accepting, end every connection, remove the socket file."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _accepted(self, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # noqa: S101 - always inside a task
        self._connections.add(task)
        try:
            await _Connection(self, reader, writer).run()
        finally:
            self._connections.discard(task)


class _Connection:
    def __init__(self, service: UnixSocketService, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self._registry = service.registry
        self._reader = reader
        self._writer = writer
        self._outbox: asyncio.Queue[bytes | None] = asyncio.Queue(service._outbox_size)
        self._session = service.fanout.session(self._send)
        self._context = ClientContext(session=self._session)
        self._gate = asyncio.Semaphore(CONCURRENT_CALLS)
        self._calls: set[asyncio.Task[None]] = set()
        self._dropped = False

    async def run(self) -> None:
        sender = asyncio.create_task(self._drain())
        try:
            await self._receive()
        except (ValueError, ConnectionError) as exc:  # a line over the limit, a reset
            _log.info("client service connection ended: %s", exc)
        finally:
            self._session.close()
            for call in list(self._calls):
                call.cancel()
            if self._dropped:
                sender.cancel()
                self._writer.transport.abort()  # do not wait on a reader that is gone
            else:
                self._outbox.put_nowait(None)  # never full: _send drops the connection first
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await sender
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()

    async def _receive(self) -> None:
        while line := await self._reader.readline():
            if not line.strip():
                continue
            await self._gate.acquire()
            call = asyncio.create_task(self._answer(line))
            self._calls.add(call)
            call.add_done_callback(self._calls.discard)

    async def _answer(self, line: bytes) -> None:
        try:
            response = await self._registry.handle(self._context, line)
        except Exception:  # noqa: BLE001 - a fault of ours costs this line, not the connection
            _log.exception("a client service message could not be answered")
            response = encode_error(None, JsonRpcError(INTERNAL_ERROR))
        finally:
            self._gate.release()
        if response is not None:
            self._send(response)

    def _send(self, message: bytes) -> None:
        if self._dropped:
            return
        # One place is kept free for the end-of-stream marker.
        if self._outbox.qsize() >= self._outbox.maxsize - 1:
            _log.warning("closing a client service connection that stopped reading")
            self._dropped = True
            self._session.close()
            self._reader.feed_eof()
            return
        self._outbox.put_nowait(message)

    async def _drain(self) -> None:
        while (message := await self._outbox.get()) is not None:
            self._writer.write(message + b"\n")
            await self._writer.drain()
