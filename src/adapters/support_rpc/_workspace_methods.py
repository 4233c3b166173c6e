"""The agent's workspace: queue.*, ticket.mark_*, ticket.bulk_update, team.*, staff.list,
customer.*, tag.suggest and canned.* (issue 14)."""

from __future__ import annotations

from msgspec import UNSET

from ...domain.errors import DomainError
from ...domain.queues import VIEW_LABELS, QueueView
from ...domain.services import KEEP, TicketChangeRequest
from ..jsonrpc import (
    CONFLICT,
    DEVICE_NOT_BOUND,
    FORBIDDEN,
    INTERNAL_ERROR,
    NOT_FOUND,
    RATE_LIMITED,
    TOO_LARGE,
    JsonRpcError,
    MethodRegistry,
    from_domain_error,
)
from . import wire
from . import wire_workspace as ws
from ._workspace_views import (
    canned_view,
    context_view,
    customer_view,
    staff_member_view,
    team_view,
)
from .context import RequestContext
from .convert import is_staff, ticket_view
from .services import ServerServices

BOUND = (DEVICE_NOT_BOUND,)
STAFF = (DEVICE_NOT_BOUND, FORBIDDEN)


def register(reg: MethodRegistry[RequestContext], s: ServerServices) -> None:
    """Add the workspace methods to ``reg``."""
    _register_queues(reg, s)
    _register_teams(reg, s)
    _register_directory(reg, s)
    _register_canned(reg, s)


def _register_queues(reg: MethodRegistry[RequestContext], s: ServerServices) -> None:
    @reg.method("queue.counts", params=None, result=ws.QueueCounts, tags=["queues"],
                errors=BOUND, summary="Your queues and their live counts",
                description="Staff: my_open (with its unread count), unassigned, all_open, "
                "pending, recently_resolved and one queue per team. Customers: all_open of "
                "the tickets they may see, with their unread count. Counts come from "
                "maintained tallies; unread counts stop at 100.")
    async def counts(ctx: RequestContext, _p: None) -> ws.QueueCounts:
        found = await s.queues.counts(ctx.caller)
        names = {t.id: t.name for t in await s.teams.list_teams(ctx.caller)} if is_staff(
            ctx.caller) else {}
        views = [ws.ViewCountView(
            view=c.view, team_id=c.team_id, count=c.count, unread=c.unread,
            label=names.get(c.team_id, "Team") if c.view is QueueView.TEAM and c.team_id
            else VIEW_LABELS[c.view]) for c in found]
        return ws.QueueCounts(views=views, unread=sum(c.unread or 0 for c in found))

    @reg.method("ticket.mark_read", params=ws.MarkParams, result=bool,
                tags=["tickets", "writes"], errors=[*BOUND, NOT_FOUND, RATE_LIMITED],
                summary="You have seen everything on this ticket so far",
                description="Kept by the server for your user (every device of yours "
                "agrees; they hear it as a live read.changed event). False if it was read.")
    async def mark_read(ctx: RequestContext, p: ws.MarkParams) -> bool:
        return await s.reads.mark_read(ctx.caller, p.ticket_id)

    @reg.method("ticket.mark_unread", params=ws.MarkParams, result=bool,
                tags=["tickets", "writes"], errors=[*BOUND, NOT_FOUND, RATE_LIMITED],
                summary="Show this ticket as unread to you again",
                description="False if it was unread already.")
    async def mark_unread(ctx: RequestContext, p: ws.MarkParams) -> bool:
        return await s.reads.mark_unread(ctx.caller, p.ticket_id)

    @reg.method("ticket.bulk_update", params=ws.BulkUpdateParams, result=ws.BulkResult,
                tags=["tickets", "writes"], errors=[*BOUND, RATE_LIMITED],
                weight=lambda p: len(set(p.ticket_ids)),
                summary="The same change on up to 100 tickets, a result per ticket",
                description="One transaction; each ticket is checked by policy on its own, "
                "so a refused one carries its JSON-RPC error and the others are changed. "
                "Counts as one change per ticket against the device's write limit. "
                "add_tags/remove_tags edit each ticket's tags; null assignee_id/team_id "
                "unassign / leave the team.")
    async def bulk_update(ctx: RequestContext, p: ws.BulkUpdateParams) -> ws.BulkResult:
        change = TicketChangeRequest(
            status=KEEP if p.status is UNSET else p.status,
            priority=KEEP if p.priority is UNSET else p.priority,
            assignee_id=KEEP if p.assignee_id is UNSET else p.assignee_id,
            team_id=KEEP if p.team_id is UNSET else p.team_id,
            add_tags=tuple(p.add_tags), remove_tags=tuple(p.remove_tags),
        )
        outcomes = await s.tickets.bulk_update(ctx.caller, p.ticket_ids, change)
        staff = is_staff(ctx.caller)
        items = []
        for outcome in outcomes:
            if outcome.ticket is not None:
                items.append(ws.BulkItem(ticket_id=outcome.ticket_id, ok=True,
                                         ticket=ticket_view(outcome.ticket, staff=staff)))
            else:
                items.append(ws.BulkItem(ticket_id=outcome.ticket_id, ok=False,
                                         error=_bulk_error(outcome.error)))
        return ws.BulkResult(results=items)


