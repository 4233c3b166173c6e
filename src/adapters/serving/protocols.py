"""uvicorn's HTTP and WebSocket protocols, under a connection guard and time limits.

uvicorn has a keep-alive timeout but no deadline for a request head or body, no
notion of a client that stops reading, and no cap per peer: one process could be
held by ~1,000 connections that each send a byte a second. These subclasses add, per
connection and without parsing anything more than uvicorn does:

- a lease of the listener's :class:`~.guard.ConnectionGuard`, taken at accept by
  :class:`~.acceptor.GuardedAcceptor` (or here in ``connection_made`` when served by
  a plain asyncio server): over a cap the connection is closed before a byte is read,
  or a stale one is evicted;
- a deadline for the request head (``head_timeout``, counted from the first byte of
  a request, or from the connect for the first one): 408, then close; a connection
  that never sent a byte is just closed;
- a progress deadline for the body (``body_timeout`` without a byte: 408, close);
- a deadline for a client that does not read (``send_timeout`` with writing paused);
- the transport's own peer and local address in the ASGI scope, under
  :data:`~.transport.TRANSPORT_EXTENSION`: identity is read from there
  (:func:`~.transport.transport_addresses`), never from headers, whatever a
  middleware did to ``scope["client"]``.

A WebSocket keeps the lease of the HTTP connection it was upgraded from, so it counts
against the caps; it is never evicted, and a live subscriber that just waits is kept
open by uvicorn's ping/pong, which also closes peers that stop answering.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.protocols.utils import get_remote_addr
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.http11 import Request

from .acceptor import LOCAL_PEER, peer_key
from .guard import ConnectionGuard, Lease
from .limits import ConnectionLimits
from .transport import TRANSPORT_EXTENSION, transport_record

_log = logging.getLogger(__name__)

_TIMEOUT_BODY = b"408 Request Timeout: the request did not arrive in time\n"


def _settings(config: Config) -> tuple[ConnectionGuard, ConnectionLimits]:
    guard = getattr(config, "connection_guard", None)
    limits = getattr(config, "connection_limits", None)
    if not isinstance(guard, ConnectionGuard) or not isinstance(limits, ConnectionLimits):
        raise TypeError("the guarded protocols need a ListenerConfig (adapters.serving)")
    return guard, limits


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with admission, deadlines and the transport record."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._guard, self._limits = _settings(config)
        self._lease: Lease | None = None
        self._refused = False
        self._evicted = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._send_timer: asyncio.TimerHandle | None = None
        self._head_started = False
        self._body_heard = 0.0

    # -- connection --------------------------------------------------------------

    def adopt_lease(self, lease: Lease) -> None:
        """The acceptor admitted this connection already."""
        self._lease = lease

    def evict(self) -> None:
        """The guard made room with this connection: close it now."""
        transport = cast("asyncio.Transport | None", self.transport)  # None until made
        if transport is not None:
            transport.abort()
        else:
            self._evicted = True  # evicted before the transport was made

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Admit (unless the acceptor did; or refuse, before reading a byte), then serve
        as uvicorn does."""
        if self._lease is None:
            self._lease = self._guard.admit(peer_key(get_remote_addr(transport)), self.evict)
        if self._lease is None or self._evicted:
            self._refused = True
            transport.abort()
            return
        super().connection_made(transport)
        self._head_timer = self.loop.call_later(self._limits.head_timeout, self._head_expired)

    def connection_lost(self, exc: Exception | None) -> None:
        """Release the lease and every timer."""
        if self._refused:
            return
        self._cancel_timers()
        if self._lease is not None:
            self._lease.release()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Note that the client is alive, then parse."""
        if self._lease is not None:
            self._lease.heard()
        super().data_received(data)

    def handle_websocket_upgrade(self) -> None:
        """Hand the lease to the WebSocket protocol that takes the connection over."""
        self._cancel_timers()
        super().handle_websocket_upgrade()
        lease, self._lease = self._lease, None
        protocol = self.transport.get_protocol()
        if isinstance(protocol, GuardedWebSocketProtocol):
            protocol.adopt(lease)
        elif lease is not None:  # a foreign WebSocket class: it cannot release the lease
            lease.release()

    def pause_writing(self) -> None:
        """The client does not read: it has ``send_timeout`` seconds to resume."""
        super().pause_writing()
        if self._send_timer is None and self._lease is not None:
            self._send_timer = self.loop.call_later(self._limits.send_timeout,
                                                    self._send_expired)

    def resume_writing(self) -> None:
        """The client reads again."""
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    # -- parser callbacks ----------------------------------------------------------

    def on_message_begin(self) -> None:
        """A request starts: record the transport's addresses, start the head deadline."""
        super().on_message_begin()
        self.scope["extensions"] = {TRANSPORT_EXTENSION: transport_record(self.client, self.server)}
        self._head_started = True
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self._limits.head_timeout,
                                                    self._head_expired)

    def on_headers_complete(self) -> None:
        """The head arrived in time; a body now has to keep arriving."""
        self._cancel(self._head_timer)
        self._head_timer = None
        self._head_started = False
        super().on_headers_complete()
        if self._upgrading():
            return
        self._body_heard = self.loop.time()
        self._body_timer = self.loop.call_later(self._limits.body_timeout, self._body_expired)

    def on_body(self, body: bytes) -> None:
        """Progress on the body."""
        self._body_heard = self.loop.time()
        super().on_body(body)

    def on_message_complete(self) -> None:
        """The whole request is here: the server owes the answer, the lease is kept."""
        super().on_message_complete()
        if self._upgrading():
            return
        self._cancel(self._body_timer)
        self._body_timer = None
        if self._lease is not None and self.cycle is not None:
            if self.cycle.response_complete:  # answered before the body was read
                self._lease.waiting()
            else:
                self._lease.busy()

    def on_response_complete(self) -> None:
        """Answered: the connection waits for its client again (unless pipelined)."""
        super().on_response_complete()
        if self._lease is None or self.transport.is_closing():
            return
        latest = self.cycle
        if latest is not None and not latest.more_body and not latest.response_complete:
            self._lease.busy()  # a pipelined request is complete and being handled
        else:
            self._lease.waiting()

    # -- deadlines -----------------------------------------------------------------

    def _upgrading(self) -> bool:
        return bool(self.parser is not None and self.parser.should_upgrade()
                    and self._should_upgrade())

    def _head_expired(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:  # we stopped reading (pipelining), not the client
            self._head_timer = self.loop.call_later(self._limits.head_timeout,
                                                    self._head_expired)
            return
        self._cut("request head", answer=self._head_started)

    def _body_expired(self) -> None:
        self._body_timer = None
        if self.transport.is_closing():
            return
        now = self.loop.time()
        if self.flow.read_paused:  # the app has not read what came; not the client's fault
            self._body_heard = now
        quiet = now - self._body_heard
        if quiet < self._limits.body_timeout:
            self._body_timer = self.loop.call_later(self._limits.body_timeout - quiet,
                                                    self._body_expired)
            return
        self._cut("request body", answer=True)

    def _send_expired(self) -> None:
        self._send_timer = None
        if self.transport.is_closing():
            return
        _log.debug("%s: the client stopped reading its response; closing", self._who())
        if self._lease is not None:
            self._lease.timed_out()
        self.transport.abort()

    def _cut(self, what: str, *, answer: bool) -> None:
        """408 (where a response can still start) and close."""
        _log.debug("%s: the %s did not arrive in time; closing", self._who(), what)
        if self._lease is not None:
            self._lease.timed_out()
        cycle = self.cycle
        respond = answer
        if cycle is not None and not cycle.response_complete:
            respond = answer and not cycle.response_started
            # The app's receive() now says http.disconnect and its send() is dropped.
            cycle.disconnected = True
            cycle.message_event.set()
        if respond:
            self.transport.write(self._timeout_response())
        self.transport.close()

    def _timeout_response(self) -> bytes:
        lines = [STATUS_LINE[408]]
        for name, value in self.server_state.default_headers:
            lines += [name, b": ", value, b"\r\n"]
        lines += [b"content-type: text/plain; charset=utf-8\r\n",
                  b"content-length: ", str(len(_TIMEOUT_BODY)).encode(), b"\r\n",
                  b"connection: close\r\n\r\n", _TIMEOUT_BODY]
        return b"".join(lines)

    def _who(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else LOCAL_PEER

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer, self._send_timer):
            self._cancel(timer)
        self._head_timer = self._body_timer = self._send_timer = None

    @staticmethod
    def _cancel(timer: asyncio.TimerHandle | None) -> None:
        if timer is not None:
            timer.cancel()


class GuardedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol holding the lease of the connection it upgraded."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        _, self._limits = _settings(config)
        self._lease: Lease | None = None
        self._send_timer: asyncio.TimerHandle | None = None

    def adopt(self, lease: Lease | None) -> None:
        """Take over the HTTP connection's lease: a WebSocket is never evicted."""
        self._lease = lease
        if lease is not None:
            lease.busy()

    def handle_connect(self, event: Request) -> None:
        """Record the transport's addresses in the scope the app will get."""
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][TRANSPORT_EXTENSION] = transport_record(self.client, self.server)

    def connection_lost(self, exc: Exception | None) -> None:
        """Release the lease."""
        super().connection_lost(exc)
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None
        if self._lease is not None:
            self._lease.release()

    def pause_writing(self) -> None:
        """The client does not read: it has ``send_timeout`` seconds to resume."""
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self._limits.send_timeout,
                                                    self._send_expired)

    def resume_writing(self) -> None:
        """The client reads again."""
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _send_expired(self) -> None:
        self._send_timer = None
        if self.transport.is_closing():
            return
        if self._lease is not None:
            self._lease.timed_out()
        self.transport.abort()

