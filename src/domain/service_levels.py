"""Service-level policies: per priority, how soon a ticket is answered and resolved.

A policy gives a priority up to three targets: the first response (from filing to the
first public reply of staff), the next response (from a customer's message to staff's
next public reply, once the first response was given) and the resolution (from filing
to resolved). Each target counts working time of the project's business calendar or
plain wall-clock time.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from .errors import InvalidInput
from .tickets import Priority

MIN_TARGET_MINUTES = 1
MAX_TARGET_MINUTES = 90 * 24 * 60  # 90 days: a promise beyond that is no promise
PRIORITY_ORDER = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)


class TargetKind(StrEnum):
    """What a target promises."""

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


TARGET_LABELS = {
    TargetKind.FIRST_RESPONSE: "First response",
    TargetKind.NEXT_RESPONSE: "Next response",
    TargetKind.RESOLUTION: "Resolution",
}


@dataclass(frozen=True, slots=True, order=True)
class Target:
    """``minutes`` of business time (``business``) or of wall-clock time."""

    kind: TargetKind
    minutes: int
    business: bool = True

    @property
    def amount(self) -> timedelta:
        """The target as a duration of counted time."""
        return timedelta(minutes=self.minutes)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceLevelPolicy:
    """The targets of one priority. Build it with :func:`clean_policy`."""

    priority: Priority
    targets: tuple[Target, ...]  # one per kind at most, in TargetKind order

    def target(self, kind: TargetKind) -> Target | None:
        """The target of ``kind``, if the policy has one."""
        return next((t for t in self.targets if t.kind is kind), None)


def _kind_rank(kind: TargetKind) -> int:
    return list(TargetKind).index(kind)


def clean_policy(priority: Priority, targets: Iterable[Target]) -> ServiceLevelPolicy:
    """A checked policy: at least one target, one per kind, each 1 minute to 90 days."""
    chosen = sorted(targets, key=lambda t: _kind_rank(t.kind))
    if not chosen:
        raise InvalidInput("targets", "a policy needs at least one target")
    for before, after in itertools.pairwise(chosen):
        if before.kind is after.kind:
            raise InvalidInput("targets", f"{before.kind.value} is given twice")
    for target in chosen:
        if not MIN_TARGET_MINUTES <= target.minutes <= MAX_TARGET_MINUTES:
            raise InvalidInput(
                "targets", f"{target.kind.value}: {target.minutes} minutes is not between "
                f"{MIN_TARGET_MINUTES} and {MAX_TARGET_MINUTES} (90 days)")
    return ServiceLevelPolicy(priority=priority, targets=tuple(chosen))


def by_priority(policies: Iterable[ServiceLevelPolicy]) -> list[ServiceLevelPolicy]:
    """Policies most urgent first."""
    return sorted(policies, key=lambda p: PRIORITY_ORDER.index(p.priority))
