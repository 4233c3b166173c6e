"""ticket.* methods."""

from __future__ import annotations

from msgspec import UNSET

from ...domain.services import KEEP
from ..jsonrpc import (
    DEVICE_NOT_BOUND,
    FORBIDDEN,
    ILLEGAL_TRANSITION,
    NOT_FOUND,
    RATE_LIMITED,
    TOO_LARGE,
    MethodRegistry,
)
from . import wire
from .context import RequestContext
from .convert import change_view, is_staff, ticket_view
from .services import ServerServices


def register(reg: MethodRegistry[RequestContext], s: ServerServices) -> None:
    """Add the ticket methods to ``reg``."""

    @reg.method("ticket.create", params=wire.TicketCreateParams, result=wire.TicketView,
                tags=["tickets", "writes"],
                errors=[DEVICE_NOT_BOUND, FORBIDDEN, TOO_LARGE, RATE_LIMITED],
                summary="File a ticket (staff may file for a customer with requester_id)")
    async def create(ctx: RequestContext, p: wire.TicketCreateParams) -> wire.TicketView:
        ticket = await s.tickets.create(ctx.caller, subject=p.subject, body=p.body,
                                        priority=p.priority, tags=p.tags,
                                        requester_id=p.requester_id)
        return ticket_view(ticket, staff=is_staff(ctx.caller))

    @reg.method("ticket.get", params=wire.TicketRef, result=wire.TicketView,
                tags=["tickets"], errors=[DEVICE_NOT_BOUND, NOT_FOUND],
                summary="One ticket")
    async def get(ctx: RequestContext, p: wire.TicketRef) -> wire.TicketView:
        return ticket_view(await s.tickets.get(ctx.caller, p.ticket_id),
                           staff=is_staff(ctx.caller))

    @reg.method("ticket.list", params=wire.TicketListParams, result=wire.TicketPage,
                tags=["tickets"], errors=[DEVICE_NOT_BOUND, FORBIDDEN],
                summary="Tickets you may see: queues, filters, full-text query, keyset pages",
                description="order: updated (default), newest (default with a query), "
                "priority (most urgent first, then updated) or relevance (with a query; one "
                "page of the best matches among the newest 1000). view (staff): my_open, "
                "unassigned, all_open, pending, recently_resolved, or team with team_id; "
                "the other filters narrow it. unread lists the ids of this page with "
                "activity you have not seen. Pass next_cursor back as cursor for the next "
                "page.")
    async def list_(ctx: RequestContext, p: wire.TicketListParams) -> wire.TicketPage:
        page = await s.tickets.list_tickets(
            ctx.caller, statuses=p.status, priorities=p.priority, assignee_id=p.assignee_id,
            unassigned=p.unassigned, requester_id=p.requester_id, tag=p.tag, text=p.query,
            order=p.order, cursor=p.cursor, limit=p.limit, view=p.view, team_id=p.team_id,
        )
        staff = is_staff(ctx.caller)
        return wire.TicketPage(items=[ticket_view(t, staff=staff) for t in page.items],
                               next_cursor=page.next_cursor,
                               unread=[t.id for t in page.items if t.id in page.unread])

    @reg.method("ticket.update", params=wire.TicketUpdateParams, result=wire.TicketView,
                tags=["tickets", "writes"],
                errors=[DEVICE_NOT_BOUND, FORBIDDEN, NOT_FOUND, ILLEGAL_TRANSITION,
                        RATE_LIMITED],
                summary="Change status, priority, assignee, team, tags or subject",
                description="Omitted fields stay as they are; assignee_id (team_id) null "
                "unassigns (leaves the team). Customers may only close or reopen tickets "
                "they requested; the team is for staff only.")
    async def update(ctx: RequestContext, p: wire.TicketUpdateParams) -> wire.TicketView:
        ticket = await s.tickets.update(
            ctx.caller, p.ticket_id,
            status=KEEP if p.status is UNSET else p.status,
            priority=KEEP if p.priority is UNSET else p.priority,
            assignee_id=KEEP if p.assignee_id is UNSET else p.assignee_id,
            tags=KEEP if p.tags is UNSET else p.tags,
            subject=KEEP if p.subject is UNSET else p.subject,
            team_id=KEEP if p.team_id is UNSET else p.team_id,
        )
        return ticket_view(ticket, staff=is_staff(ctx.caller))

    @reg.method("ticket.history", params=wire.TicketRef, result=list[wire.TicketChangeView],
                tags=["tickets"], errors=[DEVICE_NOT_BOUND, NOT_FOUND],
                summary="Every change of a ticket: who, what, when")
    async def history(ctx: RequestContext, p: wire.TicketRef) -> list[wire.TicketChangeView]:
        return [change_view(c) for c in await s.tickets.history(ctx.caller, p.ticket_id)]
