"""Two devices in two browsers on one project: a customer and an agent.

The tests follow one ticket's life in order (pytest runs them in file order); each
one first makes sure of what it builds on, so any one of them also runs alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._pages import Device, paste_png, png_bytes
from .conftest import AGENT, CUSTOMER, PROJECT, SECOND_AGENT, Stack

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

SUBJECT = "Checkout fails with <b>error 500</b> & a blank page"
DESCRIPTION = "Since this morning the **checkout** page shows an error.\n\nSteps: add to cart, pay."
REPLY = "Thanks Carla, we are on it: the payment gateway timed out."
NOTE = "Internal: gateway logs show TLS errors, ask the ops team"
SECOND_REPLY = "It works again, could you try once more?"


@pytest.fixture(scope="module")
def customer(browser: Any, stack: Stack) -> Iterator[Device]:
    device = Device.open(browser, "customer", stack.customer.url)
    yield device
    device.close()
    assert not device.errors, device.errors


@pytest.fixture(scope="module")
def agent(browser: Any, stack: Stack) -> Iterator[Device]:
    device = Device.open(browser, "agent", stack.agent.url)
    yield device
    device.close()
    assert not device.errors, device.errors


def _signed_in(stack: Stack) -> bool:
    states = stack.customer.call("client.projects")
    return bool(states and states[0]["bound"])


def _ensure_customer_signed_in(stack: Stack, customer: Device) -> None:
    if not _signed_in(stack):
        stack.customer.sign_in(stack.server, PROJECT, CUSTOMER[0])
    expect(customer.tab(".chip .chip-state")).to_have_text("online")


def _ticket_id(stack: Stack) -> int:
    """The story's ticket (filed through the API if the filing test did not run)."""
    page = stack.customer.call("ticket.list", {"project": PROJECT, "status": []})
    for item in page["items"]:
        if item["ticket"]["subject"] == SUBJECT:
            return int(item["ticket"]["id"])
    ticket = stack.customer.call("ticket.create", {"project": PROJECT, "subject": SUBJECT,
                                                   "body": DESCRIPTION})
    return int(ticket["id"])


def _open_ticket(device: Device, subject: str) -> None:
    device.tab("button.row").filter(has_text=subject).first.click()
    expect(device.tab("h2.ticket-subject")).to_have_text(subject)


def test_customer_signs_in_with_the_emailed_code(stack: Stack, customer: Device,
                                                 shots: Path) -> None:
    if _signed_in(stack):
        pytest.skip("the customer's device is already signed in")
    expect(customer.tab(".chip .chip-state")).to_have_text("not signed in")
    customer.shoot(shots, "01-customer-not-signed-in")
    customer.tab(".sign-in-list button").click()
    customer.tab("input[type=email]").fill(CUSTOMER[0])
    customer.tab("button", ).filter(has_text="Email me a code").click()
    code_box = customer.tab("input[autocomplete=one-time-code]")
    expect(code_box).to_be_focused()
    customer.shoot(shots, "02-customer-enter-code")
    code_box.fill(stack.server.sign_in_code(CUSTOMER[0]))
    customer.tab("button").filter(has_text="Sign in").last.click()
    expect(customer.tab(".chip .chip-state")).to_have_text("online")
    expect(customer.tab(".chip .chip-user")).to_have_text(CUSTOMER[1])


def test_customer_files_a_ticket_with_a_pasted_image_and_the_agent_sees_it_live(
        stack: Stack, customer: Device, agent: Device, shots: Path) -> None:
    _ensure_customer_signed_in(stack, customer)
    expect(agent.tab(".chip .chip-state")).to_have_text("online")
    before = agent.tab("button.row").filter(has_text=SUBJECT).count()

    customer.tab("button").filter(has_text="New ticket").click()
    expect(customer.tab("form.new-ticket input[type=text]").first).to_be_focused()
    customer.tab("form.new-ticket input[type=text]").first.fill(SUBJECT)
    description = customer.tab("form.new-ticket textarea")
    description.fill(DESCRIPTION)
    assert paste_png(description, png_bytes("Payment failed: HTTP 500"), "checkout-error.png")
    preview = customer.tab(".previews .preview")
    expect(preview).to_have_count(1)
    expect(preview.locator("img")).to_have_attribute("alt", "Preview of checkout-error.png")
    customer.shoot(shots, "03-customer-new-ticket-with-preview")
    customer.tab("button[type=submit]").filter(has_text="Create ticket").click()

    expect(customer.tab("h2.ticket-subject")).to_have_text(SUBJECT)
    thumb = customer.tab(".thread .thumb img")
    expect(thumb).to_have_count(1)
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("img => img.naturalWidth") == 360
    # The agent's list updates without a reload.
    expect(agent.tab("button.row").filter(has_text=SUBJECT)).to_have_count(before + 1)
    agent.shoot(shots, "04-agent-list-live")


