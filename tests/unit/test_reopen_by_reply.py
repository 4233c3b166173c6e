"""A customer's reply puts a resolved or closed ticket back in the agents' queue.

Before this rule the reply landed on a ticket that stayed resolved: it was in no open
queue and nothing showed it had been answered.
"""

from __future__ import annotations

import pytest

from hero_assistance.domain.events import EventKind
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.tickets import REOPENED_BY_REPLY, TicketStatus

from .conftest import Cast, Harness

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("done", [TicketStatus.RESOLVED, TicketStatus.CLOSED])
async def test_the_requesters_reply_reopens_a_finished_ticket(
        cast: Cast, harness: Harness, done: TicketStatus) -> None:
    ticket = await harness.ticket(cast.a)
    await harness.desk.update(cast.agent.caller, ticket.id, status=done)
    harness.tick(60)
    await harness.talk.post(cast.a.caller, ticket.id, body="it broke again")
    reopened = await harness.desk.get(cast.agent.caller, ticket.id)
    assert reopened.status is TicketStatus.OPEN
    assert reopened.updated_at == harness.clock.now()
    last = (await harness.desk.history(cast.a.caller, ticket.id))[-1]
    assert (last.actor_id, last.field, last.old, last.new, last.reason) == (
        cast.a.id, "status", done.value, "open", REOPENED_BY_REPLY)
    message, update = harness.published()[-2:]
    assert message.kind is EventKind.MESSAGE_CREATED
    assert update.kind is EventKind.TICKET_UPDATED
    assert not update.internal  # the customer's own tab hears it too
    assert update.data["changed"] == ["status"]
    assert update.data["reason"] == REOPENED_BY_REPLY
    assert update.data["actor_id"] == cast.a.id
    assert update.data["ticket"]["status"] == "open"  # type: ignore[index]
    # Back in the queue the agents work from.
    open_ids = {t.id for t in (await harness.desk.list_tickets(
        cast.agent.caller, statuses=[TicketStatus.NEW, TicketStatus.OPEN])).items}
    assert ticket.id in open_ids


async def test_staff_replies_and_notes_leave_a_resolved_ticket_resolved(
        cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    await harness.desk.update(cast.agent.caller, ticket.id, status=TicketStatus.RESOLVED)
    await harness.talk.post(cast.agent.caller, ticket.id, body="glad it works")
    await harness.talk.post(cast.agent.caller, ticket.id, body="closing soon",
                            visibility=Visibility.INTERNAL)
    assert (await harness.desk.get(cast.a.caller, ticket.id)).status is TicketStatus.RESOLVED
    assert [c.field for c in await harness.desk.history(cast.agent.caller, ticket.id)] == [
        "created", "status"]


async def test_a_colleague_of_the_requester_reopens_it_in_a_shared_project(
        cast: Cast, harness: Harness) -> None:
    await harness.see_all()
    ticket = await harness.ticket(cast.a)
    await harness.desk.update(cast.agent.caller, ticket.id, status=TicketStatus.CLOSED)
    await harness.talk.post(cast.b.caller, ticket.id, body="same problem here")
    assert (await harness.desk.get(cast.a.caller, ticket.id)).status is TicketStatus.OPEN


async def test_a_reply_on_a_new_or_open_ticket_keeps_its_status(
        cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    await harness.talk.post(cast.a.caller, ticket.id, body="more detail")
    assert (await harness.desk.get(cast.a.caller, ticket.id)).status is TicketStatus.NEW
    await harness.desk.update(cast.agent.caller, ticket.id, status=TicketStatus.OPEN)
    await harness.talk.post(cast.a.caller, ticket.id, body="and more")
    assert (await harness.desk.get(cast.a.caller, ticket.id)).status is TicketStatus.OPEN
