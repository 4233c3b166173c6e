"""The service-level clock over a ticket's own history: turns, pauses, stops, reopens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hero_assistance.domain.business_calendar import (
    BusinessCalendar,
    WorkingHours,
    clean_calendar,
)
from hero_assistance.domain.errors import InvalidInput
from hero_assistance.domain.service_levels import (
    MAX_TARGET_MINUTES,
    ServiceLevelPolicy,
    Target,
    TargetKind,
    clean_policy,
)
from hero_assistance.domain.sla_clock import (
    MomentKind,
    TicketMoment,
    TicketTimeline,
    TurnOutcome,
    service_level,
)
from hero_assistance.domain.tickets import Priority, TicketStatus

AMS = ZoneInfo("Europe/Amsterdam")
MIN = timedelta(minutes=1)
FIRST, NEXT, RESOLVE = TargetKind.FIRST_RESPONSE, TargetKind.NEXT_RESPONSE, TargetKind.RESOLUTION
NINE_TO_FIVE = clean_calendar(zone="Europe/Amsterdam",
                              hours=[WorkingHours(d, 9 * 60, 17 * 60) for d in range(5)])


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMS).astimezone(UTC)  # type: ignore[misc]


def status(moment: datetime, to: TicketStatus) -> TicketMoment:
    return TicketMoment(moment, MomentKind.STATUS, to)


def customer(moment: datetime) -> TicketMoment:
    return TicketMoment(moment, MomentKind.CUSTOMER_MESSAGE)


def agent(moment: datetime) -> TicketMoment:
    return TicketMoment(moment, MomentKind.AGENT_REPLY)


def policy(*targets: Target) -> ServiceLevelPolicy:
    return clean_policy(Priority.URGENT, targets)


URGENT = policy(Target(FIRST, 60), Target(NEXT, 120), Target(RESOLVE, 8 * 60))


def test_the_scenario_of_the_issue() -> None:
    """Filed Friday 16:30, due Monday 9:30; pending Monday 9:10 without a reply; the
    customer answers Tuesday 10:00 (open again): due 10:20; the reply at 10:25 is 5
    business minutes late."""
    filed = at(2026, 3, 6, 16, 30)
    hour = policy(Target(FIRST, 60))
    history: list[TicketMoment] = []

    def first(now: datetime) -> object:
        state = service_level(TicketTimeline(created_at=filed, moments=tuple(history)), hour,
                              NINE_TO_FIVE, now)
        return state.current(FIRST)

    turn = first(filed)
    assert turn.due_at == at(2026, 3, 9, 9, 30)  # type: ignore[attr-defined]
    assert turn.outcome is TurnOutcome.RUNNING  # type: ignore[attr-defined]

    history.append(status(at(2026, 3, 9, 9, 10), TicketStatus.PENDING))
    turn = first(at(2026, 3, 9, 15))
    assert turn.due_at is None  # type: ignore[attr-defined]
    assert turn.outcome is TurnOutcome.PAUSED  # type: ignore[attr-defined]
    assert turn.left == 20 * MIN  # type: ignore[attr-defined]

    history += [customer(at(2026, 3, 10, 10)), status(at(2026, 3, 10, 10), TicketStatus.OPEN)]
    turn = first(at(2026, 3, 10, 10, 5))
    assert turn.due_at == at(2026, 3, 10, 10, 20)  # type: ignore[attr-defined]
    assert turn.left == 15 * MIN  # type: ignore[attr-defined]

    history.append(agent(at(2026, 3, 10, 10, 25)))
    turn = first(at(2026, 3, 12, 12))
    assert turn.outcome is TurnOutcome.BREACHED  # type: ignore[attr-defined]
    assert turn.ended_at == at(2026, 3, 10, 10, 25)  # type: ignore[attr-defined]
    assert turn.left == -5 * MIN  # type: ignore[attr-defined]


def test_a_reply_in_time_meets_the_first_response() -> None:
    filed = at(2026, 3, 9, 10)
    state = service_level(TicketTimeline(created_at=filed, moments=(agent(filed + 60 * MIN),)),
                          URGENT, NINE_TO_FIVE, filed + 120 * MIN)
    turn = state.current(FIRST)
    assert turn is not None
    assert turn.outcome is TurnOutcome.MET
    assert turn.elapsed == 60 * MIN  # exactly on time is on time


def test_an_unanswered_ticket_past_its_due_time_is_breached_while_still_open() -> None:
    filed = at(2026, 3, 9, 10)
    state = service_level(TicketTimeline(created_at=filed), URGENT, NINE_TO_FIVE,
                          filed + 61 * MIN)
    turn = state.current(FIRST)
    assert turn is not None
    assert turn.is_open
    assert turn.outcome is TurnOutcome.BREACHED
    assert state.breached


def test_next_response_turns_start_at_the_first_unanswered_customer_message() -> None:
    filed = at(2026, 3, 9, 9)
    history = (
        customer(filed + 5 * MIN),  # before the first response: covered by it
        agent(filed + 30 * MIN),
        customer(filed + 60 * MIN), customer(filed + 90 * MIN),  # one turn, from the first
        agent(filed + 200 * MIN),  # 140 minutes: late
        customer(filed + 300 * MIN),
    )
    state = service_level(TicketTimeline(created_at=filed, moments=history), URGENT,
                          NINE_TO_FIVE, filed + 310 * MIN)
    nexts = [t for t in state.turns if t.kind is NEXT]
    assert [(t.started_at, t.ended_at, t.outcome) for t in nexts] == [
        (filed + 60 * MIN, filed + 200 * MIN, TurnOutcome.BREACHED),
        (filed + 300 * MIN, None, TurnOutcome.RUNNING),
    ]
    assert nexts[1].due_at == filed + 420 * MIN
    assert state.next_due_at == filed + 420 * MIN  # before the resolution's 17:00


def test_internal_notes_are_not_replies_so_they_are_not_moments() -> None:
    # The history a use case builds holds public replies only; with none, nothing ends.
    filed = at(2026, 3, 9, 9)
    state = service_level(TicketTimeline(created_at=filed, moments=()), URGENT, NINE_TO_FIVE,
                          filed)
    assert [t.kind for t in state.turns] == [FIRST, RESOLVE]
    assert all(t.is_open for t in state.turns)


def test_resolution_stops_at_resolved_and_a_reopen_continues_it() -> None:
    filed = at(2026, 3, 9, 9)
    resolved = status(filed + 30 * MIN, TicketStatus.RESOLVED)
    state = service_level(TicketTimeline(created_at=filed, moments=(resolved,)), URGENT,
                          NINE_TO_FIVE, filed + 2000 * MIN)
    turn = state.current(RESOLVE)
    assert turn is not None
    assert (turn.outcome, turn.elapsed) == (TurnOutcome.MET, 30 * MIN)
    # The first response never came: stopped while resolved, not breached.
    assert state.current(FIRST).outcome is TurnOutcome.STOPPED  # type: ignore[union-attr]

    reopened = status(at(2026, 3, 10, 9), TicketStatus.OPEN)
    state = service_level(TicketTimeline(created_at=filed, moments=(resolved, reopened)),
                          URGENT, NINE_TO_FIVE, at(2026, 3, 10, 10))
    turn = state.current(RESOLVE)
    assert turn is not None
    assert turn.is_open
    assert turn.elapsed == 90 * MIN
    assert turn.due_at == at(2026, 3, 10, 16, 30)  # 8 hours less the 30 minutes before


def test_closing_stops_the_clock_like_resolving() -> None:
    filed = at(2026, 3, 9, 9)
    closed = status(filed + 10 * MIN, TicketStatus.CLOSED)
    state = service_level(TicketTimeline(created_at=filed, moments=(closed,)), URGENT,
                          NINE_TO_FIVE, filed + 900 * MIN)
    assert state.current(RESOLVE).outcome is TurnOutcome.MET  # type: ignore[union-attr]
    assert state.next_due_at is None


def test_wall_clock_targets_ignore_the_calendar() -> None:
    filed = at(2026, 3, 6, 16, 30)
    wall = policy(Target(FIRST, 60, business=False))
    state = service_level(TicketTimeline(created_at=filed), wall, NINE_TO_FIVE, filed)
    assert state.current(FIRST).due_at == filed + 60 * MIN  # type: ignore[union-attr]


def test_no_policy_no_turns() -> None:
    filed = at(2026, 3, 9, 9)
    assert service_level(TicketTimeline(created_at=filed), None, NINE_TO_FIVE, filed).turns == ()


def test_a_changed_calendar_recomputes_the_same_history() -> None:
    filed = at(2026, 3, 6, 16, 30)
    later = clean_calendar(zone="Europe/Amsterdam",
                           hours=[WorkingHours(d, 10 * 60, 18 * 60) for d in range(5)])
    state = service_level(TicketTimeline(created_at=filed), URGENT, later, filed)
    assert state.current(FIRST).due_at == at(2026, 3, 6, 17, 30)  # type: ignore[union-attr]


@pytest.mark.parametrize("targets", [
    [], [Target(FIRST, 0)], [Target(FIRST, MAX_TARGET_MINUTES + 1)], [Target(FIRST, -5)],
    [Target(FIRST, 60), Target(FIRST, 90)],
])
def test_absurd_policies_are_refused(targets: list[Target]) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_policy(Priority.HIGH, targets)
    assert refused.value.field == "targets"


# -- properties ---------------------------------------------------------------------------

minutes = st.integers(min_value=0, max_value=3 * 24 * 60).map(lambda m: m * MIN)
START = datetime(2026, 3, 23, tzinfo=UTC)  # the week before the spring DST change
calendars = st.sampled_from([
    NINE_TO_FIVE,
    clean_calendar(zone="America/New_York",
                   hours=[WorkingHours(d, 8 * 60, 20 * 60) for d in range(6)]),
    clean_calendar(zone="UTC", hours=[WorkingHours(d, 0, 1440) for d in range(7)]),
])
business = st.booleans()


@st.composite
def histories(draw: st.DrawFn) -> tuple[TicketMoment, ...]:
    kinds = st.sampled_from(["customer", "agent", "pending", "open", "resolved", "closed"])
    moments, moment = [], START
    for kind in draw(st.lists(kinds, max_size=12)):
        moment += draw(minutes)
        if kind == "customer":
            moments.append(customer(moment))
        elif kind == "agent":
            moments.append(agent(moment))
        else:
            moments.append(status(moment, TicketStatus(kind)))
    return tuple(moments)


@settings(max_examples=80, deadline=None)
@given(histories(), calendars, business, minutes, minutes)
def test_later_is_never_less_elapsed_and_due_times_do_not_depend_on_now(
    history: tuple[TicketMoment, ...], cal: BusinessCalendar, biz: bool,
    a: timedelta, b: timedelta,
) -> None:
    pol = policy(Target(FIRST, 90, biz), Target(NEXT, 45, biz), Target(RESOLVE, 600, biz))
    end = max((m.at for m in history), default=START)
    timeline = TicketTimeline(created_at=START, moments=history)
    early = service_level(timeline, pol, cal, end + min(a, b))
    late = service_level(timeline, pol, cal, end + max(a, b))
    assert [t.due_at for t in early.turns] == [t.due_at for t in late.turns]
    for x, y in zip(early.turns, late.turns, strict=True):
        assert x.elapsed <= y.elapsed
        if x.outcome in (TurnOutcome.MET, TurnOutcome.BREACHED):
            assert y.outcome is x.outcome  # a decided turn stays decided
        if y.outcome is TurnOutcome.RUNNING:
            assert y.due_at is not None
            assert y.left >= timedelta(0)


@settings(max_examples=80, deadline=None)
@given(histories(), minutes, minutes, business)
def test_a_pending_pause_shifts_the_due_time_by_exactly_its_length(
    history: tuple[TicketMoment, ...], lead: timedelta, pause: timedelta, biz: bool
) -> None:
    # Wall-clock time: pausing for P right after filing moves every due time by P and
    # leaves every elapsed time as it was.
    pol = policy(Target(FIRST, 90, biz), Target(NEXT, 45, biz), Target(RESOLVE, 600, biz))
    cal = clean_calendar(zone="UTC", hours=[WorkingHours(d, 0, 1440) for d in range(7)])
    shifted = tuple(TicketMoment(m.at + lead + pause, m.kind, m.status) for m in history)
    paused = (status(START + lead, TicketStatus.PENDING),
              status(START + lead + pause, TicketStatus.OPEN), *shifted)
    plain = tuple(TicketMoment(m.at + lead, m.kind, m.status) for m in history)
    end = max((m.at for m in history), default=START) + lead + pause + timedelta(days=30)
    with_pause = service_level(TicketTimeline(created_at=START, moments=paused), pol, cal, end)
    without = service_level(TicketTimeline(created_at=START, moments=plain), pol, cal,
                            end - pause)
    assert [t.outcome for t in with_pause.turns] == [t.outcome for t in without.turns]
    assert [t.elapsed for t in with_pause.turns] == [t.elapsed for t in without.turns]
    for p, q in zip(with_pause.turns, without.turns, strict=True):
        if q.due_at is None:
            assert p.due_at is None
        elif q.due_at <= START + lead:
            assert p.due_at == q.due_at  # reached before the pause
        else:
            assert p.due_at == q.due_at + pause
