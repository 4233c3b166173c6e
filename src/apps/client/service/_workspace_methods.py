"""The workspace's server methods on one followed project, and ``client.queues``
across all of them."""

from __future__ import annotations

import asyncio

from ....adapters.jsonrpc import (
    CONFLICT,
    DEVICE_NOT_BOUND,
    FORBIDDEN,
    NOT_FOUND,
    RATE_LIMITED,
    MethodRegistry,
)
from ....adapters.support_rpc import wire_workspace as ws
from ..client import SupportClient
from ..errors import SupportClientError
from . import wire
from . import wire_workspace as local
from ._methods import ON_PROJECT, service_method
from .errors import rpc_error
from .session import ClientContext

BOUND = (*ON_PROJECT, DEVICE_NOT_BOUND)
STAFF = (*BOUND, FORBIDDEN)


def register(reg: MethodRegistry[ClientContext], client: SupportClient) -> None:
    """Add the workspace methods."""
    _register_queues(reg, client)
    _register_teams(reg, client)
    _register_directory(reg, client)
    _register_canned(reg, client)


def _register_queues(reg: MethodRegistry[ClientContext], client: SupportClient) -> None:
    method = service_method

    @method(reg, "queue.counts", params=wire.OnProject, result=ws.QueueCounts,
            tags=["queues"], errors=BOUND, summary="A project's queues and their live counts")
    async def counts(_ctx: ClientContext, p: wire.OnProject) -> ws.QueueCounts:
        return await client.project(p.project).queue_counts()

    @method(reg, "client.queues", params=None, result=local.QueuesView, tags=["client"],
            summary="The queues of every signed-in project, and the unread count over all",
            description="Projects that are down or not signed in are listed in problems.")
    async def queues(_ctx: ClientContext, _p: None) -> local.QueuesView:
        labels = [s.label for s in client.projects() if s.bound]
        answers = await asyncio.gather(*(_counts_or_problem(client, label) for label in labels))
        items: list[local.ProjectQueues] = []
        problems: dict[str, wire.ProjectProblem] = {}
        for label, answer in zip(labels, answers, strict=True):
            if isinstance(answer, wire.ProjectProblem):
                problems[label] = answer
            else:
                items.append(local.ProjectQueues(project=label, counts=answer))
        return local.QueuesView(items=items, unread=sum(i.counts.unread for i in items),
                                problems=problems)

    @method(reg, "ticket.mark_read", params=local.ProjectMarkParams, result=bool,
            tags=["tickets", "writes"], errors=[*BOUND, NOT_FOUND, RATE_LIMITED],
            summary="You have seen everything on this ticket so far (kept by the server)")
    async def mark_read(_ctx: ClientContext, p: local.ProjectMarkParams) -> bool:
        return await client.project(p.project).mark_read(p.ticket_id)

    @method(reg, "ticket.mark_unread", params=local.ProjectMarkParams, result=bool,
            tags=["tickets", "writes"], errors=[*BOUND, NOT_FOUND, RATE_LIMITED],
            summary="Show this ticket as unread to you again")
    async def mark_unread(_ctx: ClientContext, p: local.ProjectMarkParams) -> bool:
        return await client.project(p.project).mark_unread(p.ticket_id)

    @method(reg, "ticket.bulk_update", params=local.ProjectBulkUpdateParams,
            result=ws.BulkResult, tags=["tickets", "writes"], errors=[*BOUND, RATE_LIMITED],
            summary="The same change on up to 100 tickets of a project, a result per ticket")
    async def bulk_update(_ctx: ClientContext, p: local.ProjectBulkUpdateParams
                          ) -> ws.BulkResult:
        return await client.project(p.project).bulk_update(
            p.ticket_ids, status=p.status, priority=p.priority, assignee_id=p.assignee_id,
            team_id=p.team_id, add_tags=p.add_tags, remove_tags=p.remove_tags)


async def _counts_or_problem(client: SupportClient, label: str
                             ) -> ws.QueueCounts | wire.ProjectProblem:
    try:
        return await client.project(label).queue_counts()
    except SupportClientError as exc:
        error = rpc_error(exc)
        return wire.ProjectProblem(code=error.code.code, message=error.message)


def _register_teams(reg: MethodRegistry[ClientContext], client: SupportClient) -> None:
    method = service_method

    @method(reg, "team.list", params=wire.OnProject, result=list[ws.TeamView],
            tags=["teams"], errors=STAFF, summary="A project's teams and members (staff)")
    async def team_list(_ctx: ClientContext, p: wire.OnProject) -> list[ws.TeamView]:
        return await client.project(p.project).list_teams()

    @method(reg, "team.create", params=local.ProjectTeamCreateParams, result=ws.TeamView,
            tags=["teams", "writes"], errors=[*STAFF, NOT_FOUND, CONFLICT],
            summary="Define a team (admins)")
    async def team_create(_ctx: ClientContext, p: local.ProjectTeamCreateParams
                          ) -> ws.TeamView:
        return await client.project(p.project).create_team(p.name, members=p.members)

    @method(reg, "team.update", params=local.ProjectTeamUpdateParams, result=ws.TeamView,
            tags=["teams", "writes"], errors=[*STAFF, NOT_FOUND, CONFLICT],
            summary="Rename a team or replace its members (admins)")
    async def team_update(_ctx: ClientContext, p: local.ProjectTeamUpdateParams
                          ) -> ws.TeamView:
        return await client.project(p.project).update_team(p.team_id, name=p.name,
                                                           members=p.members)

    @method(reg, "team.delete", params=local.ProjectTeamRef, result=int,
            tags=["teams", "writes"], errors=[*STAFF, NOT_FOUND],
            summary="Remove a team (admins)")
    async def team_delete(_ctx: ClientContext, p: local.ProjectTeamRef) -> int:
        return await client.project(p.project).delete_team(p.team_id)


