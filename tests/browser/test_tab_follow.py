"""A device that follows nothing yet: the tab offers to follow a project server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ._pages import Device
from ._processes import SupportTab, free_port
from .conftest import Stack

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect


def test_a_new_device_follows_a_project_from_the_tab(browser: Any, stack: Stack,
                                                     tmp_path: Path, shots: Path) -> None:
    newcomer = SupportTab("newcomer", tmp_path, "127.0.86.9", free_port())
    newcomer.start()
    try:
        device = Device.open(browser, "newcomer", newcomer.url, width=420)
        try:
            expect(device.tab(".sign-in-list")).to_contain_text("No project is followed yet")
            device.tab("button").filter(has_text="Follow a project").click()
            address = device.tab("form.follow input").first
            expect(address).to_be_focused()
            address.fill(stack.server.url)
            device.shoot(shots, "20-narrow-follow-a-project")
            device.tab("form.follow button[type=submit]").click()
            expect(device.tab(".enroll h2")).to_have_text("Sign in to Acme Support")
            expect(device.tab(".chip .chip-label")).to_have_text("acme-support")
            expect(device.tab(".chip .chip-state")).to_have_text("not signed in")
        finally:
            device.close()
        assert not device.errors, device.errors
    finally:
        assert newcomer.stop() == 0
