"""Teams: named groups of agents (Billing, Technical) that tickets can be routed to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .errors import InvalidInput
from .identity import clean_label

MAX_TEAM_NAME_LENGTH = 60
MAX_TEAMS = 200
MAX_TEAM_MEMBERS = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class Team:
    """A group of staff; a ticket may belong to one team (its queue)."""

    id: int
    name: str
    members: tuple[int, ...]  # user ids, ascending
    created_at: datetime

    def has_member(self, user_id: int) -> bool:
        """Whether ``user_id`` belongs to the team."""
        return user_id in self.members


def clean_team_name(raw: str) -> str:
    """A team name as people see it: one trimmed line of at most 60 characters."""
    return clean_label("name", raw, MAX_TEAM_NAME_LENGTH)


def clean_members(raw: Iterable[int]) -> tuple[int, ...]:
    """Member ids, de-duplicated and sorted; at most ``MAX_TEAM_MEMBERS``."""
    members = tuple(sorted(set(raw)))
    if len(members) > MAX_TEAM_MEMBERS:
        raise InvalidInput("members", f"at most {MAX_TEAM_MEMBERS} per team")
    if any(m < 1 for m in members):
        raise InvalidInput("members", "user ids are positive")
    return members
