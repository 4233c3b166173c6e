"""Running the Support tab's server: a loopback socket, uvicorn, the event fan-out."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
import socket
from collections.abc import Callable, Generator

import uvicorn

from ....adapters.jsonrpc import MethodRegistry
from ..client import SupportClient
from ..service import ClientContext, EventFanout
from .app import build_ui_app
from .settings import UiSettings, loopback_host

_log = logging.getLogger(__name__)


def bind_loopback(host: str, port: int) -> socket.socket:
    """A listening TCP socket on exactly ``host``, which must be a loopback address."""
    ip = ipaddress.ip_address(loopback_host(host))
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    # IPPROTO_TCP named so asyncio turns Nagle off (small JSON frames go out at once).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((str(ip), port))
        sock.listen(128)
        sock.setblocking(False)  # noqa: FBT003 - socket API
    except BaseException:
        sock.close()
        raise
    return sock


class _TabServer(uvicorn.Server):
    """uvicorn, with the signals left to :func:`serve_ui`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


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
        server = _TabServer(uvicorn.Config(
            app, lifespan="off", ws="websockets-sansio",
            ws_max_size=settings.max_socket_message, access_log=False, log_config=None,
            timeout_graceful_shutdown=3,
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