def _bulk_error(error: DomainError | None) -> ws.BulkError:
    known = from_domain_error(error) if error is not None else None
    found = known or JsonRpcError(INTERNAL_ERROR)
    return ws.BulkError(code=found.code.code, message=found.message, data=found.data)


def _register_teams(reg: MethodRegistry[RequestContext], s: ServerServices) -> None:
    @reg.method("team.list", params=None, result=list[ws.TeamView], tags=["teams"],
                errors=STAFF, summary="Every team and its members (staff)")
    async def team_list(ctx: RequestContext, _p: None) -> list[ws.TeamView]:
        return [team_view(t) for t in await s.teams.list_teams(ctx.caller)]

    @reg.method("team.create", params=ws.TeamCreateParams, result=ws.TeamView,
                tags=["teams", "writes"], errors=[*STAFF, NOT_FOUND, CONFLICT],
                summary="Define a team of agents (admins)")
    async def team_create(ctx: RequestContext, p: ws.TeamCreateParams) -> ws.TeamView:
        return team_view(await s.teams.create(ctx.caller, name=p.name, members=p.members))

    @reg.method("team.update", params=ws.TeamUpdateParams, result=ws.TeamView,
                tags=["teams", "writes"], errors=[*STAFF, NOT_FOUND, CONFLICT],
                summary="Rename a team or replace its members (admins)")
    async def team_update(ctx: RequestContext, p: ws.TeamUpdateParams) -> ws.TeamView:
        team = await s.teams.update(
            ctx.caller, p.team_id, name=None if p.name is UNSET else p.name,
            members=None if p.members is UNSET else p.members)
        return team_view(team)

    @reg.method("team.delete", params=ws.TeamRef, result=int, tags=["teams", "writes"],
                errors=[*STAFF, NOT_FOUND],
                summary="Remove a team (admins); answers how many tickets left it")
    async def team_delete(ctx: RequestContext, p: ws.TeamRef) -> int:
        return await s.teams.delete(ctx.caller, p.team_id)


