"""Unread state kept by the server: marking tickets read or unread, and the markers."""

from __future__ import annotations

from collections.abc import Sequence

from ..events import EventKind, NewEvent
from ..identity import Caller, CallerIdentity
from ..policy import can_see_ticket, ensure_can_see, require_bound
from ..ports import Clock, EventPublisher, Repositories, Storage
from ..reading import NEVER_READ, seen_activity
from ..tickets import Ticket
from ._reads import unread_of

MAX_MARKERS = 200


class ReadState:
    """Use cases on a user's read marks. Changes are announced to the user's own
    devices only (live ``read.changed`` events), so every tab of theirs agrees."""

    def __init__(self, storage: Storage, clock: Clock, publisher: EventPublisher) -> None:
        self._storage = storage
        self._clock = clock
        self._publisher = publisher

    async def mark_read(self, caller: Caller, ticket_id: int) -> bool:
        """The caller has seen everything on the ticket so far; ``False`` if it was read."""
        return await self._mark(caller, ticket_id, read=True)

    async def mark_unread(self, caller: Caller, ticket_id: int) -> bool:
        """Show the ticket as unread to the caller again; ``False`` if it was unread."""
        return await self._mark(caller, ticket_id, read=False)

    async def unread_among(self, caller: Caller, ticket_ids: Sequence[int]) -> set[int]:
        """Which of these tickets (visible to the caller) have activity they have not seen."""
        who = require_bound(caller)
        wanted = list(dict.fromkeys(ticket_ids))[:MAX_MARKERS]

        def look(repos: Repositories) -> set[int]:
            settings = repos.project.settings()
            found = [t for t in (repos.tickets.get(i) for i in wanted)
                     if t is not None and can_see_ticket(who, t.requester_id, settings)]
            return _unread(repos, who, found)

        return await self._storage.read(look)

    async def _mark(self, caller: Caller, ticket_id: int, *, read: bool) -> bool:
        who = require_bound(caller)
        now = self._clock.now()

        def put(repos: Repositories) -> bool:
            ticket = ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id,
                                    repos.project.settings())
            was_unread = bool(_unread(repos, who, [ticket]))
            if was_unread != read:
                return False
            mark = seen_activity(ticket, staff=who.role.is_staff) if read else NEVER_READ
            repos.reads.put(who.user_id, ticket.id, mark)
            return True

        changed = await self._storage.write(put)
        if changed:
            event = NewEvent(kind=EventKind.READ_CHANGED, ticket_id=ticket_id, requester_id=None,
                             internal=True, occurred_at=now, recipient_id=who.user_id,
                             data={"ticket_id": ticket_id, "unread": not read})
            self._publisher.publish([event.live()])
        return changed


def _unread(repos: Repositories, who: CallerIdentity, tickets: Sequence[Ticket]) -> set[int]:
    return unread_of(repos, who, tickets)
