"""Canned replies: staff-only, shared or personal, placeholders filled for a ticket."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hero_assistance.domain.canned import PLACEHOLDERS, fill, placeholders_in
from hero_assistance.domain.errors import Forbidden, InvalidInput, NotFound, TooLarge
from hero_assistance.domain.identity import Role
from hero_assistance.domain.tickets import MAX_BODY_LENGTH

from .conftest import Cast, Harness

pytestmark = pytest.mark.anyio


async def test_staff_save_shared_and_personal_replies_customers_see_none(
        cast: Cast, harness: Harness) -> None:
    h = harness
    colleague = await h.agent(name="Colleague")
    shared = await h.canned.create(cast.agent.caller, title="Refund", body="We refunded you.",
                                   shared=True)
    personal = await h.canned.create(cast.agent.caller, title="my sig", body="— Agnes")
    assert [c.id for c in await h.canned.list_replies(cast.agent.caller)] == [
        personal.id, shared.id]  # by title: "my sig", "Refund"
    assert [c.id for c in await h.canned.list_replies(colleague.caller)] == [shared.id]
    # Even an admin does not read another agent's personal replies.
    assert [c.id for c in await h.canned.list_replies(cast.admin.caller)] == [shared.id]
    for customer in (cast.a, cast.b):
        with pytest.raises(Forbidden):
            await h.canned.list_replies(customer.caller)
        with pytest.raises(Forbidden):
            await h.canned.create(customer.caller, title="x", body="y")


async def test_who_may_edit_delete_and_share(cast: Cast, harness: Harness) -> None:
    h = harness
    colleague = await h.agent(name="Colleague")
    shared = await h.canned.create(cast.agent.caller, title="Refund", body="v1", shared=True)
    personal = await h.canned.create(cast.agent.caller, title="Mine", body="v1")
    edited = await h.canned.update(colleague.caller, shared.id, body="v2 by a colleague")
    assert (edited.body, edited.owner_id) == ("v2 by a colleague", cast.agent.id)
    with pytest.raises(NotFound):
        await h.canned.update(colleague.caller, personal.id, body="nope")
    with pytest.raises(Forbidden):  # un-sharing takes it from the owner's colleagues
        await h.canned.update(colleague.caller, shared.id, shared=False)
    unshared = await h.canned.update(cast.admin.caller, shared.id, shared=False)
    assert not unshared.shared
    with pytest.raises(NotFound):
        await h.canned.delete(colleague.caller, shared.id)
    await h.canned.delete(cast.agent.caller, shared.id)
    assert [c.id for c in await h.canned.list_replies(cast.agent.caller)] == [personal.id]
    same = await h.canned.update(cast.agent.caller, personal.id, body="v1")
    assert same.updated_at == personal.updated_at  # nothing changed


async def test_titles_and_bodies_are_checked(cast: Cast, harness: Harness) -> None:
    agent = cast.agent.caller
    with pytest.raises(InvalidInput) as empty:
        await harness.canned.create(agent, title="ok", body="   ")
    assert empty.value.field == "body"
    with pytest.raises(InvalidInput) as long:
        await harness.canned.create(agent, title="x" * 81, body="ok")
    assert long.value.field == "title"


async def test_inserting_fills_the_placeholders_for_the_ticket(cast: Cast,
                                                              harness: Harness) -> None:
    h = harness
    ticket = await h.ticket(cast.a, "Printer on fire")
    reply = await h.canned.create(
        cast.agent.caller, shared=True, title="Hello",
        body="Hi {{customer.name}} ({{ customer.email }}), about #{{ticket.id}} "
        "“{{ticket.subject}}” on {{project.name}}: {{agent.name}} here. {{unknown.thing}}")
    text = await h.canned.render(cast.agent.caller, reply.id, ticket.id)
    assert text == (f"Hi Alice ({cast.a.user.email}), about #{ticket.id} “Printer on fire” on "
                    "Acme support: Agnes here. {{unknown.thing}}")
    # The same reply filled by another agent names them.
    assert "Root Admin here" in await h.canned.render(cast.admin.caller, reply.id, ticket.id)
    with pytest.raises(Forbidden):
        await h.canned.render(cast.a.caller, reply.id, ticket.id)
    with pytest.raises(NotFound):
        await h.canned.render(cast.agent.caller, reply.id, 999)
    private = await h.canned.create(cast.admin.caller, title="p", body="x")
    with pytest.raises(NotFound):
        await h.canned.render(cast.agent.caller, private.id, ticket.id)


def test_every_documented_placeholder_is_one_the_pattern_finds() -> None:
    template = " ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS)
    assert placeholders_in(template) == list(PLACEHOLDERS)


values = st.dictionaries(st.sampled_from(list(PLACEHOLDERS)),
                         st.text(max_size=30), min_size=len(PLACEHOLDERS),
                         max_size=len(PLACEHOLDERS))


@given(values=values, prefix=st.text(max_size=20), suffix=st.text(max_size=20))
def test_filling_is_one_pass_so_values_are_never_expanded(
        values: dict[str, str], prefix: str, suffix: str) -> None:
    # A customer who calls themselves "{{agent.name}}" stays exactly that.
    values["customer.name"] = "{{agent.name}}" + values["customer.name"]
    filled = fill(f"{prefix}{{{{customer.name}}}}{suffix}", values)
    if not placeholders_in(prefix) and not placeholders_in(suffix):
        assert filled == f"{prefix}{values['customer.name']}{suffix}"


@given(st.text(max_size=200))
def test_text_without_placeholders_is_left_alone(text: str) -> None:
    if not placeholders_in(text):
        assert fill(text, {"customer.name": "X"}) == text


HOSTILE_BODY = ('<script>window.__owned=1</script> [x](javascript:alert(1)) '
                '<img src=x onerror=alert(2)> {{agent.name}} \u202egnp.exe \u200b')


async def test_hostile_titles_and_bodies_are_kept_as_text_or_refused(cast: Cast,
                                                                    harness: Harness) -> None:
    # The tab and the CLI render them as text (browser and terminal tests); the domain
    # keeps markup verbatim, refuses what no title should hold, and caps the size.
    agent = cast.agent.caller
    saved = await harness.canned.create(agent, title='<img src=x onerror="alert(1)">',
                                        body=HOSTILE_BODY, shared=True)
    assert (saved.title, saved.body) == ('<img src=x onerror="alert(1)">', HOSTILE_BODY.strip())
    assert (await harness.canned.create(agent, title=" a\n\tb ", body="x")).title == "a b"
    for title in ("bell\x07", "esc\x1b[2J", "del\x7f", "nul\x00", "", "\n\t "):
        with pytest.raises(InvalidInput) as refused:
            await harness.canned.create(agent, title=title, body="x")
        assert refused.value.field == "title", repr(title)
    with pytest.raises(InvalidInput) as nul:
        await harness.canned.create(agent, title="nul", body="a\x00b")
    assert nul.value.field == "body"
    with pytest.raises(TooLarge) as big:
        await harness.canned.create(agent, title="big", body="é" * (MAX_BODY_LENGTH // 2 + 1))
    assert big.value.field == "body"
    with pytest.raises(TooLarge):
        await harness.canned.update(agent, saved.id, body="x" * (MAX_BODY_LENGTH + 1))
    with pytest.raises(InvalidInput):
        await harness.canned.update(agent, saved.id, title="x" * 81)
    unchanged = (await harness.canned.list_replies(agent))[0]
    assert unchanged.body == HOSTILE_BODY.strip()  # a refused edit changed nothing


async def test_hostile_people_are_filled_in_as_they_are_never_expanded(
        cast: Cast, harness: Harness) -> None:
    h = harness
    await h.accounts.update_user(cast.admin.caller, cast.a.id,
                                 display_name="{{agent.name}} <b onmouseover=x>")
    ticket = await h.ticket(cast.a, "{{customer.email}} <script>")
    reply = await h.canned.create(cast.agent.caller, title="t",
                                  body="Hi {{customer.name}}, re: {{ticket.subject}}")
    text = await h.canned.render(cast.agent.caller, reply.id, ticket.id)
    assert text == "Hi {{agent.name}} <b onmouseover=x>, re: {{customer.email}} <script>"


async def test_a_reply_that_would_fill_past_a_message_is_refused_on_insert(
        cast: Cast, harness: Harness) -> None:
    h = harness
    long_mail = await h.enroll(Role.CUSTOMER, email=("x" * 60) + "@" + ("y" * 60) + ".example")
    customer = await h.bind(long_mail.email)
    ticket = await h.desk.create(customer, subject="Long address")
    template = "{{customer.email}}" * (MAX_BODY_LENGTH // len("{{customer.email}}"))
    reply = await h.canned.create(cast.agent.caller, title="many", body=template)
    with pytest.raises(TooLarge) as refused:
        await h.canned.render(cast.agent.caller, reply.id, ticket.id)
    assert refused.value.field == "text"
