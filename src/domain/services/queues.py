"""The live counts of the queues an agent works from (and a customer's unread count)."""

from __future__ import annotations

from ..identity import Caller
from ..listing import TicketQuery
from ..policy import require_bound
from ..ports import Repositories, Storage
from ..queues import BUILT_IN_VIEWS, QueueView, ViewCount, count_in, view_filter
from ..reading import UNREAD_CAP
from ..tickets import OPEN_STATUSES
from ._reads import horizon_of

CUSTOMER_COUNT_CAP = 10_000


class QueueBoard:
    """Counts per view, from the maintained tally: cheap at any number of tickets."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def counts(self, caller: Caller) -> list[ViewCount]:
        """Every built-in view and every team queue with its count (staff); the unread
        count (capped at ``UNREAD_CAP``) on *My open*.

        For a customer: one entry, *All open* of the tickets they may see, with their
        unread count; customers never learn about teams or other people's queues.
        """
        who = require_bound(caller)

        def look(repos: Repositories) -> list[ViewCount]:
            horizon = horizon_of(repos, who.user_id)
            if not who.role.is_staff:
                settings = repos.project.settings()
                scope = None if settings.customers_see_all_tickets else who.user_id
                query = TicketQuery(statuses=OPEN_STATUSES, requester_id=scope)
                return [ViewCount(
                    view=QueueView.ALL_OPEN, team_id=None,
                    count=repos.tickets.count(query, cap=CUSTOMER_COUNT_CAP),
                    unread=repos.reads.count_unread(who.user_id, query, staff=False,
                                                    horizon=horizon, cap=UNREAD_CAP))]
            tally = repos.tickets.tally()
            found: list[ViewCount] = []
            for view in BUILT_IN_VIEWS:
                wanted = view_filter(view, me=who.user_id)
                unread = None
                if view is QueueView.MY_OPEN:
                    query = TicketQuery(statuses=wanted.statuses, assignee_id=who.user_id)
                    unread = repos.reads.count_unread(who.user_id, query, staff=True,
                                                      horizon=horizon, cap=UNREAD_CAP)
                found.append(ViewCount(view=view, team_id=None, count=count_in(tally, wanted),
                                       unread=unread))
            for team in repos.teams.all():
                wanted = view_filter(QueueView.TEAM, me=who.user_id, team_id=team.id)
                found.append(ViewCount(view=QueueView.TEAM, team_id=team.id,
                                       count=count_in(tally, wanted)))
            return found

        return await self._storage.read(look)
