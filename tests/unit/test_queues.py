"""Queues: the built-in views, their live counts, filters and sorts."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hero_assistance.domain.errors import Forbidden, InvalidInput
from hero_assistance.domain.listing import TicketOrder
from hero_assistance.domain.queues import (
    BUILT_IN_VIEWS,
    QueueView,
    TallyRow,
    count_in,
    tally_of,
    view_filter,
)
from hero_assistance.domain.tickets import OPEN_STATUSES, Priority, TicketStatus

from .conftest import Cast, Harness

pytestmark = pytest.mark.anyio
S = TicketStatus


async def _counts(h: Harness, who: object) -> dict[tuple[str, int | None], tuple[int, object]]:
    return {(c.view.value, c.team_id): (c.count, c.unread)
            for c in await h.queues.counts(who)}  # type: ignore[arg-type]


async def test_each_view_lists_what_its_count_says(cast: Cast, harness: Harness) -> None:
    h, agent = harness, cast.agent
    team = await h.teams.create(cast.admin.caller, name="Billing", members=[agent.id])
    mine = await h.ticket(cast.a, "mine")
    await h.desk.update(agent.caller, mine.id, assignee_id=agent.id, status=S.OPEN)
    unassigned = await h.ticket(cast.b, "unassigned")
    waiting = await h.ticket(cast.a, "waiting")
    await h.desk.update(agent.caller, waiting.id, status=S.PENDING, team_id=team.id)
    done = await h.ticket(cast.b, "done")
    await h.desk.update(agent.caller, done.id, status=S.RESOLVED)
    counts = await _counts(h, agent.caller)
    expected = {
        "my_open": {mine.id}, "unassigned": {unassigned.id, waiting.id},
        "all_open": {mine.id, unassigned.id, waiting.id}, "pending": {waiting.id},
        "recently_resolved": {done.id},
    }
    for view, ids in expected.items():
        page = await h.desk.list_tickets(agent.caller, view=QueueView(view))
        assert {t.id for t in page.items} == ids, view
        assert counts[(view, None)][0] == len(ids), view
    team_page = await h.desk.list_tickets(agent.caller, view=QueueView.TEAM, team_id=team.id)
    assert [t.id for t in team_page.items] == [waiting.id]
    assert counts[("team", team.id)] == (1, None)
    # My open's unread count: the agent made every change on "mine" themselves.
    assert counts[("my_open", None)] == (1, 0)
    await h.talk.post(cast.a.caller, mine.id, body="any news?")
    assert (await _counts(h, agent.caller))[("my_open", None)] == (1, 1)


async def test_filters_narrow_a_view_and_contradictions_are_refused(
        cast: Cast, harness: Harness) -> None:
    h, agent = harness, cast.agent.caller
    urgent = await h.ticket(cast.a, "urgent", priority=Priority.URGENT, tags=["vip"])
    await h.ticket(cast.b, "normal")
    page = await h.desk.list_tickets(agent, view=QueueView.ALL_OPEN,
                                     priorities=[Priority.URGENT])
    assert [t.id for t in page.items] == [urgent.id]
    by_tag = await h.desk.list_tickets(agent, view=QueueView.UNASSIGNED, tag="vip")
    assert [t.id for t in by_tag.items] == [urgent.id]
    by_requester = await h.desk.list_tickets(agent, view=QueueView.ALL_OPEN,
                                             requester_id=cast.b.id)
    assert [t.subject for t in by_requester.items] == ["normal"]
    with pytest.raises(InvalidInput):
        await h.desk.list_tickets(agent, view=QueueView.PENDING, statuses=[S.NEW])
    with pytest.raises(InvalidInput):
        await h.desk.list_tickets(agent, view=QueueView.MY_OPEN, assignee_id=cast.admin.id)
    with pytest.raises(InvalidInput):
        await h.desk.list_tickets(agent, view=QueueView.UNASSIGNED, assignee_id=cast.agent.id)
    with pytest.raises(InvalidInput):
        await h.desk.list_tickets(agent, view=QueueView.TEAM)
    with pytest.raises(InvalidInput):
        await h.desk.list_tickets(agent, view=QueueView.PENDING, team_id=1,
                                  unassigned=True, assignee_id=cast.agent.id)


async def test_customers_have_no_queues_or_teams_only_their_own_count(
        cast: Cast, harness: Harness) -> None:
    h = harness
    for customer in (cast.a, cast.b):
        with pytest.raises(Forbidden):
            await h.desk.list_tickets(customer.caller, view=QueueView.ALL_OPEN)
        with pytest.raises(Forbidden):
            await h.desk.list_tickets(customer.caller, team_id=1)
    await h.teams.create(cast.admin.caller, name="Billing")
    own = await h.ticket(cast.a)
    await h.ticket(cast.b)
    harness.tick(5)
    await h.talk.post(cast.agent.caller, own.id, body="we answered")
    counts = await h.queues.counts(cast.a.caller)
    assert [(c.view, c.team_id, c.count, c.unread) for c in counts] == [
        (QueueView.ALL_OPEN, None, 1, 1)]
    await h.see_all()
    (shared,) = await h.queues.counts(cast.a.caller)
    assert shared.count == 2


async def test_sorting_by_priority_creation_and_update(cast: Cast, harness: Harness) -> None:
    h, agent = harness, cast.agent.caller
    low = await h.ticket(cast.a, "low", priority=Priority.LOW)
    h.tick()
    urgent = await h.ticket(cast.a, "urgent", priority=Priority.URGENT)
    h.tick()
    high = await h.ticket(cast.a, "high", priority=Priority.HIGH)
    h.tick()
    await h.talk.post(cast.a.caller, low.id, body="bump")

    async def order(chosen: TicketOrder) -> list[int]:
        page = await h.desk.list_tickets(agent, view=QueueView.ALL_OPEN, order=chosen, limit=2)
        found = [t.id for t in page.items]
        if page.next_cursor:
            more = await h.desk.list_tickets(agent, view=QueueView.ALL_OPEN, order=chosen,
                                             limit=2, cursor=page.next_cursor)
            found += [t.id for t in more.items]
        return found

    assert await order(TicketOrder.PRIORITY) == [urgent.id, high.id, low.id]
    assert await order(TicketOrder.NEWEST) == [high.id, urgent.id, low.id]
    assert await order(TicketOrder.UPDATED) == [low.id, high.id, urgent.id]


def test_every_built_in_view_filters_open_work_or_its_own_status() -> None:
    for view in BUILT_IN_VIEWS:
        wanted = view_filter(view, me=7)
        if view is QueueView.PENDING:
            assert wanted.statuses == {S.PENDING}
        elif view is QueueView.RECENTLY_RESOLVED:
            assert wanted.statuses == {S.RESOLVED}
        else:
            assert wanted.statuses == OPEN_STATUSES
    assert view_filter(QueueView.MY_OPEN, me=7).assignee_id == 7


rows = st.lists(st.tuples(st.sampled_from(list(S)), st.sampled_from([None, 1, 2]),
                          st.sampled_from([None, 10, 11])), max_size=60)


@given(tickets=rows, view=st.sampled_from(list(QueueView)), team=st.sampled_from([10, 11]))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_a_count_from_the_tally_equals_counting_the_tickets(
        tickets: list[tuple[S, int | None, int | None]], view: QueueView, team: int) -> None:
    wanted = view_filter(view, me=1, team_id=team if view is QueueView.TEAM else None)
    expected = sum(
        1 for status, assignee, team_id in tickets
        if status in wanted.statuses
        and (wanted.assignee_id is None or assignee == wanted.assignee_id)
        and (not wanted.unassigned or assignee is None)
        and (wanted.team_id is None or team_id == wanted.team_id))
    tally = tally_of(tickets)
    assert count_in(tally, wanted) == expected
    assert sum(r.count for r in tally) == len(tickets)
    assert all(isinstance(r, TallyRow) and r.count > 0 for r in tally)