def test_the_customer_sees_that_an_agent_is_viewing(stack: Stack, customer: Device,
                                                    agent: Device, shots: Path) -> None:
    _ensure_customer_signed_in(stack, customer)
    _ticket_id(stack)
    if customer.tab("h2.ticket-subject").count() == 0 or \
            customer.tab("h2.ticket-subject").text_content() != SUBJECT:
        _open_ticket(customer, SUBJECT)
    _open_ticket(agent, SUBJECT)
    expect(customer.tab(".presence")).to_contain_text(
        f"{AGENT[1]} from support is looking at your ticket")
    customer.shoot(shots, "05-customer-sees-agent-viewing")


def test_an_agent_is_warned_when_another_agent_is_replying(
        browser: Any, stack: Stack, agent: Device, shots: Path) -> None:
    _ticket_id(stack)
    _show_ticket(agent)
    colleague = Device.open(browser, "second-agent", stack.second_agent.url)
    try:
        _open_ticket(colleague, SUBJECT)
        warning = agent.tab(".presence .collision")
        expect(warning).to_contain_text(f"{SECOND_AGENT[1]} (agent) is also viewing this ticket")
        colleague.tab(".composer textarea").press_sequentially("We could refund")
        expect(warning).to_contain_text(f"{SECOND_AGENT[1]} (agent) is typing a reply")
        expect(warning).to_have_class("collision typing")
        agent.shoot(shots, "06-agent-collision-warning")
    finally:
        colleague.close()
    # The colleague's tab is gone: the warning goes with it.
    expect(warning).to_have_count(0)
    assert not colleague.errors, colleague.errors


def test_agent_replies_and_notes_and_the_customer_sees_only_the_reply(
        stack: Stack, customer: Device, agent: Device, shots: Path) -> None:
    _ensure_customer_signed_in(stack, customer)
    _ticket_id(stack)
    for device in (customer, agent):
        if device.tab("h2.ticket-subject").count() == 0 or \
                device.tab("h2.ticket-subject").text_content() != SUBJECT:
            _open_ticket(device, SUBJECT)

    agent.tab(".composer textarea").fill(REPLY)
    agent.tab(".composer button[type=submit]").click()
    expect(agent.tab(".message").filter(has_text=REPLY)).to_have_count(1)
    # Their own words carry their name, not "User N", in their own thread.
    expect(agent.tab(".message").filter(has_text=REPLY).locator(".author")).to_have_text(
        AGENT[1])

    agent.tab(".modes input[value=internal]").check()
    expect(agent.tab(".composer button[type=submit]")).to_have_text("Add internal note")
    agent.tab(".composer textarea").fill(NOTE)
    agent.shoot(shots, "07-agent-writing-internal-note")
    agent.tab(".composer button[type=submit]").click()
    note = agent.tab(".message.internal").filter(has_text=NOTE)
    expect(note).to_have_count(1)
    expect(note.locator(".note-label")).to_contain_text("Internal note")

    agent.tab(".modes input[value=public]").check()
    agent.tab(".composer textarea").fill(SECOND_REPLY)
    agent.tab(".composer button[type=submit]").click()
    agent.shoot(shots, "08-agent-ticket-with-note")

    # Live, in order: once the later reply is there, the note would have been too.
    expect(customer.tab(".message").filter(has_text=REPLY)).to_have_count(1)
    expect(customer.tab(".message").filter(has_text=SECOND_REPLY)).to_have_count(1)
    assert NOTE not in customer.tab(".thread").inner_text()
    customer.shoot(shots, "09-customer-sees-replies-live")

    customer.page.reload()
    _open_ticket(customer, SUBJECT)
    expect(customer.tab(".message").filter(has_text=SECOND_REPLY)).to_have_count(1)
    assert NOTE not in customer.page.content()
    assert NOTE not in customer.tab(".thread").inner_text()


def _show_ticket(device: Device) -> None:
    heading = device.tab("h2.ticket-subject")
    if heading.count() == 0 or heading.text_content() != SUBJECT:
        _open_ticket(device, SUBJECT)


