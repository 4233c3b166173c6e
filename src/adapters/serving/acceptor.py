"""Accepting connections one at a time, each admitted (or closed) before the next.

asyncio's own server accepts a whole batch of connections (as many as its listen
backlog, 2048 under uvicorn) before any protocol sees one, and uvloop accepts until
the queue is empty: a burst can open far more descriptors than any cap allows, hit
``EMFILE``, and make the loop stop accepting for a second, real devices included.
:class:`GuardedAcceptor` takes each connection from the kernel's queue, asks the
listener's :class:`~.guard.ConnectionGuard`, and either closes it at once (nothing
read, nothing parsed) or hands it to a protocol that already holds its lease. The
number of descriptors the listener holds is then never more than its cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import Callable
from typing import Protocol

from .guard import ConnectionGuard, Lease

_log = logging.getLogger(__name__)
ACCEPT_BATCH = 64
"""Connections taken per wake-up of the loop: a burst cannot monopolise it."""
RESOURCE_ERRORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
RETRY_AFTER_RESOURCES = 0.1
LOCAL_PEER = "local"
"""The guard's name for a peer without an address (a Unix socket's client)."""


class LeasedProtocol(Protocol):
    """A protocol that serves a connection admitted before it was made."""

    def adopt_lease(self, lease: Lease) -> None:
        """Take the lease of the connection it is about to be given."""

    def evict(self) -> None:
        """Close the connection now (the guard made room with it)."""


def peer_key(client: tuple[str, int] | None) -> str:
    """What the per-peer cap counts by: the peer's address text."""
    return client[0] if client else LOCAL_PEER


def _client(address: object) -> tuple[str, int] | None:
    if isinstance(address, tuple) and len(address) >= 2:  # (host, port[, flow, scope])
        return str(address[0]), int(address[1])
    return None  # a Unix socket's peer has no address


class GuardedAcceptor:
    """Accepts on one listening socket for one uvicorn server (its "asyncio.Server")."""

    def __init__(self, sock: socket.socket,
                 protocol_factory: Callable[[], asyncio.Protocol],
                 guard: ConnectionGuard) -> None:
        self._sock = sock
        self._factory = protocol_factory
        self._guard = guard
        self._loop = asyncio.get_running_loop()
        self._starting: set[asyncio.Task[object]] = set()
        self._accepting = False
        self._closed = False

    def start(self) -> None:
        """Start accepting (the socket listens already)."""
        self._sock.setblocking(False)  # noqa: FBT003 - socket API
        self._resume()

    def close(self) -> None:
        """Stop accepting; connections already made go on."""
        self._closed = True
        self._pause()

    async def wait_closed(self) -> None:
        """Wait for connections still being set up."""
        if self._starting:
            await asyncio.gather(*self._starting, return_exceptions=True)

    def _resume(self) -> None:
        if not self._closed and not self._accepting:
            self._loop.add_reader(self._sock.fileno(), self._accept)
            self._accepting = True

    def _pause(self) -> None:
        if self._accepting:
            self._loop.remove_reader(self._sock.fileno())
            self._accepting = False

    def _accept(self) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                conn, address = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue  # the peer gave up while queued
            except OSError as exc:
                if exc.errno not in RESOURCE_ERRORS:
                    raise
                # The caps should make this impossible; if other descriptors ran out,
                # wait a moment rather than spin on a queue we cannot take from.
                _log.warning("cannot accept connections: %s (retrying)", exc.strerror)
                self._pause()
                self._loop.call_later(RETRY_AFTER_RESOURCES, self._resume)
                return
            self._admit(conn, address)

    def _admit(self, conn: socket.socket, address: object) -> None:
        protocols: list[LeasedProtocol] = []

        def evict() -> None:
            if protocols:
                protocols[0].evict()
            else:  # pragma: no cover - admission and construction do not yield
                conn.close()

        lease = self._guard.admit(peer_key(_client(address)), evict)
        if lease is None:
            conn.close()  # over a cap, and nothing to evict: before a byte is read
            return
        protocol = self._factory()
        adopt = getattr(protocol, "adopt_lease", None)
        if adopt is None:
            lease.release()
            conn.close()
            raise TypeError(f"{type(protocol).__name__} cannot hold a connection lease")
        adopt(lease)
        protocols.append(protocol)  # type: ignore[arg-type]
        conn.setblocking(False)  # noqa: FBT003 - socket API
        task = self._loop.create_task(
            self._loop.connect_accepted_socket(lambda: protocol, conn))
        self._starting.add(task)
        task.add_done_callback(lambda done: self._started(done, lease, conn))

    def _started(self, task: asyncio.Task[object], lease: Lease, conn: socket.socket) -> None:
        self._starting.discard(task)
        if task.cancelled() or task.exception() is not None:
            lease.release()  # no transport was made: nobody else will release it
            with contextlib.suppress(OSError):
                conn.close()
