"""How the workspace looks and reads: the list, a ticket, settings and a new ticket at
390, 1280 and 1920 px (screenshots), axe-core's verdict on each, a long ticket keeping
its header and composer in reach, and a long unbroken name on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._pages import Device
from .conftest import CUSTOMER, PROJECT, Stack

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

WIDTHS = {"390": (390, 780), "1280": (1280, 860), "1920": (1920, 1080)}
LONG_NAME = "Maximiliane" + "x" * 60 + "Bartholomew"  # 82 > 80: trimmed below
LONG_SUBJECT = "A long conversation about the nightly export"
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def long_ticket(stack: Stack) -> int:
    """A ticket with forty replies, filed by staff for a customer whose name is one
    unbroken word of 80 characters."""
    states = stack.customer.call("client.projects")
    if not states[0]["bound"]:
        stack.customer.sign_in(stack.server, PROJECT, CUSTOMER[0])
    stack.server.enroll("long.name@example.com", "customer", LONG_NAME[:80])
    found = stack.agent.call("customer.search", {"project": PROJECT, "query": "long.name"})
    ticket = stack.agent.call("ticket.create", {
        "project": PROJECT, "subject": LONG_SUBJECT, "requester_id": found[0]["id"],
        "body": "Steps:\n\n1. open the export\n2. wait\n\n> it never finishes\n\n"
        "See [the log](https://example.com/log) and `exit 3`."})
    for i in range(40):
        stack.agent.call("message.post", {"project": PROJECT, "ticket_id": ticket["id"],
                                          "body": f"Update {i + 1}: still looking.\n- a\n- b"})
    return int(ticket["id"])


@pytest.fixture
def agent_page(browser: Any, stack: Stack, long_ticket: int) -> Iterator[Device]:
    """The agent's tab, its CSP bypassed so that axe-core can be injected."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    device = Device("agent-layout", context, page)
    page.on("pageerror", lambda error: device.errors.append(str(error)))
    page.goto(stack.agent.url)
    device.tab(".list-summary").filter(has_text="ticket").wait_for()
    yield device
    device.close()
    assert not device.errors, device.errors


def _violations(device: Device, axe_script: str) -> list[dict[str, Any]]:
    if not device.page.evaluate("typeof window.axe !== 'undefined'"):
        device.page.add_script_tag(content=axe_script)
    found: list[dict[str, Any]] = device.page.evaluate(
        "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
        ".map(v => ({ id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) }))")
    return [v for v in found if v["impact"] in SERIOUS]


def _views(stack: Stack, ticket: int) -> dict[str, tuple[str, str]]:
    """Each view: its address, and a selector that shows it is there."""
    return {
        "list": ("#/", ".list-summary"),
        "ticket": (f"#/ticket/{PROJECT}/{ticket}", "h2.ticket-subject"),
        "settings": ("#/settings", "section.settings-section"),
        "new-ticket": ("#/new", "form.new-ticket"),
    }


def test_no_serious_accessibility_violations_and_screenshots_at_three_widths(
        agent_page: Device, stack: Stack, long_ticket: int, axe_script: str,
        shots: Path) -> None:
    page = agent_page.page
    # The page's one main landmark holds the list and the detail.
    assert agent_page.tab("main").count() == 1
    for name, (route, ready) in _views(stack, long_ticket).items():
        page.goto(f"{stack.agent.url}/{route}")
        expect(agent_page.tab(ready).first).to_be_visible()
        agent_page.tab(".list-summary").filter(has_text="ticket").wait_for()
        if name == "ticket":
            expect(agent_page.tab("h2.ticket-subject")).to_have_text(LONG_SUBJECT)
            expect(agent_page.tab(".customer-context")).to_contain_text("open ticket")
            agent_page.tab("details.history summary").click()
        assert _violations(agent_page, axe_script) == [], name
        for width, (w, h) in WIDTHS.items():
            page.set_viewport_size({"width": w, "height": h})
            expect(agent_page.tab(ready).first).to_be_attached()
            page.evaluate("window.scrollTo(0, 0)")
            if name == "ticket":
                # What the screen shows: a full-page capture would draw the sticky
                # composer in the middle of the conversation.
                page.screenshot(path=str(shots / f"40-{name}-{width}.png"))
            else:
                agent_page.shoot(shots, f"40-{name}-{width}")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= w, f"{name} at {width} px scrolls sideways ({scroll} px)"
        page.set_viewport_size({"width": 1280, "height": 860})


def test_customer_views_have_no_serious_violations(browser: Any, stack: Stack,
                                                   long_ticket: int, axe_script: str) -> None:
    stack.customer.call("ticket.create", {"project": PROJECT, "subject": "Layout: my own"})
    context = browser.new_context(viewport={"width": 1280, "height": 860}, bypass_csp=True)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        device = Device("customer-layout", context, page)
        page.goto(stack.customer.url)
        device.tab(".list-summary").filter(has_text="ticket").wait_for()
        assert _violations(device, axe_script) == []
        device.tab("button.row").filter(has_text="Layout: my own").click()
        expect(device.tab("h2.ticket-subject")).to_be_visible()
        assert _violations(device, axe_script) == []
        page.goto(f"{stack.customer.url}/#/new")
        expect(device.tab("form.new-ticket")).to_be_visible()
        assert _violations(device, axe_script) == []
    finally:
        context.close()


def test_a_long_ticket_keeps_its_header_and_composer_in_reach_on_a_phone(
        browser: Any, stack: Stack, long_ticket: int, shots: Path) -> None:
    device = Device.open(browser, "agent-phone", stack.agent.url, width=390, height=780)
    try:
        page = device.page
        page.goto(f"{stack.agent.url}/#/ticket/{PROJECT}/{long_ticket}")
        heading = device.tab("h2.ticket-subject")
        expect(heading).to_have_text(LONG_SUBJECT)
        expect(device.tab("article.message").filter(has_text="Update 40")).to_be_attached()
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait_for_function("() => window.scrollY > 2000")
        top, composer = heading.bounding_box(), device.tab(".composer textarea").bounding_box()
        assert top is not None
        assert composer is not None
        assert 0 <= top["y"] < 780, top
        assert composer["y"] >= 0, composer
        assert composer["y"] + composer["height"] <= 780, composer
        # The long unbroken name of the requester does not widen the page.
        expect(device.tab(".ticket-meta")).to_contain_text(LONG_NAME[:20])
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "41-phone-long-ticket-scrolled.png"))  # the viewport
        page.goto(f"{stack.agent.url}/#/?status=all")
        device.tab(".list-summary").filter(has_text="ticket").wait_for()
        expect(device.tab(".row-requester").filter(has_text=LONG_NAME[:20]).first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        device.shoot(shots, "42-phone-list-long-name")
    finally:
        device.close()
    assert not device.errors, device.errors
