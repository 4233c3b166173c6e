"""The host page of examples/host_page.html: the tab as an iframe and as a script.

The customer's tab allows the host page's origin (``--frame-ancestors``); the same
page served from another origin gets neither.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._pages import png_bytes
from .conftest import CUSTOMER, PROJECT, Stack

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

SUBJECT = "Invoice PDF is empty"


@pytest.fixture(scope="module")
def host(browser: Any, stack: Stack) -> Iterator[Any]:
    states = stack.customer.call("client.projects")
    if not states[0]["bound"]:
        stack.customer.sign_in(stack.server, PROJECT, CUSTOMER[0])
    stack.customer.call("ticket.create", {"project": PROJECT, "subject": SUBJECT})
    context = browser.new_context(viewport={"width": 1500, "height": 760})
    context.set_default_timeout(10_000)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def test_the_host_page_shows_the_tab_in_an_iframe_and_as_a_component(
        host: Any, stack: Stack, shots: Path) -> None:
    host.goto(f"{stack.site.origin}/host_page.html?tab={stack.customer.url}")
    framed = host.frame_locator("#support-frame")
    expect(framed.locator("hero-support-tab button.row").filter(has_text=SUBJECT)).to_have_count(1)
    component = host.locator("#support-component")
    expect(component.locator("button.row").filter(has_text=SUBJECT)).to_have_count(1)
    expect(component.locator(".chip .chip-state")).to_have_text("online")
    # The component renders into the host page itself, in its own shadow root ...
    assert host.evaluate("document.querySelector('#support-component').shadowRoot !== null")
    # ... and takes the host's theme through CSS custom properties.
    accent = component.locator("button.primary").first.evaluate(
        "el => getComputedStyle(el).getPropertyValue('--hs-accent').trim()")
    assert accent == "#7a3fb8"
    component.locator("button.row").filter(has_text=SUBJECT).click()
    expect(component.locator("h2.ticket-subject")).to_have_text(SUBJECT)
    host.screenshot(path=str(shots / "13-host-page-iframe-and-component.png"), full_page=True)


def test_a_host_page_from_an_origin_not_allowed_gets_no_tab(host: Any, stack: Stack) -> None:
    host.goto(f"{stack.foreign_site.origin}/host_page.html?tab={stack.customer.url}")
    # embed.js loads (a classic script), but the module it imports is refused.
    expect(host.locator("#support-component")).to_contain_text("could not be loaded")
    frame = host.locator("#support-frame").element_handle().content_frame()
    assert frame is not None
    host.wait_for_function(
        "() => { const f = document.querySelector('#support-frame');"
        " try { return f.contentWindow.location.href !== 'about:blank'; }"
        " catch { return true; } }")
    # frame-ancestors: Chromium shows its own error page instead of the tab.
    assert frame.url.startswith("chrome-error://"), frame.url
    assert frame.locator("hero-support-tab").count() == 0


def test_the_component_opens_images_full_size_and_keeps_its_toasts_inside(
        host: Any, stack: Stack, shots: Path) -> None:
    """Two bugs of the embedded element: the full-size viewer's image was fetched without
    CORS (blocked: ERR_BLOCKED_BY_ORB), and toasts were fixed to the host's window."""
    ticket = stack.customer.call("ticket.create", {"project": PROJECT,
                                                   "subject": "Screenshot of the error"})
    image = stack.customer.call("attachment.upload", {
        "project": PROJECT, "data_base64": base64.b64encode(
            png_bytes("Embedded", (420, 260))).decode()})
    stack.customer.call("message.post", {"project": PROJECT, "ticket_id": ticket["id"],
                                         "body": "see the picture",
                                         "attachments": [image["sha256"]]})
    host.goto(f"{stack.site.origin}/host_page.html?tab={stack.customer.url}")
    component = host.locator("#support-component")
    component.locator("button.row").filter(has_text="Screenshot of the error").click()
    component.locator(".thread .thumb").first.click()
    full = component.locator("dialog.lightbox img")
    expect(full).to_have_js_property("complete", True)
    assert full.evaluate("img => img.naturalWidth") == 420
    host.keyboard.press("Escape")
    # A toast (the reply's confirmation) appears inside the element's own box.
    component.locator(".composer textarea").fill("Thanks!")
    component.locator(".composer button[type=submit]").click()
    toast = component.locator(".toast").filter(has_text="Reply sent")
    expect(toast).to_be_visible()
    box, inside = toast.bounding_box(), component.bounding_box()
    assert box is not None
    assert inside is not None
    assert inside["x"] <= box["x"]
    assert box["x"] + box["width"] <= inside["x"] + inside["width"]
    assert inside["y"] <= box["y"]
    assert box["y"] + box["height"] <= inside["y"] + inside["height"]
    host.screenshot(path=str(shots / "13b-component-toast-inside.png"))