def _register_directory(reg: MethodRegistry[RequestContext], s: ServerServices) -> None:
    @reg.method("staff.list", params=None, result=list[ws.StaffMemberView],
                tags=["directory"], errors=STAFF,
                summary="The project's agents and admins: name, role, presence, teams",
                description="Staff only; disabled accounts are left out.")
    async def staff_list(ctx: RequestContext, _p: None) -> list[ws.StaffMemberView]:
        return [staff_member_view(m) for m in await s.directory.staff(ctx.caller)]

    @reg.method("customer.search", params=ws.CustomerSearchParams,
                result=list[ws.CustomerView], tags=["directory"], errors=STAFF,
                summary="Customers by part of their name or email (staff)",
                description="For filing a ticket on a customer's behalf (ticket.create "
                "requester_id).")
    async def customer_search(ctx: RequestContext, p: ws.CustomerSearchParams
                              ) -> list[ws.CustomerView]:
        found = await s.directory.find_customers(ctx.caller, p.query, limit=p.limit)
        return [customer_view(u) for u in found]

    @reg.method("customer.context", params=wire.TicketRef, result=ws.CustomerContextView,
                tags=["directory"], errors=[*STAFF, NOT_FOUND],
                summary="A ticket's requester: name, email, devices last seen, other tickets")
    async def customer_context(ctx: RequestContext, p: wire.TicketRef
                               ) -> ws.CustomerContextView:
        return context_view(await s.directory.customer_context(ctx.caller, p.ticket_id))

    @reg.method("tag.suggest", params=ws.TagSuggestParams, result=list[ws.TagCountView],
                tags=["directory"], errors=STAFF,
                summary="The project's tags by prefix, most used first (staff)")
    async def tag_suggest(ctx: RequestContext, p: ws.TagSuggestParams
                          ) -> list[ws.TagCountView]:
        found = await s.directory.suggest_tags(ctx.caller, p.prefix, limit=p.limit)
        return [ws.TagCountView(tag=tag, count=count) for tag, count in found]


def _register_canned(reg: MethodRegistry[RequestContext], s: ServerServices) -> None:
    @reg.method("canned.list", params=None, result=list[ws.CannedReplyView],
                tags=["canned"], errors=STAFF,
                summary="The shared canned replies and your own (staff)")
    async def canned_list(ctx: RequestContext, _p: None) -> list[ws.CannedReplyView]:
        return [canned_view(c) for c in await s.canned.list_replies(ctx.caller)]

    @reg.method("canned.create", params=ws.CannedCreateParams, result=ws.CannedReplyView,
                tags=["canned", "writes"], errors=[*STAFF, CONFLICT, TOO_LARGE],
                summary="Save a canned reply, personal or shared (staff)")
    async def canned_create(ctx: RequestContext, p: ws.CannedCreateParams
                            ) -> ws.CannedReplyView:
        reply = await s.canned.create(ctx.caller, title=p.title, body=p.body, shared=p.shared)
        return canned_view(reply)

    @reg.method("canned.update", params=ws.CannedUpdateParams, result=ws.CannedReplyView,
                tags=["canned", "writes"], errors=[*STAFF, NOT_FOUND, TOO_LARGE],
                summary="Edit a shared canned reply or one of yours",
                description="Sharing or un-sharing is for the reply's author (or an admin).")
    async def canned_update(ctx: RequestContext, p: ws.CannedUpdateParams
                            ) -> ws.CannedReplyView:
        reply = await s.canned.update(
            ctx.caller, p.canned_id, title=None if p.title is UNSET else p.title,
            body=None if p.body is UNSET else p.body,
            shared=None if p.shared is UNSET else p.shared)
        return canned_view(reply)

    @reg.method("canned.delete", params=ws.CannedRef, result=bool, tags=["canned", "writes"],
                errors=[*STAFF, NOT_FOUND], summary="Remove a canned reply")
    async def canned_delete(ctx: RequestContext, p: ws.CannedRef) -> bool:
        await s.canned.delete(ctx.caller, p.canned_id)
        return True

    @reg.method("canned.render", params=ws.CannedRenderParams, result=ws.RenderedReply,
                tags=["canned"], errors=[*STAFF, NOT_FOUND, TOO_LARGE],
                summary="A canned reply with its placeholders filled for a ticket",
                description="Unknown placeholders stay as typed. See canned.placeholders.")
    async def canned_render(ctx: RequestContext, p: ws.CannedRenderParams
                            ) -> ws.RenderedReply:
        return ws.RenderedReply(text=await s.canned.render(ctx.caller, p.canned_id,
                                                           p.ticket_id))

    @reg.method("canned.placeholders", params=None, result=list[ws.PlaceholderView],
                tags=["canned"], errors=STAFF,
                summary="The placeholders canned.render fills, and what each stands for")
    async def canned_placeholders(ctx: RequestContext, _p: None) -> list[ws.PlaceholderView]:
        return [ws.PlaceholderView(name=k, description=v)
                for k, v in s.canned.placeholders(ctx.caller).items()]
