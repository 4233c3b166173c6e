"""ticket.* on one followed project, and ticket.list across all of them."""

from __future__ import annotations

import asyncio

from ....adapters.jsonrpc import (
    DEVICE_NOT_BOUND,
    FORBIDDEN,
    ILLEGAL_TRANSITION,
    INVALID_PARAMS,
    NOT_FOUND,
    RATE_LIMITED,
    TOO_LARGE,
    JsonRpcError,
    MethodRegistry,
)
from ....adapters.support_rpc import wire as server
from ....domain.listing import PRIORITY_RANK, TicketOrder
from ..client import SupportClient
from ..errors import DeviceNotBoundError, SupportClientError
from . import wire
from ._methods import ON_PROJECT, service_method
from .errors import rpc_error
from .session import ClientContext

BOUND = (*ON_PROJECT, DEVICE_NOT_BOUND)


def register(reg: MethodRegistry[ClientContext], client: SupportClient) -> None:
    """Add the ticket methods."""
    method = service_method

    @method(reg, "ticket.create", params=wire.ProjectTicketCreateParams,
            result=server.TicketView, tags=["tickets", "writes"],
            errors=[*BOUND, FORBIDDEN, TOO_LARGE, RATE_LIMITED],
            summary="File a ticket on a project (staff may file for a customer)")
    async def create(_ctx: ClientContext, p: wire.ProjectTicketCreateParams
                     ) -> server.TicketView:
        return await client.project(p.project).create_ticket(
            p.subject, body=p.body, priority=p.priority, tags=p.tags,
            requester_id=p.requester_id)

    @method(reg, "ticket.get", params=wire.ProjectTicketRef, result=server.TicketView,
            tags=["tickets"], errors=[*BOUND, NOT_FOUND], summary="One ticket of a project")
    async def get(_ctx: ClientContext, p: wire.ProjectTicketRef) -> server.TicketView:
        return await client.project(p.project).get_ticket(p.ticket_id)

    @method(reg, "ticket.list", params=wire.ProjectTicketListParams,
            result=wire.ProjectTicketPage, tags=["tickets"], errors=[*BOUND, INVALID_PARAMS],
            summary="Tickets of one project, or of every followed project",
            description="With project: one page of that project (cursor pages on) and "
            "its refusals are errors. Without: the first page of every project (limit "
            "applies to each), merged most recently updated first (newest first with a "
            "query or order newest; most urgent first with order priority); with view, "
            "only the projects where you are staff; a project that cannot answer is listed "
            "in problems "
            "with its error code instead of failing the call. Continue with cursors = "
            "next_cursors.")
    async def list_(_ctx: ClientContext, p: wire.ProjectTicketListParams
                    ) -> wire.ProjectTicketPage:
        if p.project is not None:
            if p.cursors is not None:
                raise _param("cursors", "only without project; use cursor")
            page = await _page(client, p.project, p, p.cursor)
            unread = set(page.unread)
            return wire.ProjectTicketPage(
                items=[wire.ProjectTicket(project=p.project, ticket=t, unread=t.id in unread)
                       for t in page.items],
                next_cursors={} if page.next_cursor is None else {p.project: page.next_cursor},
                problems={})
        if p.cursor is not None:
            raise _param("cursor", "needs project; across projects use cursors")
        if p.team_id is not None:
            raise _param("team_id", "a team belongs to one project: name the project")
        labels = [state.label for state in client.projects()
                  # Queues are staff views: across projects, only those where one is staff.
                  if p.view is None or (state.role is not None and state.role.is_staff)]
        targets = (dict.fromkeys(labels) if p.cursors is None else
                   {label: p.cursors[label] for label in labels if label in p.cursors})
        answers = await asyncio.gather(*(_page_or_problem(client, label, p, cursor)
                                         for label, cursor in targets.items()))
        return _merge(dict(zip(targets, answers, strict=True)), p)

    @method(reg, "ticket.update", params=wire.ProjectTicketUpdateParams,
            result=server.TicketView, tags=["tickets", "writes"],
            errors=[*BOUND, FORBIDDEN, NOT_FOUND, ILLEGAL_TRANSITION, RATE_LIMITED],
            summary="Change status, priority, assignee, tags or subject of a ticket",
            description="Omitted fields stay as they are; assignee_id null unassigns.")
    async def update(_ctx: ClientContext, p: wire.ProjectTicketUpdateParams
                     ) -> server.TicketView:
        return await client.project(p.project).update_ticket(
            p.ticket_id, status=p.status, priority=p.priority, assignee_id=p.assignee_id,
            tags=p.tags, subject=p.subject, team_id=p.team_id)

    @method(reg, "ticket.history", params=wire.ProjectTicketRef,
            result=list[server.TicketChangeView], tags=["tickets"],
            errors=[*BOUND, NOT_FOUND], summary="Every change of a ticket: who, what, when")
    async def history(_ctx: ClientContext, p: wire.ProjectTicketRef
                      ) -> list[server.TicketChangeView]:
        return await client.project(p.project).ticket_history(p.ticket_id)


async def _page(client: SupportClient, label: str, p: wire.ProjectTicketListParams,
                cursor: str | None) -> server.TicketPage:
    project = client.project(label)
    assignee = p.assignee_id
    if p.assigned_to_me:
        user = project.state.user or (await project.whoami()).user
        if user is None:
            raise DeviceNotBoundError("this device is not signed in to the project")
        assignee = user.id
    return await project.list_tickets(
        status=p.status, priority=p.priority, assignee_id=assignee, unassigned=p.unassigned,
        requester_id=p.requester_id, tag=p.tag, query=p.query, order=p.order, cursor=cursor,
        limit=p.limit, view=p.view, team_id=p.team_id)


async def _page_or_problem(client: SupportClient, label: str,
                           p: wire.ProjectTicketListParams,
                           cursor: str | None) -> server.TicketPage | wire.ProjectProblem:
    try:
        return await _page(client, label, p, cursor)
    except SupportClientError as exc:
        error = rpc_error(exc)
        return wire.ProjectProblem(code=error.code.code, message=error.message)


def _merge(answers: dict[str, server.TicketPage | wire.ProjectProblem],
           p: wire.ProjectTicketListParams) -> wire.ProjectTicketPage:
    newest = p.order is TicketOrder.NEWEST or (p.order is None and bool(p.query))
    by_priority = p.order is TicketOrder.PRIORITY
    items: list[wire.ProjectTicket] = []
    next_cursors: dict[str, str] = {}
    problems: dict[str, wire.ProjectProblem] = {}
    for label, answer in answers.items():
        if isinstance(answer, wire.ProjectProblem):
            problems[label] = answer
            continue
        unread = set(answer.unread)
        items += [wire.ProjectTicket(project=label, ticket=t, unread=t.id in unread)
                  for t in answer.items]
        if answer.next_cursor is not None:
            next_cursors[label] = answer.next_cursor
    if by_priority:
        items.sort(key=lambda i: (PRIORITY_RANK[i.ticket.priority], i.ticket.updated_at,
                                  i.project, i.ticket.id), reverse=True)
    elif p.order is not TicketOrder.RELEVANCE:  # relevance is comparable within a project
        items.sort(key=lambda i: (i.ticket.created_at if newest else i.ticket.updated_at,
                                  i.project, i.ticket.id), reverse=True)
    return wire.ProjectTicketPage(items=items, next_cursors=next_cursors, problems=problems)


def _param(field: str, problem: str) -> JsonRpcError:
    return JsonRpcError(INVALID_PARAMS, f"{field}: {problem}",
                        {"field": field, "problem": problem})
