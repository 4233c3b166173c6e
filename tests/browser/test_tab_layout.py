"""How the tab reads and behaves: narrow and wide, by keyboard, with hostile text,
and with images picked, dropped and opened full size."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ._pages import Device, png_bytes
from .conftest import CUSTOMER, PROJECT, Stack

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

HOSTILE_SUBJECT = '<img src=x onerror="window.__owned=1">Printer on fire'
HOSTILE_BODY = ("<script>window.__owned=2</script> see [here](javascript:alert(1)) "
                "and javascript:window.__owned=3 or https://example.com/help?a=1&b=<2>")
HOSTILE_FILE = '"><img src=x onerror=window.__owned=4>.png'

DROP_SCRIPT = """
(zone, [b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type: "image/png" }));
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: data, bubbles: true, cancelable: true };
    zone.dispatchEvent(new DragEvent(type, init));
  }
}
"""


@pytest.fixture(scope="module")
def hostile_ticket(stack: Stack) -> str:
    """A ticket whose subject and body try to become markup."""
    states = stack.customer.call("client.projects")
    if not states[0]["bound"]:
        stack.customer.sign_in(stack.server, PROJECT, CUSTOMER[0])
    ticket = stack.customer.call("ticket.create", {"project": PROJECT, "subject": HOSTILE_SUBJECT,
                                                   "body": HOSTILE_BODY})
    return str(ticket["id"])


@pytest.fixture
def narrow(browser: Any, stack: Stack, hostile_ticket: str) -> Iterator[Device]:
    device = Device.open(browser, "agent-narrow", stack.agent.url, width=390, height=780)
    yield device
    device.close()
    assert not device.errors, device.errors


@pytest.fixture
def wide(browser: Any, stack: Stack, hostile_ticket: str) -> Iterator[Device]:
    device = Device.open(browser, "agent-wide", stack.agent.url, width=1920, height=1000)
    yield device
    device.close()
    assert not device.errors, device.errors


def test_user_text_is_shown_as_text_never_as_markup(wide: Device) -> None:
    row = wide.tab("button.row").filter(has_text="Printer on fire")
    expect(row.locator(".row-subject")).to_have_text(HOSTILE_SUBJECT)
    assert row.locator("img").count() == 0
    row.click()
    expect(wide.tab("h2.ticket-subject")).to_have_text(HOSTILE_SUBJECT)
    opening = wide.tab(".message.opening .body")
    expect(opening).to_contain_text("<script>window.__owned=2</script>")
    assert opening.locator("script, img").count() == 0
    # Only the http(s) address became a link; javascript: stayed text.
    links = opening.locator("a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.com/help?a=1&b=")
    assert wide.page.evaluate("window.__owned") is None


def test_a_narrow_panel_shows_one_pane_at_a_time(narrow: Device, shots: Path) -> None:
    expect(narrow.tab(".list-pane")).to_be_visible()
    expect(narrow.tab(".detail-pane")).to_be_hidden()
    narrow.shoot(shots, "14-narrow-list")
    narrow.tab("button.row").filter(has_text="Printer on fire").click()
    expect(narrow.tab(".list-pane")).to_be_hidden()
    expect(narrow.tab("button.back")).to_be_visible()
    expect(narrow.tab("h2.ticket-subject")).to_have_text(HOSTILE_SUBJECT)
    width = narrow.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width} px)"
    narrow.shoot(shots, "15-narrow-ticket")
    narrow.page.keyboard.press("Escape")
    expect(narrow.tab(".list-pane")).to_be_visible()
    expect(narrow.tab("button.row").filter(has_text="Printer on fire")).to_be_focused()


def test_everything_is_reachable_by_keyboard_with_a_visible_focus(wide: Device,
                                                                  shots: Path) -> None:
    page = wide.page
    search = wide.tab("input[type=search]")
    search.focus()
    # Back past the queues to the New ticket button.
    new_ticket = wide.tab("button.primary").filter(has_text="New ticket")
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if new_ticket.evaluate("b => b.getRootNode().activeElement === b"):
            break
    expect(new_ticket).to_be_focused()
    focused = new_ticket
    outline = focused.evaluate("el => getComputedStyle(el).outlineStyle + ' ' + "
                               "getComputedStyle(el).outlineWidth")
    assert outline == "solid 3px", outline
    page.keyboard.press("Enter")
    expect(wide.tab("form.new-ticket input[type=text]").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(search).to_be_focused()
    # Tab from the search box through the filters to the first ticket, open it by Enter.
    for _ in range(16):
        page.keyboard.press("Tab")
        if wide.tab("button.row:focus").count():
            break
    row = wide.tab("button.row:focus")
    expect(row).to_have_count(1)
    page.keyboard.press("Enter")
    expect(wide.tab("h2.ticket-subject")).to_be_focused()
    wide.shoot(shots, "16-wide-ticket-keyboard")


def test_images_by_picker_and_drop_then_full_size_on_click(wide: Device, stack: Stack,
                                                           tmp_path: Path, shots: Path) -> None:
    wide.tab("button.row").filter(has_text="Printer on fire").click()
    picked = tmp_path / "picked.png"
    picked.write_bytes(png_bytes("Picked with the file picker", (640, 400)))
    wide.tab(".composer input[type=file]").set_input_files(str(picked))
    dropped = png_bytes("Dropped from the desktop", (300, 180))
    wide.tab(".composer .dropzone").evaluate(
        DROP_SCRIPT, [base64.b64encode(dropped).decode(), HOSTILE_FILE])
    previews = wide.tab(".composer .preview")
    expect(previews).to_have_count(2)
    expect(previews.nth(1).locator(".preview-name")).to_have_text(HOSTILE_FILE)
    wide.tab(".composer textarea").fill("Two screenshots of the printer")
    wide.tab(".composer button[type=submit]").click()
    thumbs = wide.tab(".message").filter(has_text="Two screenshots").locator(".thumb")
    expect(thumbs).to_have_count(2)
    expect(previews).to_have_count(0)
    thumbs.first.click()
    lightbox = wide.tab("dialog.lightbox")
    expect(lightbox).to_be_visible()
    image = lightbox.locator("img")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 640
    wide.shoot(shots, "17-lightbox")
    wide.page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    expect(thumbs.first).to_be_focused()
    # The proxy serves the image as what it is, never as something to sniff or run.
    sha = image.get_attribute("src").rsplit("/", 1)[-1]  # type: ignore[union-attr]
    response = httpx.get(f"{stack.agent.url}/attachments/{PROJECT}/{sha}", trust_env=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


def test_long_lists_come_page_by_page(wide: Device, stack: Stack) -> None:
    stack.customer.call("ticket.create", {"project": PROJECT, "subject": "Second page"})
    wide.page.evaluate("document.querySelector('hero-support-tab').setAttribute('page-size', '1')")
    status = wide.tab(".filters select").filter(has=wide.page.locator("option[value=all]"))
    status.select_option("all")
    rows = wide.tab("button.row")
    expect(rows).to_have_count(1)
    more = wide.tab("button.more")
    more.click()
    expect(rows).to_have_count(2)
    total = len(stack.agent.call("ticket.list", {"project": PROJECT, "status": []})["items"])
    while rows.count() < total:
        more.click()
        expect(more).to_be_enabled()  # disabled while a page loads
    expect(rows).to_have_count(total)
    expect(more).to_be_hidden()
