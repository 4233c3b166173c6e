"""uvicorn embedded in an app that owns its signals."""

from __future__ import annotations

import contextlib
from collections.abc import Generator

import uvicorn

from ._peer_mistakes import quiet_peer_mistakes


class ManagedServer(uvicorn.Server):
    """A uvicorn server whose shutdown the app decides (it handles SIGTERM/SIGINT and
    stops every listener together by setting ``should_exit``).

    It also keeps a peer's protocol mistakes out of the log as tracebacks
    (:mod:`._peer_mistakes`).
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        quiet_peer_mistakes()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Leave signal handling to the app."""
        yield
