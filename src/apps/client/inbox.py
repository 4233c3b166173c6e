"""The aggregated inbox: open tickets of every project, unread replies, who is on them."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...adapters.support_rpc.wire import TicketView, WatcherView
from ...domain.tickets import TicketStatus
from .methods import ProjectMethods

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
"""A ticket is in the inbox while it is in one of these."""

_MESSAGE_PAGE = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxItem:
    """One open ticket of one project.

    ``unread`` counts replies by other people after the read marker and after the
    user's own last reply (answering a ticket means having read it). Pass
    ``last_message_id`` to ``mark_read`` once the ticket has been shown. ``watchers``
    are the other people viewing or typing on it right now.
    """

    label: str
    ticket: TicketView
    unread: int
    last_message_id: int | None
    watchers: tuple[WatcherView, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Inbox:
    """Open tickets across projects, most recently updated first.

    ``problems`` names the projects left out (unreachable, not signed in) and why.
    """

    items: tuple[InboxItem, ...] = ()
    problems: Mapping[str, str] = field(default_factory=dict)

    @property
    def unread(self) -> int:
        """Unread replies over every item."""
        return sum(item.unread for item in self.items)


async def project_inbox(project: ProjectMethods, *, label: str, user_id: int,
                        markers: Mapping[int, int], limit: int = 50,
                        concurrency: int = 8) -> list[InboxItem]:
    """The open tickets of one project (at most ``limit``, most recently updated first)."""
    page = await project.list_tickets(status=OPEN_STATUSES, limit=limit)
    gate = asyncio.Semaphore(concurrency)

    async def item(ticket: TicketView) -> InboxItem:
        async with gate:
            marker = markers.get(ticket.id, 0)
            unread, last = await _unread_after(project, ticket.id, marker, user_id)
            watchers = await project.list_presence(ticket.id)
        return InboxItem(
            label=label, ticket=ticket, unread=unread, last_message_id=last or None,
            watchers=tuple(w for w in watchers if w.user_id != user_id),
        )

    return list(await asyncio.gather(*(item(t) for t in page.items)))


async def _unread_after(project: ProjectMethods, ticket_id: int, marker: int,
                        user_id: int) -> tuple[int, int]:
    """(replies by others after ``marker`` and after the user's last reply, newest id)."""
    unread, last = 0, marker
    while True:
        messages = await project.list_messages(ticket_id, after_id=last, limit=_MESSAGE_PAGE)
        for message in messages:
            unread = 0 if message.author_id == user_id else unread + 1
            last = message.id
        if len(messages) < _MESSAGE_PAGE:
            return unread, last


def merge(parts: Mapping[str, list[InboxItem] | str]) -> Inbox:
    """One inbox from each project's items, or the reason a project is missing."""
    items = [item for part in parts.values() if not isinstance(part, str) for item in part]
    items.sort(key=lambda i: (i.ticket.updated_at, i.label, i.ticket.id), reverse=True)
    problems = {label: part for label, part in parts.items() if isinstance(part, str)}
    return Inbox(items=tuple(items), problems=problems)
