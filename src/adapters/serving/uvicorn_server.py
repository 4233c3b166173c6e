"""uvicorn embedded in an app that owns its signals."""

from __future__ import annotations

import contextlib
from collections.abc import Generator

import uvicorn


class ManagedServer(uvicorn.Server):
    """A uvicorn server whose shutdown the app decides (it handles SIGTERM/SIGINT and
    stops every listener together by setting ``should_exit``)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Leave signal handling to the app."""
        yield
