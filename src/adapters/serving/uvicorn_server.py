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

import contextlib
from collections.abc import Generator
from typing import Any

import uvicorn

from ._peer_mistakes import quiet_peer_mistakes
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
    """A uvicorn server whose shutdown the app decides (it handles SIGTERM/SIGINT and
    stops every listener together by setting ``should_exit``).

    It also keeps a peer's protocol mistakes out of the log as tracebacks
    (:mod:`._peer_mistakes`).
    """

    def __init__(self, config: ListenerConfig) -> None:
        if not isinstance(config, ListenerConfig):
            raise TypeError("ManagedServer serves a ListenerConfig only")
        super().__init__(config)
        quiet_peer_mistakes()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Leave signal handling to the app."""
        yield
