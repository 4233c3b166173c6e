"""``hero-assistance-client serve``: the library as a local service until stopped."""

from __future__ import annotations

import asyncio
import signal

from ..runtime import ClientOptions, running_client
from ._output import Output
from ._run import EXIT_OK


async def serve(options: ClientOptions, out: Output) -> int:
    """Serve on the Unix socket until SIGINT or SIGTERM; prints ``ready: unix:PATH``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with running_client(options) as container, container.unix_service() as service:
            out.line(f"ready: unix:{service.path}")
            out.flush()
            await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return EXIT_OK
