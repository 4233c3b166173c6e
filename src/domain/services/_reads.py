"""Keeping a user's read mark right when they act on a ticket themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..identity import CallerIdentity
from ..ports import Repositories
from ..reading import NEVER_READ, is_unread, seen_activity
from ..tickets import Ticket


def horizon_of(repos: Repositories, user_id: int) -> datetime:
    """When the user's account was created: unread counts start there."""
    user = repos.users.get(user_id)
    return user.created_at if user is not None else NEVER_READ


def keep_read(repos: Repositories, who: CallerIdentity, before: Ticket, after: Ticket) -> None:
    """The caller changed ``before`` into ``after``: their own change is not unread news.

    Only a user who had seen everything before keeps being caught up; one who had not
    (a customer's reply waiting) still sees the ticket unread after changing, say, its
    priority from a list without opening it.
    """
    staff = who.role.is_staff
    horizon = horizon_of(repos, who.user_id)
    mark = repos.reads.marks(who.user_id, [before.id]).get(before.id, horizon)
    if mark >= seen_activity(before, staff=staff):
        repos.reads.put(who.user_id, after.id, seen_activity(after, staff=staff))


def unread_of(repos: Repositories, who: CallerIdentity, tickets: Sequence[Ticket]) -> set[int]:
    """The ids of ``tickets`` with activity ``who`` has not seen (tickets taken as given)."""
    if not tickets:
        return set()
    horizon = horizon_of(repos, who.user_id)
    marks = repos.reads.marks(who.user_id, [t.id for t in tickets])
    staff = who.role.is_staff
    return {t.id for t in tickets
            if is_unread(t, marks.get(t.id), staff=staff, horizon=horizon)}
