"""Conversation: replies, internal notes, threads, edits and their revisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hero_assistance.domain.errors import Forbidden, InvalidInput, NotFound, TooLarge
from hero_assistance.domain.events import EventKind
from hero_assistance.domain.messages import MessageRevision, Visibility
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.tickets import MAX_BODY_LENGTH, TicketStatus

from .conftest import Cast, Harness
from .images import gif_image, png_image

pytestmark = pytest.mark.anyio

PUBLIC, INTERNAL = Visibility.PUBLIC, Visibility.INTERNAL


async def _state(h: Harness) -> tuple[object, ...]:
    def grab(r: Repositories) -> tuple[object, ...]:
        return (
            [r.messages.get(i) for i in range(1, 50)],
            [r.messages.revisions(i) for i in range(1, 50)],
            [r.tickets.get(i) for i in range(1, 10)],
            r.events.last_seq(),
        )

    return await h.read(grab)


async def test_a_reply_is_stored_in_order_and_announced(cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    harness.tick(30)
    first = await harness.talk.post(cast.a.caller, ticket.id, body="  It smokes.  ")
    harness.tick(30)
    second = await harness.talk.post(cast.agent.caller, ticket.id, body="Unplug it.")
    assert first.body == "It smokes."
    assert first.author_id == cast.a.id
    assert first.visibility is PUBLIC
    assert first.parent_id is None
    assert first.created_at == harness.clock.now() - timedelta(seconds=30)
    assert first.edited_at is None
    listed = await harness.talk.list_messages(cast.a.caller, ticket.id)
    assert listed == [first, second]
    event = harness.publisher.published[-1]
    assert event.kind is EventKind.MESSAGE_CREATED
    assert (event.ticket_id, event.requester_id, event.internal) == (
        ticket.id, cast.a.id, False)
    assert event.data["message"]["body"] == "Unplug it."  # type: ignore[index]


async def test_posting_bumps_the_tickets_updated_at(cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    harness.tick(3600)
    await harness.talk.post(cast.a.caller, ticket.id, body="bump")
    bumped = await harness.desk.get(cast.a.caller, ticket.id)
    assert bumped.updated_at == harness.clock.now()
    assert bumped.created_at == ticket.created_at
    assert bumped.status is ticket.status


async def test_an_internal_note_leaves_the_ticket_as_the_customer_sees_it(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    harness.tick(3600)
    await harness.talk.post(cast.agent.caller, ticket.id, body="aside", visibility=INTERNAL)
    after = await harness.desk.get(cast.a.caller, ticket.id)
    # Only the staff-side activity moved (it drives the agents' unread state).
    assert replace(after, activity_at=ticket.activity_at) == ticket
    assert after.updated_at == ticket.updated_at
    assert after.last_activity == harness.clock.now()
    assert harness.published()[-1].kind is EventKind.MESSAGE_CREATED


async def test_the_requesters_answer_puts_a_pending_ticket_back_to_open(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    await harness.desk.update(cast.agent.caller, ticket.id, status=TicketStatus.PENDING)
    harness.tick(60)
    await harness.talk.post(cast.agent.caller, ticket.id, body="still waiting for you")
    assert (await harness.desk.get(cast.a.caller, ticket.id)).status is TicketStatus.PENDING
    await harness.talk.post(cast.a.caller, ticket.id, body="here is the log")
    reopened = await harness.desk.get(cast.a.caller, ticket.id)
    assert reopened.status is TicketStatus.OPEN
    last = (await harness.desk.history(cast.agent.caller, ticket.id))[-1]
    assert (last.actor_id, last.field, last.old, last.new) == (
        cast.a.id, "status", "pending", "open")
    kinds = [e.kind for e in harness.published()[-2:]]
    assert kinds == [EventKind.MESSAGE_CREATED, EventKind.TICKET_UPDATED]


async def test_threads_hang_replies_under_a_parent_of_the_same_ticket(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    root = await harness.talk.post(cast.a.caller, ticket.id, body="question")
    reply = await harness.talk.post(cast.agent.caller, ticket.id, body="answer",
                                    parent_id=root.id)
    nested = await harness.talk.post(cast.a.caller, ticket.id, body="thanks",
                                     parent_id=reply.id)
    note = await harness.talk.post(cast.agent.caller, ticket.id, body="aside",
                                   parent_id=reply.id, visibility=INTERNAL)
    note_reply = await harness.talk.post(cast.admin.caller, ticket.id, body="agreed",
                                         parent_id=note.id, visibility=INTERNAL)
    assert (reply.parent_id, nested.parent_id, note.parent_id, note_reply.parent_id) == (
        root.id, reply.id, reply.id, note.id)


async def test_a_public_reply_under_an_internal_note_is_refused(cast: Cast,
                                                                harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    note = await harness.note(cast.agent, ticket.id, "internal")
    before = await _state(harness)
    with pytest.raises(InvalidInput) as refused:
        await harness.talk.post(cast.agent.caller, ticket.id, body="public", parent_id=note)
    assert refused.value.field == "parent_id"
    assert "internal note" in refused.value.problem
    assert await _state(harness) == before


async def test_a_parent_on_another_visible_ticket_is_invalid(cast: Cast,
                                                             harness: Harness) -> None:
    one = await harness.ticket(cast.a, "one")
    two = await harness.ticket(cast.a, "two")
    elsewhere = await harness.talk.post(cast.a.caller, one.id, body="on one")
    for who in (cast.a, cast.agent):
        with pytest.raises(InvalidInput) as refused:
            await harness.talk.post(who.caller, two.id, body="x", parent_id=elsewhere.id)
        assert refused.value.field == "parent_id"
        assert "another ticket" in refused.value.problem


async def test_unknown_and_hidden_parents_are_not_found(cast: Cast, harness: Harness) -> None:
    mine = await harness.ticket(cast.a)
    bobs = await harness.ticket(cast.b)
    bobs_reply = await harness.talk.post(cast.b.caller, bobs.id, body="Bob's words")
    note = await harness.note(cast.agent, mine.id, "staff only")
    before = await _state(harness)
    # A customer learns nothing about messages they cannot read: not that a note
    # exists on their own ticket, nor that a message exists on someone else's.
    for parent in (9999, note, bobs_reply.id):
        with pytest.raises(NotFound, match=f"message {parent} does not exist"):
            await harness.talk.post(cast.a.caller, mine.id, body="hi", parent_id=parent)
    with pytest.raises(NotFound):
        await harness.talk.post(cast.agent.caller, mine.id, body="hi", parent_id=9999)
    assert await _state(harness) == before


async def test_customers_cannot_write_internal_notes(cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    with pytest.raises(Forbidden, match="internal notes"):
        await harness.talk.post(cast.a.caller, ticket.id, body="psst", visibility=INTERNAL)
    assert await harness.talk.list_messages(cast.agent.caller, ticket.id) == []


@pytest.mark.parametrize(("body", "error"), [
    ("", InvalidInput), ("   \n\t", InvalidInput), ("nul\x00", InvalidInput),
    ("x" * (MAX_BODY_LENGTH + 1), TooLarge),
])
async def test_bad_bodies_are_refused_on_the_body_field(cast: Cast, harness: Harness,
                                                        body: str,
                                                        error: type[InvalidInput]) -> None:
    ticket = await harness.ticket(cast.a)
    before = await _state(harness)
    with pytest.raises(error) as refused:
        await harness.talk.post(cast.a.caller, ticket.id, body=body)
    assert refused.value.field == "body"
    assert await _state(harness) == before


async def test_an_image_alone_is_a_message_but_it_must_be_readable_by_the_poster(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    mine = await harness.library.upload(cast.a.caller, png_image())
    alone = await harness.talk.post(cast.a.caller, ticket.id, body="",
                                    attachments=[mine.sha256.upper()])
    assert alone.attachments == (mine.sha256,)
    assert alone.body == ""
    bobs = await harness.library.upload(cast.b.caller, gif_image())
    before = await _state(harness)
    for ref in (bobs.sha256, "0" * 64):
        with pytest.raises(NotFound, match="attachment"):
            await harness.talk.post(cast.a.caller, ticket.id, body="look",
                                    attachments=[mine.sha256, ref])
    with pytest.raises(InvalidInput) as bad_ref:
        await harness.talk.post(cast.a.caller, ticket.id, body="x", attachments=["x.png"])
    assert bad_ref.value.field == "attachments"
    assert await _state(harness) == before


async def test_an_image_shown_on_a_visible_ticket_may_be_reposted_by_its_readers(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    shot = await harness.library.upload(cast.a.caller, png_image())
    await harness.talk.post(cast.a.caller, ticket.id, body="see", attachments=[shot.sha256])
    quoted = await harness.talk.post(cast.agent.caller, ticket.id, body="this one?",
                                     attachments=[shot.sha256])
    assert quoted.attachments == (shot.sha256,)


async def test_edits_keep_every_earlier_text_as_numbered_revisions(cast: Cast,
                                                                   harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    message = await harness.talk.post(cast.a.caller, ticket.id, body="v1")
    created = harness.clock.now()
    harness.tick(10)
    second = await harness.talk.edit(cast.a.caller, message.id, body=" v2 ")
    t2 = harness.clock.now()
    harness.tick(10)
    third = await harness.talk.edit(cast.admin.caller, message.id, body="v3")
    t3 = harness.clock.now()
    assert second.body == "v2"
    assert second.edited_at == t2
    assert (third.body, third.edited_at, third.created_at, third.author_id) == (
        "v3", t3, created, cast.a.id)
    assert await harness.talk.revisions(cast.a.caller, message.id) == [
        MessageRevision(message_id=message.id, number=1, body="v1", editor_id=cast.a.id,
                        replaced_at=t2),
        MessageRevision(message_id=message.id, number=2, body="v2",
                        editor_id=cast.admin.id, replaced_at=t3),
    ]
    assert (await harness.talk.list_messages(cast.agent.caller, ticket.id)) == [third]
    edited = harness.publisher.published[-1]
    assert edited.kind is EventKind.MESSAGE_EDITED
    assert edited.occurred_at == t3
    assert edited.data["message"]["body"] == "v3"  # type: ignore[index]


async def test_an_edit_to_the_same_text_keeps_no_revision_and_says_nothing(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    message = await harness.talk.post(cast.a.caller, ticket.id, body="same")
    before = await _state(harness)
    published = len(harness.publisher.published)
    assert await harness.talk.edit(cast.a.caller, message.id, body=" same\n") == message
    assert await _state(harness) == before
    assert len(harness.publisher.published) == published


async def test_only_the_author_or_an_admin_edits(cast: Cast, harness: Harness) -> None:
    await harness.see_all()
    ticket = await harness.ticket(cast.a)
    message = await harness.talk.post(cast.a.caller, ticket.id, body="Alice wrote this")
    note = await harness.note(cast.agent, ticket.id, "Agnes wrote this")
    other_agent = await harness.agent()
    before = await _state(harness)
    for who, target in ((cast.b, message.id), (cast.agent, message.id),
                        (other_agent, note)):
        with pytest.raises(Forbidden, match="only the author"):
            await harness.talk.edit(who.caller, target, body="rewritten")
    assert await _state(harness) == before
    await harness.talk.edit(cast.admin.caller, note, body="fixed by admin")


async def test_edit_refuses_empty_text_unless_the_message_carries_an_image(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    text_only = await harness.talk.post(cast.a.caller, ticket.id, body="words")
    with pytest.raises(InvalidInput) as refused:
        await harness.talk.edit(cast.a.caller, text_only.id, body="  ")
    assert refused.value.field == "body"
    shot = await harness.library.upload(cast.a.caller, png_image())
    with_image = await harness.talk.post(cast.a.caller, ticket.id, body="caption",
                                         attachments=[shot.sha256])
    cleared = await harness.talk.edit(cast.a.caller, with_image.id, body="")
    assert (cleared.body, cleared.attachments) == ("", (shot.sha256,))


async def test_hidden_messages_cannot_be_edited_or_inspected(cast: Cast,
                                                             harness: Harness) -> None:
    mine = await harness.ticket(cast.a)
    bobs = await harness.ticket(cast.b)
    bobs_message = await harness.talk.post(cast.b.caller, bobs.id, body="Bob")
    note = await harness.note(cast.agent, mine.id, "note")
    for target in (bobs_message.id, note, 777):
        with pytest.raises(NotFound, match=f"message {target} does not exist"):
            await harness.talk.edit(cast.a.caller, target, body="x")
        with pytest.raises(NotFound, match=f"message {target} does not exist"):
            await harness.talk.revisions(cast.a.caller, target)


async def test_message_lists_page_by_id_and_validate_their_window(cast: Cast,
                                                                  harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    posted = [await harness.talk.post(cast.a.caller, ticket.id, body=f"m{i}")
              for i in range(5)]
    page = await harness.talk.list_messages(cast.a.caller, ticket.id, after_id=posted[1].id,
                                            limit=2)
    assert page == posted[2:4]
    for kw, field in (({"limit": 0}, "limit"), ({"limit": 501}, "limit"),
                      ({"after_id": -1}, "after_id")):
        with pytest.raises(InvalidInput) as refused:
            await harness.talk.list_messages(cast.a.caller, ticket.id, **kw)  # type: ignore[arg-type]
        assert refused.value.field == field


async def test_messages_on_unknown_tickets_are_not_found(cast: Cast, harness: Harness) -> None:
    with pytest.raises(NotFound, match="ticket 42"):
        await harness.talk.post(cast.agent.caller, 42, body="hello")
    with pytest.raises(NotFound, match="ticket 42"):
        await harness.talk.list_messages(cast.agent.caller, 42)
