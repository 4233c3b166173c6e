"""uvicorn embedded in an app that owns its signals, configured one way for every listener.

:class:`ListenerConfig` is the only way the project configures uvicorn, and
:class:`ManagedServer` accepts nothing else, so a new listener cannot forget what
matters at the edge:

- ``proxy_headers`` off and no trusted forwarders, whatever ``FORWARDED_ALLOW_IPS``
  says: no header can rewrite the peer address (identity is that address);
- the guarded protocols of :mod:`.protocols` (caps, deadlines, the transport record);
- no ``Server: uvicorn`` banner; ``Date`` stays (HTTP/1.1 asks origin servers for it);
- no access log and no logging configuration of uvicorn's own (the app's applies).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from typing import Any, cast

import uvicorn

from ._peer_mistakes import quiet_peer_mistakes
from .acceptor import GuardedAcceptor
from .guard import ConnectionGuard
from .limits import ConnectionLimits
from .protocols import GuardedHttpProtocol, GuardedWebSocketProtocol

PINNED = frozenset({
    "http", "ws", "proxy_headers", "forwarded_allow_ips", "server_header", "date_header",
    "timeout_keep_alive", "access_log", "log_config", "interface", "lifespan",
    "workers", "reload", "uds", "fd", "host", "port",
})
"""Options a listener may not set: they are decided here, once."""


class ListenerConfig(uvicorn.Config):
    """uvicorn's configuration with the project's pinned edge settings.

    ``options`` are the remaining uvicorn options (``ws_max_size``,
    ``timeout_graceful_shutdown``, ...); any of :data:`PINNED` is refused.
    """

    def __init__(self, app: Any, *, guard: ConnectionGuard, limits: ConnectionLimits,
                 **options: Any) -> None:
        pinned = PINNED.intersection(options)
        if pinned:
            raise TypeError(f"listener options decided by adapters.serving: {sorted(pinned)}")
        super().__init__(
            app, http=GuardedHttpProtocol, ws=GuardedWebSocketProtocol, lifespan="off",
            proxy_headers=False, forwarded_allow_ips=[], server_header=False,
            date_header=True, timeout_keep_alive=limits.keep_alive, access_log=False,
            log_config=None, interface="asgi3", **options,
        )
        self.connection_guard = guard
        self.connection_limits = limits


class ManagedServer(uvicorn.Server):
    """A uvicorn server on sockets the app made, accepting through the guard, whose
    shutdown the app decides (it handles SIGTERM/SIGINT and stops every listener
    together by setting ``should_exit``).

    It also keeps a peer's protocol mistakes out of the log as tracebacks
    (:mod:`._peer_mistakes`).
    """

    def __init__(self, config: ListenerConfig) -> None:
        if not isinstance(config, ListenerConfig):
            raise TypeError("ManagedServer serves a ListenerConfig only")
        super().__init__(config)
        quiet_peer_mistakes()
        self.listener_config = config

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's start-up for given sockets, accepting with :class:`GuardedAcceptor`
        instead of ``loop.create_server`` (see :mod:`.acceptor` for why)."""
        if not sockets:
            raise TypeError("ManagedServer serves listening sockets the app made")
        await self.lifespan.startup()
        if self.lifespan.should_exit:
            self.should_exit = True
            return
        config = self.listener_config

        def create_protocol() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state)

        acceptors = [GuardedAcceptor(sock, create_protocol, config.connection_guard)
                     for sock in sockets]
        for acceptor in acceptors:
            acceptor.start()
        # uvicorn's shutdown calls close() and wait_closed() on these, as on asyncio's.
        self.servers = cast("list[asyncio.base_events.Server]", acceptors)
        self.started = True

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Leave signal handling to the app."""
        yield
