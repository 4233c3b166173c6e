"""Lost connections: the tab says so in words and recovers by itself.

These tests stop the customer's tab server and the project server, and start them
again on the same ports before they end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ._pages import Device
from .conftest import Stack

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect


def test_the_tab_reconnects_to_its_local_service(browser: Any, stack: Stack,
                                                 shots: Path) -> None:
    device = Device.open(browser, "customer-reconnect", stack.customer.url)
    try:
        expect(device.tab(".banner")).to_be_hidden()
        assert stack.customer.stop() == 0
        banner = device.tab(".banner")
        expect(banner).to_contain_text("Lost the connection to the local support service")
        expect(banner.locator("button")).to_have_text("Retry now")
        device.shoot(shots, "18-service-lost")
        stack.customer.start()
        expect(banner).to_be_hidden(timeout=15_000)  # the page's backoff is at most 8 s
        expect(device.tab(".toast")).to_contain_text(["Reconnected"])
    finally:
        device.close()
    assert not device.errors, device.errors


def test_a_project_server_that_goes_away_shows_on_its_chip(browser: Any, stack: Stack,
                                                           shots: Path) -> None:
    device = Device.open(browser, "agent-reconnect", stack.agent.url)
    try:
        state = device.tab(".chip .chip-state")
        expect(state).to_have_text("online")
        assert stack.server.stop() == 0
        expect(state).to_have_text("unreachable, retrying")
        device.shoot(shots, "19-project-unreachable")
        stack.server.serve()
        expect(state).to_have_text("online", timeout=20_000)
    finally:
        device.close()
    assert not device.errors, device.errors
