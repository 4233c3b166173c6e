"""Fixtures of the server integration tests: one real server process for the session.

Tests share the server, so each one uses its own people and device addresses (see
``ADDRESSES`` in each module) and asserts only about what it made itself. The write
limit is lowered so that the rate-limit test can reach it; no other test writes that
often from one device.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server_harness import ServerProcess, start_server

WRITE_LIMIT = 20


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A running ``hero-assistance-server`` on the loopback overlay."""
    running = start_server(tmp_path_factory.mktemp("server"),
                           write_limit_per_minute=WRITE_LIMIT)
    try:
        yield running
    finally:
        code = running.stop()
    assert code == 0, f"the server did not stop cleanly on SIGTERM ({code}):\n{running.log()}"
