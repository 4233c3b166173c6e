"""Bulk changes: one request, policy per ticket, a result per ticket."""

from __future__ import annotations

import pytest

from hero_assistance.domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from hero_assistance.domain.events import EventKind
from hero_assistance.domain.services import KEEP, TicketChangeRequest
from hero_assistance.domain.tickets import Priority, TicketStatus

from .conftest import Cast, Harness

pytestmark = pytest.mark.anyio


async def test_one_request_changes_many_and_refuses_some_each_with_its_reason(
        cast: Cast, harness: Harness) -> None:
    h = harness
    team = await h.teams.create(cast.admin.caller, name="Billing")
    tickets = [await h.ticket(cast.a, f"t{i}", tags=["old"]) for i in range(3)]
    closed = await h.ticket(cast.b, "closed")
    await h.desk.update(cast.agent.caller, closed.id, status=TicketStatus.CLOSED)
    ids = [t.id for t in tickets] + [closed.id, 999, tickets[0].id]
    before = len(h.published())
    outcomes = await h.desk.bulk_update(cast.agent.caller, ids, TicketChangeRequest(
        status=TicketStatus.PENDING, priority=Priority.HIGH, assignee_id=cast.agent.id,
        team_id=team.id, add_tags=("vip",), remove_tags=("old",)))
    assert [o.ticket_id for o in outcomes] == [*(t.id for t in tickets), closed.id, 999]
    for outcome in outcomes[:3]:
        assert outcome.error is None
        assert outcome.ticket is not None
        t = outcome.ticket
        assert (t.status, t.priority, t.assignee_id, t.team_id, t.tags) == (
            TicketStatus.PENDING, Priority.HIGH, cast.agent.id, team.id, ("vip",))
    assert isinstance(outcomes[3].error, IllegalTransition)  # closed cannot be pending
    assert isinstance(outcomes[4].error, NotFound)
    # The refused ones are untouched; every change was announced once per ticket.
    assert (await h.desk.get(cast.agent.caller, closed.id)).priority is Priority.NORMAL
    published = h.published()[before:]
    assert sorted(e.ticket_id or 0 for e in published
                  if e.kind is EventKind.TICKET_UPDATED and not e.internal) == sorted(
        t.id for t in tickets)


async def test_policy_is_checked_per_ticket(cast: Cast, harness: Harness) -> None:
    h = harness
    own = await h.ticket(cast.a, "own")
    other = await h.ticket(cast.b, "other")
    outcomes = await h.desk.bulk_update(cast.a.caller, [own.id, other.id],
                                        TicketChangeRequest(status=TicketStatus.CLOSED))
    assert outcomes[0].ticket is not None
    assert outcomes[0].ticket.status is TicketStatus.CLOSED
    assert isinstance(outcomes[1].error, NotFound)  # hidden, not "forbidden"
    refused = await h.desk.bulk_update(cast.a.caller, [own.id],
                                       TicketChangeRequest(priority=Priority.URGENT))
    assert isinstance(refused[0].error, Forbidden)


async def test_bulk_requests_are_bounded(cast: Cast, harness: Harness) -> None:
    change = TicketChangeRequest(status=KEEP, priority=Priority.LOW)
    with pytest.raises(InvalidInput):
        await harness.desk.bulk_update(cast.agent.caller, [], change)
    with pytest.raises(InvalidInput):
        await harness.desk.bulk_update(cast.agent.caller, list(range(1, 102)), change)
    with pytest.raises(InvalidInput) as bad_tag:
        await harness.desk.bulk_update(cast.agent.caller, [1],
                                       TicketChangeRequest(add_tags=("not a tag",)))
    assert bad_tag.value.field == "tags"