def test_the_customer_answers_one_message_and_the_answer_is_threaded_under_it(
        stack: Stack, customer: Device, agent: Device) -> None:
    _ensure_customer_signed_in(stack, customer)
    ticket_id = _ticket_id(stack)
    for device in (customer, agent):
        _show_ticket(device)
    if customer.tab(".message").filter(has_text=REPLY).count() == 0:
        stack.agent.call("message.post", {"project": PROJECT, "ticket_id": ticket_id,
                                          "body": REPLY})
    target = customer.tab("article.message").filter(has_text=REPLY)
    target.locator("button").filter(has_text="Reply to this").click()
    expect(customer.tab(".replying-to")).to_contain_text(f"Replying to {AGENT[1]}")
    expect(customer.tab(".composer textarea")).to_be_focused()
    customer.page.keyboard.type("Which gateway? We use two.")
    customer.page.keyboard.press("Control+Enter")
    nested = agent.tab("li.entry").filter(has=agent.page.locator("article.message", has_text=REPLY))
    expect(nested.locator(".replies article.message")).to_contain_text(
        "Which gateway? We use two.")


def test_the_agent_takes_the_ticket_and_the_customer_sees_it_change_live(
        stack: Stack, customer: Device, agent: Device, shots: Path) -> None:
    _ensure_customer_signed_in(stack, customer)
    _ticket_id(stack)
    for device in (customer, agent):
        _show_ticket(device)
    fields = agent.tab(".ticket-controls")
    status = fields.locator("select[data-key=status]")
    # Arrowing through the options changes nothing yet (WCAG 3.2.2): no save, no event.
    status.focus()
    for _ in range(3):
        agent.page.keyboard.press("ArrowDown")
    agent.page.keyboard.press("ArrowUp")
    status.select_option("open")
    fields.locator("select[data-key=priority]").select_option("high")
    fields.locator("input[data-key=assignee]").fill(AGENT[1])
    apply = fields.locator("button[data-key=apply]")
    expect(apply).to_be_enabled()
    expect(customer.tab(".ticket-meta .badge").first).to_have_text("New")
    expect(agent.tab(".ticket-meta .badge").first).to_have_text("New")
    agent.shoot(shots, "10a-agent-changes-pending-apply")
    apply.click()
    expect(agent.tab(".ticket-meta .badge").first).to_have_text("Open")
    expect(agent.tab(".ticket-meta")).to_contain_text("High priority")
    expect(agent.tab(".ticket-meta")).to_contain_text(f"Assigned to {AGENT[1]} (you)")
    expect(fields.locator("button[data-key=apply]")).to_be_disabled()

    meta = customer.tab(".ticket-meta")
    expect(meta.locator(".badge").first).to_have_text("Open")
    expect(meta).to_contain_text("High priority")
    expect(meta).to_contain_text(f"Assigned to {AGENT[1]}")
    customer.shoot(shots, "10-customer-sees-ticket-taken")
    # One change, one history entry per field: the arrowing left no trace.
    history = stack.agent.call("ticket.history", {"project": PROJECT,
                                                  "ticket_id": _ticket_id(stack)})
    assert [h["field"] for h in history].count("status") == 1


def test_the_agent_filters_and_searches_the_list(stack: Stack, agent: Device,
                                                 shots: Path) -> None:
    _ticket_id(stack)
    rows = agent.tab("button.row")
    assignee = agent.tab(".filters select").filter(has=agent.page.locator("option[value=me]"))
    assignee.select_option("none")
    expect(rows.filter(has_text=SUBJECT)).to_have_count(0)
    assignee.select_option("me")
    expect(rows.filter(has_text=SUBJECT)).to_have_count(1)
    assignee.select_option("")
    search = agent.tab("input[type=search]")
    search.fill("gateway")  # a word of the agent's reply, not of the subject
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(SUBJECT)
    agent.shoot(shots, "11-agent-search")
    search.fill("kangaroo")
    expect(agent.tab(".list-summary")).to_have_text("0 tickets")
    search.fill("")
    expect(rows.filter(has_text=SUBJECT)).to_have_count(1)


def test_the_customer_closes_the_ticket_and_it_leaves_the_agents_open_list(
        stack: Stack, customer: Device, agent: Device) -> None:
    _ensure_customer_signed_in(stack, customer)
    _ticket_id(stack)
    _show_ticket(customer)
    agent.tab("button.back").evaluate("button => button.click()")  # wide layout: no back button
    expect(agent.tab("button.row").filter(has_text=SUBJECT)).to_have_count(1)
    customer.tab("button").filter(has_text="Close ticket").click()
    expect(customer.tab("button").filter(has_text="Reopen ticket")).to_be_visible()
    expect(agent.tab("button.row").filter(has_text=SUBJECT)).to_have_count(0)
    status = agent.tab(".filters select").filter(has=agent.page.locator("option[value=closed]"))
    status.select_option("closed")
    expect(agent.tab("button.row").filter(has_text=SUBJECT)).to_have_count(1)
    status.select_option("")
