"""``hero-assistance-client serve``: the library as a local service until stopped."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from ....adapters.serving import remove_ready, write_ready
from ....adapters.systemd import ServiceNotifier
from ..runtime import ClientOptions, running_client
from ._output import Output
from ._run import EXIT_OK


async def serve(options: ClientOptions, out: Output, *, ready_file: Path | None = None) -> int:
    """Serve on the Unix socket until SIGINT or SIGTERM; prints ``ready: unix:PATH``
    (and writes ``ready_file``, if given, until it stops)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    notifier = ServiceNotifier.from_environment()
    try:
        async with running_client(options) as container, container.unix_service() as service:
            if ready_file is not None:
                write_ready(ready_file, f"unix:{service.path}")
            notifier.ready(f"serving unix:{service.path}")  # with the ready file
            out.line(f"ready: unix:{service.path}")
            out.flush()
            await stop.wait()
            notifier.stopping()
    finally:
        await notifier.aclose()
        if ready_file is not None:
            remove_ready(ready_file)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return EXIT_OK
