"""A ticket's service-level clock, computed from its own history alone.

The history is what happened to the ticket (filed, customers' messages, staff's public
replies, status changes); a policy and the business calendar say what counts. The
clock runs while the ticket is ``new`` or ``open``, pauses while it is ``pending``
(waiting on the customer) and stops while it is ``resolved`` or ``closed``; reopening
resumes it. Because the answer depends on nothing but these inputs, a changed policy
or calendar recomputes every ticket correctly, and stored state can be checked
against a recomputation at any time.

Each target is worked in *turns*: the first response has one turn (filing to staff's
first public reply), the next response one per customer message that waits for an
answer after the first response, the resolution one (filing to resolved; a reopen
continues it, so its outcome is the one of the last resolution).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .business_calendar import BusinessCalendar
from .service_levels import ServiceLevelPolicy, Target, TargetKind
from .tickets import TicketStatus

_ZERO = timedelta(0)
_RUNNING = frozenset({TicketStatus.NEW, TicketStatus.OPEN})


class MomentKind(StrEnum):
    """What happened at a moment of a ticket's history, as far as service levels go."""

    CUSTOMER_MESSAGE = "customer_message"
    AGENT_REPLY = "agent_reply"  # a public message by staff (internal notes do not count)
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class TicketMoment:
    """One entry of the history: a message, or a move to ``status``."""

    at: datetime
    kind: MomentKind
    status: TicketStatus | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketTimeline:
    """A ticket's history from filing (as ``new``) on, in any order."""

    created_at: datetime
    moments: tuple[TicketMoment, ...] = ()


class TurnOutcome(StrEnum):
    """Where a turn stands."""

    RUNNING = "running"  # open, the clock runs, the target is not passed
    PAUSED = "paused"  # open, waiting on the customer (pending)
    STOPPED = "stopped"  # open, but the ticket is resolved or closed
    MET = "met"
    BREACHED = "breached"  # answered late, or still open past its due time


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """One promise: from ``started_at`` to ``ended_at`` (``None``: still open)."""

    kind: TargetKind
    target: Target
    started_at: datetime
    ended_at: datetime | None
    due_at: datetime | None  # when the counted time reaches the target (None: not while paused)
    elapsed: timedelta  # counted time until ended_at, or until now
    outcome: TurnOutcome

    @property
    def is_open(self) -> bool:
        """Still waiting for what it promises."""
        return self.ended_at is None

    @property
    def left(self) -> timedelta:
        """Counted time left before the target (negative: overdue by that much)."""
        return self.target.amount - self.elapsed


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceLevelState:
    """Every turn of every target of the ticket's policy, in the order they started."""

    turns: tuple[Turn, ...]

    def current(self, kind: TargetKind) -> Turn | None:
        """The latest turn of ``kind``."""
        return next((t for t in reversed(self.turns) if t.kind is kind), None)

    @property
    def next_due_at(self) -> datetime | None:
        """The earliest due time of a turn still open (the "due soonest" key)."""
        due = [t.due_at for t in self.turns if t.is_open and t.due_at is not None]
        return min(due, default=None)

    @property
    def breached(self) -> bool:
        """Whether any promise was broken."""
        return any(t.outcome is TurnOutcome.BREACHED for t in self.turns)


NO_SERVICE_LEVEL = ServiceLevelState(turns=())


@dataclass(frozen=True, slots=True)
class _Stretch:
    """A time the clock runs: ``start`` to ``end`` (``None``: still running)."""

    start: datetime
    end: datetime | None


class _Measure:
    """Counted time of one target: business time of the calendar, or wall-clock time."""

    def __init__(self, target: Target, calendar: BusinessCalendar) -> None:
        self._between: Callable[[datetime, datetime], timedelta]
        self._after: Callable[[datetime, timedelta], datetime]
        if target.business:
            self._between, self._after = calendar.working_time, calendar.after_working_time
        else:
            self._between, self._after = _wall_between, _wall_after

    def counted(self, stretches: Sequence[_Stretch], start: datetime, end: datetime
                ) -> timedelta:
        total = _ZERO
        for s in stretches:
            lo, hi = max(s.start, start), end if s.end is None else min(s.end, end)
            if hi > lo:
                total += self._between(lo, hi)
        return total

    def reached_at(self, stretches: Sequence[_Stretch], start: datetime, end: datetime | None,
                   amount: timedelta) -> datetime | None:
        """When the counted time from ``start`` reaches ``amount`` (before ``end``)."""
        spent = _ZERO
        for s in stretches:
            lo = max(s.start, start)
            hi = s.end if end is None else (end if s.end is None else min(s.end, end))
            if hi is not None and hi <= lo:
                continue
            if hi is None:
                return self._after(lo, amount - spent)
            part = self._between(lo, hi)
            if spent + part >= amount:
                return self._after(lo, amount - spent)
            spent += part
        return None


