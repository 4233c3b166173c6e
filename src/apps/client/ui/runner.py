"""Running the Support tab's server: a loopback socket, uvicorn, the event fan-out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable

from ....adapters.jsonrpc import MethodRegistry
from ....adapters.serving import (
    ConnectionGuard,
    ConnectionLimits,
    connection_budget,
    listening_tcp,
    raise_fd_limit,
)
from ....adapters.serving.uvicorn_server import ListenerConfig, ManagedServer
from ..client import SupportClient
from ..service import ClientContext, EventFanout
from .app import build_ui_app
from .settings import UiSettings, loopback_host

_log = logging.getLogger(__name__)
TAB_CONNECTIONS = 256
"""Connections the tab's server holds at most: every client is this machine (one peer
address), a browser opens a handful per page."""


def bind_loopback(host: str, port: int) -> socket.socket:
    """A listening TCP socket on exactly ``host``, which must be a loopback address."""
    return listening_tcp(loopback_host(host), port, backlog=128)


def tab_guard() -> ConnectionGuard:
    """The tab server's connection cap, below this process's (raised) fd limit."""
    cap = connection_budget(TAB_CONNECTIONS, raise_fd_limit())
    return ConnectionGuard(max_connections=cap, max_per_peer=cap, name="Support tab")


async def serve_ui(client: SupportClient, registry: MethodRegistry[ClientContext],
                   fanout: EventFanout, settings: UiSettings, *,
                   on_ready: Callable[[str], None] | None = None,
                   stop: asyncio.Event | None = None) -> None:
    """Serve the tab until SIGINT/SIGTERM (or ``stop`` is set).

    ``client`` is open and ``fanout`` reads its events; ``registry`` is the client
    service's (built over the same client). ``on_ready(url)`` is called once the
    socket accepts connections.
    """
    sock = bind_loopback(settings.host, settings.port)
    port: int = sock.getsockname()[1]
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    try:
        app = build_ui_app(client, registry, fanout, settings, port=port)
        server = ManagedServer(ListenerConfig(
            app, guard=tab_guard(), limits=ConnectionLimits(),
            ws_max_size=settings.max_socket_message, timeout_graceful_shutdown=3,
        ))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn has no event
            await asyncio.sleep(0.01)
        if server.started:
            url = settings.url(port) + "/"
            _log.info("Support tab on %s", url)
            if on_ready is not None:
                on_ready(url)
            waiter = asyncio.create_task(stop.wait())
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            server.should_exit = True
        await task
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        sock.close()
