"""The agent's workspace in the Support tab, three people side by side: the customer
Carla, the agent Adam and his colleague Bea, each on their own device and tab.

The tests run in file order and each sets up what it needs through the tabs' own
JSON-RPC (as any local program could), so any one of them also runs alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._pages import Device
from .conftest import AGENT, CUSTOMER, PROJECT, SECOND_AGENT, Stack

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

RECORD_NOTIFICATIONS = """
(() => {
  window.__notes = [];
  const Real = window.Notification;
  if (!Real) return;
  class Recording extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push({ title, body: options && options.body });
    }
  }
  Object.defineProperty(Recording, "permission", { get: () => Real.permission });
  Recording.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recording;
})();
"""
BACKGROUND = ("() => { Object.defineProperty(document, 'hidden', { configurable: true, "
              "get: () => true }); document.hasFocus = () => false; }")


def _signed_in(stack: Stack) -> None:
    states = stack.customer.call("client.projects")
    if not states[0]["bound"]:
        stack.customer.sign_in(stack.server, PROJECT, CUSTOMER[0])


def _user_id(tab: Any) -> int:
    return int(tab.call("client.projects")[0]["user"]["id"])


def _file(stack: Stack, subject: str, **fields: Any) -> int:
    ticket = stack.customer.call("ticket.create", {"project": PROJECT, "subject": subject,
                                                   **fields})
    return int(ticket["id"])


@pytest.fixture(scope="module")
def customer(browser: Any, stack: Stack) -> Iterator[Device]:
    _signed_in(stack)
    device = Device.open(browser, "carla", stack.customer.url)
    yield device
    device.close()
    assert not device.errors, device.errors


@pytest.fixture(scope="module")
def agent(browser: Any, stack: Stack) -> Iterator[Device]:
    device = Device.open(browser, "adam", stack.agent.url)
    yield device
    device.close()
    assert not device.errors, device.errors


@pytest.fixture(scope="module")
def colleague(browser: Any, stack: Stack) -> Iterator[Device]:
    device = Device.open(browser, "bea", stack.second_agent.url, width=1920, height=1000)
    yield device
    device.close()
    assert not device.errors, device.errors


def _home(device: Device, url: str, route: str = "#/") -> None:
    device.page.goto(f"{url}/{route}")
    device.tab(".list-summary").filter(has_text="ticket").wait_for()


def _row(device: Device, subject: str) -> Any:
    return device.tab("li.ticket-item").filter(has=device.page.locator(
        "button.row", has_text=subject))


def _open(device: Device, subject: str) -> None:
    device.tab("button.row").filter(has_text=subject).first.click()
    expect(device.tab("h2.ticket-subject")).to_have_text(subject)


# -- bug fixes -------------------------------------------------------------------------

def test_a_customer_reply_reopens_a_resolved_ticket_live_in_the_agents_queue(
        stack: Stack, customer: Device, agent: Device, shots: Path) -> None:
    subject = "Export stopped working after the update"
    ticket = _file(stack, subject)
    stack.agent.call("ticket.update", {"project": PROJECT, "ticket_id": ticket,
                                       "status": "resolved"})
    _home(agent, stack.agent.url, "#/?assignee=none")
    expect(_row(agent, subject)).to_have_count(0)  # resolved: in no open queue
    all_open = agent.tab("button[data-queue=all_open] .queue-count")
    open_before = int(all_open.inner_text())

    customer.page.goto(f"{stack.customer.url}/#/ticket/{PROJECT}/{ticket}")
    expect(customer.tab("h2.ticket-subject")).to_have_text(subject)
    notice = customer.tab(".reopen-notice")
    expect(notice).to_contain_text("This ticket is resolved. Sending a reply reopens it")
    send = customer.tab(".composer button[type=submit]")
    expect(send).to_have_text("Send and reopen")
    customer.tab(".composer textarea").fill("It fails again since this morning.")
    customer.shoot(shots, "20-customer-reply-reopens")
    send.click()
    expect(customer.tab(".ticket-meta .badge").first).to_have_text("Open")
    expect(notice).to_be_hidden()

    row = _row(agent, subject)
    expect(row).to_have_count(1)  # live, back in the agents' queue
    expect(row).to_have_class(re.compile(r"\bunread\b"))
    expect(all_open).to_have_text(str(open_before + 1))  # and in its live count
    _open(agent, subject)
    agent.tab("details.history summary").click()
    expect(agent.tab(".timeline")).to_contain_text("reopened by reply")
    expect(agent.tab(".timeline")).to_contain_text(f"{CUSTOMER[1]} changed status from")
    agent.tab(".timeline").evaluate("e => e.scrollIntoView({block: 'center'})")
    agent.shoot(shots, "21-agent-history-reopened-by-reply", full_page=False)


# -- queues, URLs, unread ------------------------------------------------------------

def test_queues_count_live_and_the_view_lives_in_the_address(
        stack: Stack, agent: Device, shots: Path) -> None:
    _home(agent, stack.agent.url)
    unassigned = agent.tab("button.queue[data-queue=unassigned]")
    views = stack.agent.call("client.queues")["items"][0]["counts"]["views"]
    before = next(v["count"] for v in views if v["view"] == "unassigned")
    expect(unassigned.locator(".queue-count")).to_have_text(str(before))
    subject = "Password reset mail never arrives"
    _file(stack, subject)
    expect(unassigned.locator(".queue-count")).to_have_text(str(before + 1))
    unassigned.click()
    expect(agent.page).to_have_url(re.compile(r"#/\?assignee=none$"))
    expect(unassigned).to_have_attribute("aria-pressed", "true")
    expect(_row(agent, subject)).to_have_count(1)
    agent.tab("button.queue[data-queue=my_open]").click()
    expect(agent.page).to_have_url(re.compile(r"assignee=me"))
    expect(_row(agent, subject)).to_have_count(0)
    agent.page.reload()
    expect(agent.tab("button.queue[data-queue=my_open]")).to_have_attribute("aria-pressed",
                                                                           "true")
    agent.page.go_back()
    expect(agent.tab("button.queue[data-queue=unassigned]")).to_have_attribute(
        "aria-pressed", "true")
    expect(_row(agent, subject)).to_have_count(1)
    agent.tab("select[aria-label='Sort by']").select_option("priority")
    expect(agent.page).to_have_url(re.compile(r"order=priority"))
    agent.shoot(shots, "22-agent-queues")


def test_every_ticket_has_an_address_that_opens_on_a_colleagues_own_tab(
        stack: Stack, agent: Device, colleague: Device) -> None:
    subject = "Invoice address is wrong"
    ticket = _file(stack, subject)
    _home(agent, stack.agent.url)
    _open(agent, subject)
    expect(agent.page).to_have_url(re.compile(rf"#/ticket/{PROJECT}/{ticket}\?"))
    agent.page.reload()
    expect(agent.tab("h2.ticket-subject")).to_have_text(subject)
    agent.page.go_back()
    expect(agent.tab("h2.ticket-subject")).to_have_count(0)
    agent.page.go_forward()
    expect(agent.tab("h2.ticket-subject")).to_have_text(subject)
    agent.tab("button[data-key=copy-link]").click()
    expect(agent.tab(".toast")).to_contain_text("Link")
    link = agent.tab("a[data-link=ticket]").get_attribute("href")
    assert link is not None
    assert link.startswith(stack.agent.url)
    # On the colleague's machine their own tab answers at the same address; here each
    # tab has its own port, so the link is opened on Bea's.
    colleague.page.goto(link.replace(stack.agent.url, stack.second_agent.url, 1))
    expect(colleague.tab("h2.ticket-subject")).to_have_text(subject)


def test_unread_markers_the_title_count_and_mark_as_unread(
        browser: Any, stack: Stack, agent: Device, colleague: Device, shots: Path) -> None:
    subject = "VAT number rejected at checkout"
    ticket = _file(stack, subject)
    _home(agent, stack.agent.url)
    _open(agent, subject)
    # Assign it to Bea from the searchable list of the project's agents.
    agent.tab("input[data-key=assignee]").fill(SECOND_AGENT[1])
    expect(agent.tab(f"datalist option[value='{SECOND_AGENT[1]}']")).to_have_count(1)
    agent.tab("button[data-key=apply]").click()
    expect(agent.tab(".ticket-meta")).to_contain_text(f"Assigned to {SECOND_AGENT[1]}")

    _home(colleague, stack.second_agent.url, "#/?assignee=me")
    row = _row(colleague, subject)
    expect(row).to_have_class(re.compile(r"\bunread\b"))

    def title() -> str:
        count = stack.second_agent.call("client.queues")["unread"]
        return f"({count}) Support" if count else "Support"

    expected = title()
    assert expected != "Support"
    expect(colleague.page).to_have_title(expected)
    expect(colleague.tab("button.queue[data-queue=my_open] .queue-unread")).to_be_visible()
    colleague.shoot(shots, "23-colleague-unread")
    # A second window of Bea's follows her read state live.
    other = Device.open(browser, "bea-2", f"{stack.second_agent.url}/#/?assignee=me")
    try:
        expect(_row(other, subject)).to_have_class(re.compile(r"\bunread\b"))
        _open(colleague, subject)
        expect(row).not_to_have_class(re.compile(r"\bunread\b"))
        expect(_row(other, subject)).not_to_have_class(re.compile(r"\bunread\b"))
        expect(colleague.page).to_have_title(title())
        colleague.tab("button[data-key=mark-unread]").click()
        expect(_row(other, subject)).to_have_class(re.compile(r"\bunread\b"))
        expect(colleague.page).to_have_title(title())
        listed = stack.second_agent.call("ticket.list", {"project": PROJECT, "view": "my_open"})
        assert [i["unread"] for i in listed["items"] if i["ticket"]["id"] == ticket] == [True]
    finally:
        other.close()
    assert not other.errors, other.errors


# -- canned replies, context, history, edits, tags, subject ------------------------

def test_canned_replies_are_managed_in_settings_and_inserted_with_slash(
        stack: Stack, customer: Device, agent: Device, shots: Path) -> None:
    subject = "Where is my order?"
    ticket = _file(stack, subject)
    _home(agent, stack.agent.url, "#/settings")
    form = agent.tab("form.canned-form[aria-label='New canned reply']")
    form.locator("input[type=text]").fill("Order status")
    form.locator("textarea").fill("Hello {{customer.name}}, about #{{ticket.id}}: "
                                  "it ships today. {{agent.name}}")
    form.locator("input[type=checkbox]").check()
    form.locator("button[type=submit]").click()
    expect(agent.tab("ul.canned-manage")).to_have_count(1)
    expect(agent.tab("ul.canned-manage input[type=text]").first).to_have_value("Order status")
    agent.shoot(shots, "24-settings")

    agent.page.goto(f"{stack.agent.url}/#/ticket/{PROJECT}/{ticket}")
    box = agent.tab(".composer textarea")
    expect(agent.tab("h2.ticket-subject")).to_have_text(subject)
    box.click()
    agent.page.keyboard.type("/order")
    options = agent.tab(".canned-option")
    expect(options.first).to_contain_text("Order status")
    expect(box).to_have_attribute("aria-expanded", "true")
    agent.shoot(shots, "25-canned-picker", full_page=False)
    agent.page.keyboard.press("Enter")
    filled = f"Hello {CUSTOMER[1]}, about #{ticket}: it ships today. {AGENT[1]}"
    expect(box).to_have_value(filled)
    # As an internal note too.
    agent.tab(".modes input[value=internal]").check()
    box.fill("")
    box.click()
    agent.page.keyboard.type("/")
    expect(options.first).to_be_visible()
    agent.page.keyboard.press("Enter")
    expect(box).to_have_value(filled)
    agent.tab(".composer button[type=submit]").click()
    expect(agent.tab(".message.internal").filter(has_text="it ships today")).to_have_count(1)
    customer.page.goto(f"{stack.customer.url}/#/ticket/{PROJECT}/{ticket}")
    expect(customer.tab("h2.ticket-subject")).to_have_text(subject)
    assert "ships today" not in customer.tab(".thread").inner_text()


def test_customer_context_history_message_edits_tags_and_subject(
        stack: Stack, customer: Device, agent: Device, shots: Path) -> None:
    older = _file(stack, "Older: login loop", tags=["login"])
    subject = "Receipts are missing the VAT line"
    ticket = _file(stack, subject, tags=["billing"])
    agent.page.goto(f"{stack.agent.url}/#/ticket/{PROJECT}/{ticket}")
    context = agent.tab(".customer-context")
    expect(context).to_contain_text(CUSTOMER[1])
    expect(context).to_contain_text(CUSTOMER[0])
    expect(context).to_contain_text("last seen")
    expect(context.locator(f"button[data-key=context-{older}]")).to_be_visible()

    # An own message edited; "(edited)" shows the earlier text.
    agent.tab(".composer textarea").fill("We will add it in the next relase.")
    agent.tab(".composer button[type=submit]").click()
    message_id = agent.tab("article.message").filter(has_text="next relase").get_attribute(
        "data-message-id")
    mine = agent.tab(f"article.message[data-message-id='{message_id}']")
    mine.locator("button").filter(has_text="Edit").click()
    mine.locator(".message-editor textarea").fill("We will add it in the next release.")
    mine.locator("button").filter(has_text="Save edit").click()
    edited = mine
    expect(edited.locator(".body")).to_have_text("We will add it in the next release.")
    edited.locator("button.edited").click()
    expect(edited.locator(".revisions")).to_contain_text("next relase")
    edited.evaluate("e => e.scrollIntoView({block: 'center'})")
    agent.shoot(shots, "26-agent-context-revisions", full_page=False)

    # Tags with suggestions from the project's tags, and the subject, on Apply.
    tags = agent.tab("input[data-key=tags]")
    tags.fill("billing, log")
    expect(agent.tab("datalist option[value=login]")).to_have_count(1)
    tags.fill("billing, login")
    agent.tab("button[data-key=apply]").click()
    expect(agent.tab(".ticket-meta .tags")).to_have_text("billinglogin")
    agent.tab("button[data-key=edit-subject]").click()
    agent.tab("input[data-key=subject-input]").fill(f"{subject} (since May)")
    agent.tab("button").filter(has_text="Save subject").click()
    expect(agent.tab("h2.ticket-subject")).to_have_text(f"{subject} (since May)")
    agent.tab("details.history summary").click()
    timeline = agent.tab(".timeline")
    expect(timeline).to_contain_text("changed tags from")
    expect(timeline).to_contain_text("changed subject from")

    customer.page.goto(f"{stack.customer.url}/#/ticket/{PROJECT}/{ticket}")
    expect(customer.tab("h2.ticket-subject")).to_have_text(f"{subject} (since May)")
    expect(customer.tab("article.message").filter(has_text="next release.")).to_have_count(1)
    expect(customer.tab(".customer-context")).to_have_count(0)  # staff only
    agent.tab(f"button[data-key=context-{older}]").click()
    expect(agent.tab("h2.ticket-subject")).to_have_text("Older: login loop")


def test_teams_route_tickets_and_customers_never_see_them(
        stack: Stack, customer: Device, agent: Device) -> None:
    adam = _user_id(stack.agent)
    team = stack.server.admin_call("team.create", {"name": "Billing", "members": [adam]})
    subject = "Double charge on my card"
    ticket = _file(stack, subject)
    _home(agent, stack.agent.url)
    billing = agent.tab(f"button.queue[data-queue='team:{PROJECT}:{team['id']}']")
    expect(billing).to_contain_text("Billing")
    _open(agent, subject)
    agent.tab("select[data-key=team]").select_option(label="Billing")
    agent.tab("button[data-key=apply]").click()
    expect(agent.tab(".ticket-meta .badge.team")).to_have_text("Billing")
    expect(billing.locator(".queue-count")).to_have_text("1")
    billing.click()
    expect(_row(agent, subject)).to_have_count(1)
    customer.page.goto(f"{stack.customer.url}/#/ticket/{PROJECT}/{ticket}")
    expect(customer.tab("h2.ticket-subject")).to_have_text(subject)
    assert "Billing" not in customer.tab(".ticket").inner_text()
    expect(customer.tab("button.queue")).to_have_count(0)


def test_bulk_changes_by_mouse_and_keyboard_with_a_result_per_ticket(
        stack: Stack, agent: Device, shots: Path) -> None:
    subjects = ["Bulk: printer jam", "Bulk: scanner offline", "Bulk: toner low"]
    for subject in subjects:
        _file(stack, subject)
    closed = _file(stack, "Bulk: solved long ago")
    stack.agent.call("ticket.update", {"project": PROJECT, "ticket_id": closed,
                                       "status": "closed"})
    _home(agent, stack.agent.url, "#/?status=all&q=Bulk")
    expect(agent.tab("button.row")).to_have_count(4)
    _row(agent, subjects[0]).locator("input.pick").click()
    _row(agent, subjects[1]).locator("input.pick").click(modifiers=["Shift"])
    _row(agent, "Bulk: solved long ago").locator("input.pick").click()
    # By keyboard: focus a row, move with j/k, select with x.
    _row(agent, subjects[2]).locator("button.row").focus()
    agent.page.keyboard.press("k")
    agent.page.keyboard.press("j")
    agent.page.keyboard.press("x")
    expect(agent.tab(".bulk-count")).to_have_text("4 tickets selected")
    agent.tab("select[aria-label='Set status']").select_option("pending")
    agent.tab("select[aria-label='Set priority']").select_option("urgent")
    agent.shoot(shots, "27-bulk-selection")
    agent.tab("button").filter(has_text="Apply to selected").click()
    outcome = agent.tab(".bulk-outcome")
    expect(outcome).to_contain_text("3 tickets changed.")
    expect(outcome.locator(".refused")).to_contain_text(
        f"#{closed}: a closed ticket cannot become pending")
    for subject in subjects:
        expect(_row(agent, subject).locator(".badge.priority-urgent")).to_be_visible()
    agent.tab("button").filter(has_text="Clear selection").click()
    expect(agent.tab("form.bulk")).to_be_hidden()


def test_an_agent_files_a_ticket_on_a_customers_behalf(
        stack: Stack, customer: Device, agent: Device, shots: Path) -> None:
    _home(agent, stack.agent.url)
    _home(customer, stack.customer.url)
    agent.tab("button").filter(has_text="New ticket").click()
    picker = agent.tab("form.new-ticket input[type=search]")
    picker.fill("carla")
    agent.tab(".customer-results button").filter(has_text=CUSTOMER[0]).click()
    expect(agent.tab(".customer-chosen")).to_contain_text(f"Filed for {CUSTOMER[1]}")
    agent.tab("form.new-ticket input[type=text]").first.fill("Phoned in: cannot log in")
    agent.shoot(shots, "28-new-ticket-on-behalf")
    agent.tab("form.new-ticket button[type=submit]").click()
    expect(agent.tab("h2.ticket-subject")).to_have_text("Phoned in: cannot log in")
    expect(agent.tab(".ticket-meta")).to_contain_text(f"Opened by {CUSTOMER[1]}")
    row = _row(customer, "Phoned in: cannot log in")
    expect(row).to_have_count(1)
    expect(row).to_have_class(re.compile(r"\bunread\b"))


def _shortcut_focuses(page: Any, heading: Any, key: str, field: Any) -> None:
    """``key`` from the ticket's heading puts the focus in ``field``.

    A live update can re-render the ticket's controls between the heading getting the
    focus and the key arriving (seen once in CI on a loaded machine); the key is then
    pressed again, at most three times, so only a shortcut that never works fails.
    """
    for attempt in range(3):
        heading.focus()
        expect(heading).to_be_focused()
        page.keyboard.press(key)
        try:
            expect(field).to_be_focused(timeout=2_000)
        except AssertionError:
            if attempt == 2:
                raise
        else:
            return


def test_keyboard_shortcuts_and_their_overlay(stack: Stack, agent: Device) -> None:
    _home(agent, stack.agent.url)
    page = agent.page
    agent.tab("h2").first.click()
    page.keyboard.press("?")
    overlay = agent.tab("dialog.shortcuts")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("Internal note")
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()
    agent.tab("h2").first.click()
    page.keyboard.press("/")
    expect(agent.tab("input[type=search]")).to_be_focused()
    agent.tab("h2").first.click()
    page.keyboard.press("j")
    first = agent.tab("button.row").first
    expect(first).to_be_focused()
    page.keyboard.press("j")
    expect(agent.tab("button.row").nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    heading = agent.tab("h2.ticket-subject")
    expect(heading).to_be_focused()
    page.keyboard.press("r")
    expect(agent.tab(".composer textarea")).to_be_focused()
    page.keyboard.press("Escape")  # empty box: back to the list
    expect(heading).to_have_count(0)
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    expect(heading).to_be_focused()
    page.keyboard.press("n")
    expect(agent.tab(".modes input[value=internal]")).to_be_checked()
    _shortcut_focuses(page, heading, "a", agent.tab("input[data-key=assignee]"))
    _shortcut_focuses(page, heading, "s", agent.tab("select[data-key=status]"))
    agent.tab(".modes input[value=public]").check()


def test_desktop_notifications_for_new_tickets_and_customer_replies(
        browser: Any, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    context.grant_permissions(["notifications"], origin=stack.agent.url)
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        device = Device("adam-notified", context, page, errors)
        _home(device, stack.agent.url, "#/settings")
        section = device.tab("section[aria-labelledby=settings-notify]")
        section.locator("input[type=checkbox]").first.check()
        section.locator("button[type=submit]").click()
        expect(device.tab(".toast")).to_contain_text("Notification settings saved")
        assert stack.agent.call("client.notifications")["enabled"] is True
        _home(device, stack.agent.url)
        page.evaluate(BACKGROUND)  # the person is in another window now
        ticket = _file(stack, "Notify: the app crashes on start")
        page.wait_for_function(
            "n => (window.__notes || []).some(x => x.title === `New ticket #${n}`)", arg=ticket)
        stack.agent.call("ticket.update", {"project": PROJECT, "ticket_id": ticket,
                                           "assignee_id": _user_id(stack.agent)})
        # A colleague's reply is no reason to disturb; the customer's, after it, is.
        stack.second_agent.call("message.post", {"project": PROJECT, "ticket_id": ticket,
                                                 "body": "colleague here"})
        stack.customer.call("message.post", {"project": PROJECT, "ticket_id": ticket,
                                             "body": "It also crashes on my tablet."})
        page.wait_for_function(
            "n => (window.__notes || []).some(x => x.title === "
            "`Carla Customer replied on #${n}` && x.body.includes('tablet'))", arg=ticket)
        titles = [n["title"] for n in page.evaluate("window.__notes")]
        assert all("Bea" not in t for t in titles), titles
    finally:
        stack.agent.call("client.set_notifications", {"enabled": False})
        context.close()
    assert not errors, errors


def test_markdown_links_lists_and_quotes_render_safely_with_a_hint_and_a_preview(
        stack: Stack, customer: Device, agent: Device, shots: Path) -> None:
    subject = "Markdown: the steps"
    ticket = _file(stack, subject)
    customer.page.goto(f"{stack.customer.url}/#/ticket/{PROJECT}/{ticket}")
    expect(customer.tab("h2.ticket-subject")).to_have_text(subject)
    customer.tab(".composer details.syntax summary").click()
    expect(customer.tab(".composer details.syntax")).to_contain_text("[text](https://…)")
    text = ("Steps:\n\n1. open [the docs](https://example.com/docs)\n2. press *Export*\n\n"
            "- a [trap](javascript:alert(1))\n- mail [us](mailto:help@example.com)\n\n"
            "> it said `error 7`")
    customer.tab(".composer textarea").fill(text)
    customer.tab(".composer button").filter(has_text="Preview").click()
    preview = customer.tab(".composer .preview-pane")
    expect(preview.locator("ol li")).to_have_count(2)
    expect(preview.locator("ul li")).to_have_count(2)
    expect(preview.locator("blockquote code")).to_have_text("error 7")
    links = preview.locator("a")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_attribute("href", "https://example.com/docs")
    expect(links.nth(1)).to_have_attribute("href", "mailto:help@example.com")
    expect(preview).to_contain_text("[trap](javascript:alert(1))")  # stays text
    customer.shoot(shots, "29-markdown-preview")
    customer.tab(".composer button[type=submit]").click()
    agent.page.goto(f"{stack.agent.url}/#/ticket/{PROJECT}/{ticket}")
    body = agent.tab("article.message").filter(has_text="Steps:").locator(".body")
    expect(body.locator("ol li")).to_have_count(2)
    expect(body.locator("a[href='https://example.com/docs']")).to_have_text("the docs")
    assert body.locator("a[href^=javascript]").count() == 0


# -- hostile text in the workspace's own data ---------------------------------------

HOSTILE_TEAM = '<img src=x onerror="window.__owned=11">Night shift'
HOSTILE_TITLE = '<img src=x onerror="window.__owned=12">Refund done'
HOSTILE_CANNED = ("<script>window.__owned=13</script> [click](javascript:window.__owned=14) "
                  "Hi {{customer.name}}, done.")


def test_hostile_team_names_and_canned_replies_stay_text_everywhere(
        stack: Stack, customer: Device, agent: Device) -> None:
    adam = _user_id(stack.agent)
    team = stack.server.admin_call("team.create", {"name": HOSTILE_TEAM, "members": [adam]})
    stack.agent.call("canned.create", {"project": PROJECT, "title": HOSTILE_TITLE,
                                       "body": HOSTILE_CANNED, "shared": True})
    subject = "Hostile text: refund please"
    ticket = _file(stack, subject)
    _home(agent, stack.agent.url)
    chip = agent.tab(f"button.queue[data-queue='team:{PROJECT}:{team['id']}']")
    expect(chip).to_contain_text(HOSTILE_TEAM)
    _open(agent, subject)
    agent.tab("select[data-key=team]").select_option(label=HOSTILE_TEAM)
    agent.tab("button[data-key=apply]").click()
    expect(agent.tab(".ticket-meta .badge.team")).to_have_text(HOSTILE_TEAM)
    box = agent.tab(".composer textarea")
    box.click()
    agent.page.keyboard.type("/refund")
    option = agent.tab(".canned-option").filter(has_text="Refund done")
    expect(option).to_contain_text(HOSTILE_TITLE)
    agent.page.keyboard.press("Enter")
    filled = HOSTILE_CANNED.replace("{{customer.name}}", CUSTOMER[1])
    expect(box).to_have_value(filled)
    agent.tab(".composer button[type=submit]").click()
    sent = agent.tab("article.message").filter(has_text="done.").last
    expect(sent.locator(".body")).to_contain_text("<script>window.__owned=13</script>")
    assert sent.locator("a").count() == 0  # javascript: stays text
    _home(agent, stack.agent.url)
    _row(agent, subject).locator("input.pick").click()  # the bulk bar's choices
    bulk_team = agent.tab("select[aria-label='Set team']")
    expect(bulk_team.locator("option").filter(has_text="Night shift")).to_have_text(
        HOSTILE_TEAM)
    agent.tab("button").filter(has_text="Clear selection").click()
    _home(agent, stack.agent.url, "#/settings")
    expect(agent.tab("ul.canned-manage")).to_be_visible()
    titles = agent.tab("ul.canned-manage input[type=text]").evaluate_all(
        "inputs => inputs.map(i => i.value)")
    assert HOSTILE_TITLE in titles
    assert agent.tab("ul.canned-manage textarea").evaluate_all(
        "boxes => boxes.map(b => b.value)").count(HOSTILE_CANNED) == 1
    customer.page.goto(f"{stack.customer.url}/#/ticket/{PROJECT}/{ticket}")
    reply = customer.tab("article.message").filter(has_text="done.")
    expect(reply.locator(".body")).to_contain_text("<script>window.__owned=13</script>")
    assert "Night shift" not in customer.tab(".ticket").inner_text()
    for device in (agent, customer):
        assert device.page.locator("img[src=x]").count() == 0
        assert device.page.evaluate("window.__owned") is None
