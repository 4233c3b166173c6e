"""Keeping a user's read mark right when they act on a ticket themselves."""

from __future__ import annotations

from datetime import datetime

from ..identity import CallerIdentity
from ..ports import Repositories
from ..reading import NEVER_READ, seen_activity
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