def _wall_between(start: datetime, end: datetime) -> timedelta:
    return max(end - start, _ZERO)


def _wall_after(start: datetime, amount: timedelta) -> datetime:
    return start + max(amount, _ZERO)


def _ordered(timeline: TicketTimeline) -> list[TicketMoment]:
    # Stable: moments of the same instant keep the order they were given in.
    return sorted((m for m in timeline.moments if m.at >= timeline.created_at),
                  key=lambda m: m.at)


def _stretches(timeline: TicketTimeline, moments: Iterable[TicketMoment]
               ) -> tuple[list[_Stretch], TicketStatus]:
    stretches: list[_Stretch] = []
    status, since = TicketStatus.NEW, timeline.created_at
    for m in moments:
        if m.kind is not MomentKind.STATUS or m.status is None or m.status is status:
            continue
        if status in _RUNNING and m.status not in _RUNNING and m.at > since:
            stretches.append(_Stretch(since, m.at))
        if status not in _RUNNING and m.status in _RUNNING:
            since = m.at
        status = m.status
    if status in _RUNNING:
        stretches.append(_Stretch(since, None))
    return stretches, status


def _spans(timeline: TicketTimeline, moments: Sequence[TicketMoment], policy: ServiceLevelPolicy
           ) -> list[tuple[TargetKind, datetime, datetime | None]]:
    spans: list[tuple[TargetKind, datetime, datetime | None]] = []
    replies = [m.at for m in moments if m.kind is MomentKind.AGENT_REPLY]
    first_reply = replies[0] if replies else None
    if policy.target(TargetKind.FIRST_RESPONSE) is not None:
        spans.append((TargetKind.FIRST_RESPONSE, timeline.created_at, first_reply))
    if policy.target(TargetKind.NEXT_RESPONSE) is not None and first_reply is not None:
        waiting: datetime | None = None
        for m in moments:
            if m.at < first_reply:
                continue
            if m.kind is MomentKind.CUSTOMER_MESSAGE and waiting is None:
                waiting = m.at
            elif m.kind is MomentKind.AGENT_REPLY and waiting is not None:
                spans.append((TargetKind.NEXT_RESPONSE, waiting, m.at))
                waiting = None
        if waiting is not None:
            spans.append((TargetKind.NEXT_RESPONSE, waiting, None))
    if policy.target(TargetKind.RESOLUTION) is not None:
        spans.append((TargetKind.RESOLUTION, timeline.created_at,
                      _resolved_at(moments)))
    return sorted(spans, key=lambda s: s[1])


def _resolved_at(moments: Sequence[TicketMoment]) -> datetime | None:
    """When the ticket last became resolved or closed, if it still is."""
    ended: datetime | None = None
    status = TicketStatus.NEW
    for m in moments:
        if m.kind is not MomentKind.STATUS or m.status is None or m.status is status:
            continue
        if m.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            if status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
                ended = m.at
        else:
            ended = None
        status = m.status
    return ended


def service_level(timeline: TicketTimeline, policy: ServiceLevelPolicy | None,
                  calendar: BusinessCalendar, now: datetime) -> ServiceLevelState:
    """The ticket's turns of every target of ``policy`` at ``now``.

    Due times depend on the history only (not on ``now``), so they can be stored when
    the ticket changes; ``elapsed`` and the outcome of open turns are as of ``now``.
    """
    if policy is None:
        return NO_SERVICE_LEVEL
    moments = _ordered(timeline)
    stretches, status = _stretches(timeline, moments)
    turns = []
    for kind, start, end in _spans(timeline, moments, policy):
        target = policy.target(kind)
        assert target is not None  # noqa: S101 - _spans yields the policy's kinds only
        measure = _Measure(target, calendar)
        due = measure.reached_at(stretches, start, end, target.amount)
        stop = end if end is not None else max(now, start)
        elapsed = measure.counted(stretches, start, stop)
        turns.append(Turn(kind=kind, target=target, started_at=start, ended_at=end,
                          due_at=due, elapsed=elapsed,
                          outcome=_outcome(elapsed, target, end, status)))
    return ServiceLevelState(turns=tuple(turns))


def _outcome(elapsed: timedelta, target: Target, end: datetime | None,
             status: TicketStatus) -> TurnOutcome:
    if elapsed > target.amount:
        return TurnOutcome.BREACHED
    if end is not None:
        return TurnOutcome.MET
    if status in _RUNNING:
        return TurnOutcome.RUNNING
    return TurnOutcome.PAUSED if status is TicketStatus.PENDING else TurnOutcome.STOPPED
