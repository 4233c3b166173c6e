"""Service levels through the use cases, with a fake clock: the scenario of the issue as
people live it (filing, a status change, a customer's answer, a reply), and the admin's
settings with their refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hero_assistance.domain.business_calendar import DEFAULT_CALENDAR, WorkingHours
from hero_assistance.domain.errors import InvalidInput
from hero_assistance.domain.service_levels import Target, TargetKind
from hero_assistance.domain.sla_clock import TurnOutcome
from hero_assistance.domain.tickets import Priority, TicketStatus

from .conftest import Cast, Harness

pytestmark = pytest.mark.anyio

AMS = ZoneInfo("Europe/Amsterdam")
FIRST = TargetKind.FIRST_RESPONSE
WEEKDAYS_9_TO_17 = [WorkingHours(d, 9 * 60, 17 * 60) for d in range(5)]


@pytest.fixture
def h(harness: Harness) -> Harness:
    return harness


def amsterdam(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMS).astimezone(UTC)  # type: ignore[misc]


def wait_until(h: Harness, moment: datetime) -> None:
    h.clock.advance(moment - h.clock.now())


async def test_the_scenario_of_the_issue_through_the_use_cases(h: Harness, cast: Cast
                                                               ) -> None:
    admin, agent, customer = cast.admin.caller, cast.agent.caller, cast.a.caller
    await h.service_levels.set_calendar(admin, zone="Europe/Amsterdam", hours=WEEKDAYS_9_TO_17)
    await h.service_levels.set_policy(admin, Priority.URGENT, [Target(FIRST, 60)])

    wait_until(h, amsterdam(2026, 3, 6, 16, 30))  # a Friday
    ticket = await h.desk.create(customer, subject="Everything is down",
                                 priority=Priority.URGENT)
    turn = (await h.service_levels.for_ticket(agent, ticket.id)).state.current(FIRST)
    assert turn is not None
    assert turn.due_at == amsterdam(2026, 3, 9, 9, 30)

    wait_until(h, amsterdam(2026, 3, 9, 9, 10))  # Monday: pending, without a reply
    await h.desk.update(agent, ticket.id, status=TicketStatus.PENDING)
    wait_until(h, amsterdam(2026, 3, 9, 16))
    turn = (await h.service_levels.for_ticket(agent, ticket.id)).state.current(FIRST)
    assert turn is not None
    assert (turn.outcome, turn.due_at, turn.left) == (
        TurnOutcome.PAUSED, None, timedelta(minutes=20))

    wait_until(h, amsterdam(2026, 3, 10, 10))  # Tuesday: the customer answers
    await h.talk.post(customer, ticket.id, body="Still down, please help")
    found = await h.service_levels.for_ticket(agent, ticket.id)
    assert found.ticket.status is TicketStatus.OPEN
    turn = found.state.current(FIRST)
    assert turn is not None
    assert turn.due_at == amsterdam(2026, 3, 10, 10, 20)

    wait_until(h, amsterdam(2026, 3, 10, 10, 25))
    await h.talk.post(agent, ticket.id, body="Restarting the service now.")
    turn = (await h.service_levels.for_ticket(customer, ticket.id)).state.current(FIRST)
    assert turn is not None
    assert turn.outcome is TurnOutcome.BREACHED
    assert turn.left == -timedelta(minutes=5)  # 5 business minutes late


async def test_internal_notes_do_not_answer_and_a_priority_change_applies_its_policy(
    h: Harness, cast: Cast
) -> None:
    admin, agent = cast.admin.caller, cast.agent.caller
    await h.service_levels.set_policy(admin, Priority.HIGH, [Target(FIRST, 30, business=False)])
    ticket = await h.ticket(cast.a)  # normal: no policy
    assert (await h.service_levels.for_ticket(agent, ticket.id)).state.turns == ()
    await h.desk.update(agent, ticket.id, priority=Priority.HIGH)
    await h.note(cast.agent, ticket.id, "Looking into it")
    h.tick(31 * 60)
    turn = (await h.service_levels.for_ticket(agent, ticket.id)).state.current(FIRST)
    assert turn is not None
    assert (turn.is_open, turn.outcome) == (True, TurnOutcome.BREACHED)


async def test_settings_start_from_the_default_calendar(h: Harness, cast: Cast) -> None:
    found = await h.service_levels.settings(cast.agent.caller)
    assert (found.calendar, found.is_default, found.policies) == (DEFAULT_CALENDAR, True, ())
    await h.service_levels.set_calendar(cast.admin.caller, zone="Europe/Amsterdam",
                                        hours=WEEKDAYS_9_TO_17, holidays=[date(2026, 12, 25)])
    found = await h.service_levels.settings(cast.agent.caller)
    assert (found.calendar.zone, found.is_default) == ("Europe/Amsterdam", False)


async def test_no_targets_removes_a_policy(h: Harness, cast: Cast) -> None:
    admin = cast.admin.caller
    await h.service_levels.set_policy(admin, Priority.LOW, [Target(FIRST, 600)])
    assert await h.service_levels.set_policy(admin, Priority.LOW, []) is None
    assert (await h.service_levels.settings(admin)).policies == ()


async def test_a_refused_setting_changes_nothing(h: Harness, cast: Cast) -> None:
    admin = cast.admin.caller
    await h.service_levels.set_calendar(admin, zone="UTC", hours=WEEKDAYS_9_TO_17)
    await h.service_levels.set_policy(admin, Priority.LOW, [Target(FIRST, 600)])
    before = await h.service_levels.settings(admin)
    with pytest.raises(InvalidInput):
        await h.service_levels.set_calendar(admin, zone="Nowhere/Land", hours=WEEKDAYS_9_TO_17)
    with pytest.raises(InvalidInput):
        await h.service_levels.set_calendar(admin, zone="UTC", hours=[
            WorkingHours(0, 540, 780), WorkingHours(0, 720, 1020)])
    with pytest.raises(InvalidInput):
        await h.service_levels.set_policy(admin, Priority.LOW, [Target(FIRST, 10**9)])
    assert await h.service_levels.settings(admin) == before