def _register_directory(reg: MethodRegistry[ClientContext], client: SupportClient) -> None:
    method = service_method

    @method(reg, "staff.list", params=wire.OnProject, result=list[ws.StaffMemberView],
            tags=["directory"], errors=STAFF,
            summary="A project's agents and admins: name, role, presence, teams")
    async def staff_list(_ctx: ClientContext, p: wire.OnProject) -> list[ws.StaffMemberView]:
        return await client.project(p.project).list_staff()

    @method(reg, "customer.search", params=local.ProjectCustomerSearchParams,
            result=list[ws.CustomerView], tags=["directory"], errors=STAFF,
            summary="A project's customers by part of their name or email (staff)")
    async def customer_search(_ctx: ClientContext, p: local.ProjectCustomerSearchParams
                              ) -> list[ws.CustomerView]:
        return await client.project(p.project).search_customers(p.query, limit=p.limit)

    @method(reg, "customer.context", params=wire.ProjectTicketRef,
            result=ws.CustomerContextView, tags=["directory"], errors=[*STAFF, NOT_FOUND],
            summary="A ticket's requester: name, email, devices last seen, other tickets")
    async def customer_context(_ctx: ClientContext, p: wire.ProjectTicketRef
                               ) -> ws.CustomerContextView:
        return await client.project(p.project).customer_context(p.ticket_id)

    @method(reg, "tag.suggest", params=local.ProjectTagSuggestParams,
            result=list[ws.TagCountView], tags=["directory"], errors=STAFF,
            summary="A project's tags by prefix, most used first (staff)")
    async def tag_suggest(_ctx: ClientContext, p: local.ProjectTagSuggestParams
                          ) -> list[ws.TagCountView]:
        return await client.project(p.project).suggest_tags(p.prefix, limit=p.limit)


def _register_canned(reg: MethodRegistry[ClientContext], client: SupportClient) -> None:
    method = service_method

    @method(reg, "canned.list", params=wire.OnProject, result=list[ws.CannedReplyView],
            tags=["canned"], errors=STAFF,
            summary="A project's shared canned replies and yours (staff)")
    async def canned_list(_ctx: ClientContext, p: wire.OnProject) -> list[ws.CannedReplyView]:
        return await client.project(p.project).list_canned()

    @method(reg, "canned.create", params=local.ProjectCannedCreateParams,
            result=ws.CannedReplyView, tags=["canned", "writes"], errors=[*STAFF, CONFLICT],
            summary="Save a canned reply on a project")
    async def canned_create(_ctx: ClientContext, p: local.ProjectCannedCreateParams
                            ) -> ws.CannedReplyView:
        return await client.project(p.project).create_canned(p.title, p.body, shared=p.shared)

    @method(reg, "canned.update", params=local.ProjectCannedUpdateParams,
            result=ws.CannedReplyView, tags=["canned", "writes"], errors=[*STAFF, NOT_FOUND],
            summary="Edit a canned reply")
    async def canned_update(_ctx: ClientContext, p: local.ProjectCannedUpdateParams
                            ) -> ws.CannedReplyView:
        return await client.project(p.project).update_canned(
            p.canned_id, title=p.title, body=p.body, shared=p.shared)

    @method(reg, "canned.delete", params=local.ProjectCannedRef, result=bool,
            tags=["canned", "writes"], errors=[*STAFF, NOT_FOUND],
            summary="Remove a canned reply")
    async def canned_delete(_ctx: ClientContext, p: local.ProjectCannedRef) -> bool:
        return await client.project(p.project).delete_canned(p.canned_id)

    @method(reg, "canned.render", params=local.ProjectCannedRenderParams,
            result=ws.RenderedReply, tags=["canned"], errors=[*STAFF, NOT_FOUND],
            summary="A canned reply with its placeholders filled for a ticket")
    async def canned_render(_ctx: ClientContext, p: local.ProjectCannedRenderParams
                            ) -> ws.RenderedReply:
        return await client.project(p.project).render_canned(p.canned_id, p.ticket_id)

    @method(reg, "canned.placeholders", params=wire.OnProject,
            result=list[ws.PlaceholderView], tags=["canned"], errors=STAFF,
            summary="The placeholders a project's server fills")
    async def canned_placeholders(_ctx: ClientContext, p: wire.OnProject
                                  ) -> list[ws.PlaceholderView]:
        return await client.project(p.project).canned_placeholders()



