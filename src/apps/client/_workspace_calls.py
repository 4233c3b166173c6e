"""The server's workspace methods (issue 14), typed: queues, unread state, bulk changes,
teams, the staff directory, customers, tags and canned replies.

:class:`~.methods.ProjectMethods` inherits these; the transport is its ``_call``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import msgspec
from msgspec import UNSET, UnsetType

from ...adapters.support_rpc import wire
from ...adapters.support_rpc import wire_workspace as ws
from ...domain.tickets import Priority, TicketStatus

T = TypeVar("T")


class WorkspaceMethods:
    """The workspace's server methods; subclasses implement :meth:`_call`."""

    async def _call(self, method: str, params: msgspec.Struct | None, result: type[T]) -> T:
        raise NotImplementedError

    # -- queues and unread state -------------------------------------------------------

    async def queue_counts(self) -> ws.QueueCounts:
        """Your queues with their live counts, and your unread count."""
        return await self._call("queue.counts", None, ws.QueueCounts)

    async def mark_read(self, ticket_id: int) -> bool:
        """You have seen everything on the ticket (False: it was read already)."""
        return await self._call("ticket.mark_read", ws.MarkParams(ticket_id=ticket_id), bool)

    async def mark_unread(self, ticket_id: int) -> bool:
        """Show the ticket as unread to you again (False: it was unread already)."""
        return await self._call("ticket.mark_unread", ws.MarkParams(ticket_id=ticket_id), bool)

    async def bulk_update(self, ticket_ids: Iterable[int], *,
                          status: TicketStatus | UnsetType = UNSET,
                          priority: Priority | UnsetType = UNSET,
                          assignee_id: int | UnsetType | None = UNSET,
                          team_id: int | UnsetType | None = UNSET,
                          add_tags: Iterable[str] = (),
                          remove_tags: Iterable[str] = ()) -> ws.BulkResult:
        """The same change on up to 100 tickets; a result per ticket."""
        params = ws.BulkUpdateParams(ticket_ids=list(ticket_ids), status=status,
                                     priority=priority, assignee_id=assignee_id,
                                     team_id=team_id, add_tags=list(add_tags),
                                     remove_tags=list(remove_tags))
        return await self._call("ticket.bulk_update", params, ws.BulkResult)

    # -- teams -------------------------------------------------------------------------

    async def list_teams(self) -> list[ws.TeamView]:
        """Every team and its members (staff)."""
        return await self._call("team.list", None, list[ws.TeamView])

    async def create_team(self, name: str, *, members: Iterable[int] = ()) -> ws.TeamView:
        """Define a team (admins)."""
        params = ws.TeamCreateParams(name=name, members=list(members))
        return await self._call("team.create", params, ws.TeamView)

    async def update_team(self, team_id: int, *, name: str | UnsetType = UNSET,
                          members: Iterable[int] | UnsetType = UNSET) -> ws.TeamView:
        """Rename a team or replace its members (admins)."""
        params = ws.TeamUpdateParams(
            team_id=team_id, name=name,
            members=UNSET if isinstance(members, UnsetType) else list(members))
        return await self._call("team.update", params, ws.TeamView)

    async def delete_team(self, team_id: int) -> int:
        """Remove a team (admins); how many tickets left it."""
        return await self._call("team.delete", ws.TeamRef(team_id=team_id), int)

    # -- directory -----------------------------------------------------------------------

    async def list_staff(self) -> list[ws.StaffMemberView]:
        """The project's agents and admins with presence and teams (staff)."""
        return await self._call("staff.list", None, list[ws.StaffMemberView])

    async def search_customers(self, query: str, *, limit: int = 10) -> list[ws.CustomerView]:
        """Customers by part of their name or email (staff)."""
        params = ws.CustomerSearchParams(query=query, limit=limit)
        return await self._call("customer.search", params, list[ws.CustomerView])

    async def customer_context(self, ticket_id: int) -> ws.CustomerContextView:
        """A ticket's requester, their devices and tickets (staff)."""
        return await self._call("customer.context", wire.TicketRef(ticket_id=ticket_id),
                                ws.CustomerContextView)

    async def suggest_tags(self, prefix: str = "", *, limit: int = 10) -> list[ws.TagCountView]:
        """The project's tags by prefix, most used first (staff)."""
        params = ws.TagSuggestParams(prefix=prefix, limit=limit)
        return await self._call("tag.suggest", params, list[ws.TagCountView])

    # -- canned replies ----------------------------------------------------------------

    async def list_canned(self) -> list[ws.CannedReplyView]:
        """The shared canned replies and yours (staff)."""
        return await self._call("canned.list", None, list[ws.CannedReplyView])

    async def create_canned(self, title: str, body: str, *,
                            shared: bool = False) -> ws.CannedReplyView:
        """Save a canned reply (staff)."""
        params = ws.CannedCreateParams(title=title, body=body, shared=shared)
        return await self._call("canned.create", params, ws.CannedReplyView)

    async def update_canned(self, canned_id: int, *, title: str | UnsetType = UNSET,
                            body: str | UnsetType = UNSET,
                            shared: bool | UnsetType = UNSET) -> ws.CannedReplyView:
        """Edit a canned reply."""
        params = ws.CannedUpdateParams(canned_id=canned_id, title=title, body=body,
                                       shared=shared)
        return await self._call("canned.update", params, ws.CannedReplyView)

    async def delete_canned(self, canned_id: int) -> bool:
        """Remove a canned reply."""
        return await self._call("canned.delete", ws.CannedRef(canned_id=canned_id), bool)

    async def render_canned(self, canned_id: int, ticket_id: int) -> ws.RenderedReply:
        """A canned reply's text filled in for a ticket."""
        params = ws.CannedRenderParams(canned_id=canned_id, ticket_id=ticket_id)
        return await self._call("canned.render", params, ws.RenderedReply)

    async def canned_placeholders(self) -> list[ws.PlaceholderView]:
        """The placeholders the server fills."""
        return await self._call("canned.placeholders", None, list[ws.PlaceholderView])
