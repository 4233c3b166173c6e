"""Unread state, kept by the server per user: markers, read/unread, own activity, live."""

from __future__ import annotations

import pytest

from hero_assistance.domain.events import EventKind
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.tickets import Priority, TicketStatus

from .conftest import Cast, Harness

pytestmark = pytest.mark.anyio


async def test_a_new_ticket_is_unread_for_staff_until_opened(cast: Cast,
                                                             harness: Harness) -> None:
    harness.tick(60)
    ticket = await harness.ticket(cast.a)
    agent = cast.agent.caller
    assert await harness.reads.unread_among(agent, [ticket.id]) == {ticket.id}
    # Filing it was the customer's own activity: nothing is unread for them.
    assert await harness.reads.unread_among(cast.a.caller, [ticket.id]) == set()
    assert await harness.reads.mark_read(agent, ticket.id) is True
    assert await harness.reads.unread_among(agent, [ticket.id]) == set()
    assert await harness.reads.mark_read(agent, ticket.id) is False  # already read


async def test_someone_elses_reply_makes_it_unread_again_and_ones_own_does_not(
        cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    agent = cast.agent.caller
    await harness.reads.mark_read(agent, ticket.id)
    await harness.talk.post(agent, ticket.id, body="on it")
    assert await harness.reads.unread_among(agent, [ticket.id]) == set()
    assert await harness.reads.unread_among(cast.a.caller, [ticket.id]) == {ticket.id}
    await harness.reads.mark_read(cast.a.caller, ticket.id)
    await harness.talk.post(cast.a.caller, ticket.id, body="thanks")
    assert await harness.reads.unread_among(agent, [ticket.id]) == {ticket.id}
    assert await harness.reads.unread_among(cast.a.caller, [ticket.id]) == set()


async def test_internal_notes_are_unread_news_for_staff_only(cast: Cast,
                                                              harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    colleague = await harness.agent(name="Colleague")
    for who in (cast.a, cast.agent, colleague):
        await harness.reads.mark_read(who.caller, ticket.id)
    await harness.note(cast.agent, ticket.id, "check the logs")
    assert await harness.reads.unread_among(colleague.caller, [ticket.id]) == {ticket.id}
    assert await harness.reads.unread_among(cast.agent.caller, [ticket.id]) == set()
    # A customer cannot tell a note was written.
    assert await harness.reads.unread_among(cast.a.caller, [ticket.id]) == set()


async def test_acting_without_having_read_keeps_others_news_unread(
        cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    agent = cast.agent.caller
    await harness.reads.mark_read(agent, ticket.id)
    await harness.talk.post(cast.a.caller, ticket.id, body="it still fails")
    # The agent bumps the priority from the list without opening the ticket.
    await harness.desk.update(agent, ticket.id, priority=Priority.HIGH)
    assert await harness.reads.unread_among(agent, [ticket.id]) == {ticket.id}


async def test_mark_unread_shows_it_again_on_every_device_of_the_user(
        cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    agent = cast.agent.caller
    await harness.reads.mark_read(agent, ticket.id)
    before = len(harness.published())
    assert await harness.reads.mark_unread(agent, ticket.id) is True
    assert await harness.reads.unread_among(agent, [ticket.id]) == {ticket.id}
    phone = await harness.second_device(cast.agent)
    assert await harness.reads.unread_among(phone, [ticket.id]) == {ticket.id}
    (event,) = harness.published()[before:]
    assert event.kind is EventKind.READ_CHANGED
    assert (event.seq, event.recipient_id, event.ticket_id) == (None, cast.agent.id, ticket.id)
    assert event.data == {"ticket_id": ticket.id, "unread": True}
    assert await harness.reads.mark_unread(agent, ticket.id) is False
    assert len(harness.published()) == before + 1  # no news, no event


async def test_tickets_older_than_the_account_are_not_unread(cast: Cast,
                                                             harness: Harness) -> None:
    old = await harness.ticket(cast.a, "from before")
    harness.tick(3600)
    newcomer = await harness.agent(name="Newcomer")
    harness.tick(60)
    new = await harness.ticket(cast.a, "after")
    assert await harness.reads.unread_among(newcomer.caller, [old.id, new.id]) == {new.id}
    await harness.talk.post(cast.a.caller, old.id, body="bump")
    assert await harness.reads.unread_among(newcomer.caller, [old.id, new.id]) == {
        old.id, new.id}


async def test_markers_never_cover_tickets_the_caller_cannot_see(cast: Cast,
                                                                 harness: Harness) -> None:
    mine = await harness.ticket(cast.a)
    theirs = await harness.ticket(cast.b)
    await harness.talk.post(cast.agent.caller, mine.id, body="x")
    await harness.talk.post(cast.agent.caller, theirs.id, body="y")
    assert await harness.reads.unread_among(cast.a.caller, [mine.id, theirs.id, 999]) == {
        mine.id}
    with pytest.raises(Exception, match="does not exist"):
        await harness.reads.mark_read(cast.a.caller, theirs.id)


async def test_a_reopening_reply_is_unread_for_the_agent(cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    await harness.desk.update(cast.agent.caller, ticket.id, status=TicketStatus.RESOLVED)
    await harness.reads.mark_read(cast.agent.caller, ticket.id)
    await harness.talk.post(cast.a.caller, ticket.id, body="broken again",
                            visibility=Visibility.PUBLIC)
    assert await harness.reads.unread_among(cast.agent.caller, [ticket.id]) == {ticket.id}


async def test_a_list_page_carries_its_unread_markers_from_the_same_read(
        cast: Cast, harness: Harness) -> None:
    harness.tick(60)
    seen = await harness.ticket(cast.a, "seen")
    news = await harness.ticket(cast.a, "news")
    await harness.reads.mark_read(cast.agent.caller, seen.id)
    page = await harness.desk.list_tickets(cast.agent.caller)
    assert {t.id for t in page.items} == {seen.id, news.id}
    assert page.unread == {news.id}
    assert (await harness.desk.list_tickets(cast.a.caller)).unread == frozenset()
