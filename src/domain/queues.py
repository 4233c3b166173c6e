"""Queues: the built-in views of the agent's workspace and their live counts.

A view is a named filter (``My open`` = open tickets assigned to me, ...). Its count
comes from a tally of tickets by status, assignee and team that storage maintains
with every change (:class:`TallyRow`), so counting never walks the tickets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .errors import InvalidInput
from .tickets import OPEN_STATUSES, TicketStatus


class QueueView(StrEnum):
    """The views staff work from; ``team`` needs a team id."""

    MY_OPEN = "my_open"
    UNASSIGNED = "unassigned"
    ALL_OPEN = "all_open"
    PENDING = "pending"
    RECENTLY_RESOLVED = "recently_resolved"
    TEAM = "team"


VIEW_LABELS: dict[QueueView, str] = {
    QueueView.MY_OPEN: "My open",
    QueueView.UNASSIGNED: "Unassigned",
    QueueView.ALL_OPEN: "All open",
    QueueView.PENDING: "Pending",
    QueueView.RECENTLY_RESOLVED: "Recently resolved",
    QueueView.TEAM: "Team",
}

BUILT_IN_VIEWS = (QueueView.MY_OPEN, QueueView.UNASSIGNED, QueueView.ALL_OPEN,
                  QueueView.PENDING, QueueView.RECENTLY_RESOLVED)


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewFilter:
    """What a view selects: statuses, and optionally one assignee, nobody, or a team."""

    statuses: frozenset[TicketStatus]
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None


def view_filter(view: QueueView, *, me: int, team_id: int | None = None) -> ViewFilter:
    """The filter of ``view`` for the user ``me``."""
    if view is QueueView.TEAM:
        if team_id is None:
            raise InvalidInput("team_id", "the team view needs a team")
        return ViewFilter(statuses=OPEN_STATUSES, team_id=team_id)
    if team_id is not None:
        raise InvalidInput("team_id", f"the {view.value} view is not a team's")
    if view is QueueView.MY_OPEN:
        return ViewFilter(statuses=OPEN_STATUSES, assignee_id=me)
    if view is QueueView.UNASSIGNED:
        return ViewFilter(statuses=OPEN_STATUSES, unassigned=True)
    if view is QueueView.ALL_OPEN:
        return ViewFilter(statuses=OPEN_STATUSES)
    if view is QueueView.PENDING:
        return ViewFilter(statuses=frozenset({TicketStatus.PENDING}))
    return ViewFilter(statuses=frozenset({TicketStatus.RESOLVED}))


@dataclass(frozen=True, slots=True, kw_only=True)
class TallyRow:
    """How many tickets have this status, assignee and team (``None``: none)."""

    status: TicketStatus
    assignee_id: int | None
    team_id: int | None
    count: int


def count_in(rows: Iterable[TallyRow], wanted: ViewFilter) -> int:
    """How many tickets a view selects, from the tally."""
    total = 0
    for row in rows:
        if row.status not in wanted.statuses:
            continue
        if wanted.assignee_id is not None and row.assignee_id != wanted.assignee_id:
            continue
        if wanted.unassigned and row.assignee_id is not None:
            continue
        if wanted.team_id is not None and row.team_id != wanted.team_id:
            continue
        total += row.count
    return total


def tally_of(tickets: Iterable[tuple[TicketStatus, int | None, int | None]]) -> list[TallyRow]:
    """The tally of ``(status, assignee_id, team_id)`` triples (what storage maintains)."""
    counts: dict[tuple[TicketStatus, int | None, int | None], int] = {}
    for key in tickets:
        counts[key] = counts.get(key, 0) + 1
    return [TallyRow(status=s, assignee_id=a, team_id=t, count=n)
            for (s, a, t), n in sorted(counts.items(), key=lambda kv: (
                kv[0][0].value, kv[0][1] or 0, kv[0][2] or 0))]


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewCount:
    """A view's live count; ``unread`` (capped) where it is computed, else ``None``."""

    view: QueueView
    team_id: int | None
    count: int
    unread: int | None = None
