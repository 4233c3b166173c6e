"""The service-level server methods on one followed project (issue 15)."""

from __future__ import annotations

from ....adapters.jsonrpc import (
    DEVICE_NOT_BOUND,
    FORBIDDEN,
    NOT_FOUND,
    RATE_LIMITED,
    MethodRegistry,
)
from ....adapters.support_rpc import wire_service_levels as sl
from ..client import SupportClient
from . import wire
from ._methods import ON_PROJECT, service_method
from .session import ClientContext

BOUND = (*ON_PROJECT, DEVICE_NOT_BOUND)
STAFF = (*BOUND, FORBIDDEN)


class ProjectCalendarParams(sl.CalendarParams, frozen=True, kw_only=True,
                            forbid_unknown_fields=True):
    """``sla.set_calendar`` on one project."""

    project: wire.Label


class ProjectPolicyParams(sl.PolicyParams, frozen=True, kw_only=True,
                          forbid_unknown_fields=True):
    """``sla.set_policy`` on one project."""

    project: wire.Label


def register(reg: MethodRegistry[ClientContext], client: SupportClient) -> None:
    """Add the service-level methods."""
    method = service_method

    @method(reg, "sla.settings", params=wire.OnProject, result=sl.ServiceLevelSettingsView,
            tags=["service levels"], errors=STAFF,
            summary="A project's business calendar and each priority's targets (staff)")
    async def settings(_ctx: ClientContext, p: wire.OnProject) -> sl.ServiceLevelSettingsView:
        return await client.project(p.project).service_level_settings()

    @method(reg, "sla.set_calendar", params=ProjectCalendarParams, result=sl.CalendarView,
            tags=["service levels", "writes"], errors=[*STAFF, RATE_LIMITED],
            summary="Replace a project's business calendar (admins)")
    async def set_calendar(_ctx: ClientContext, p: ProjectCalendarParams) -> sl.CalendarView:
        return await client.project(p.project).set_calendar(p.zone, p.hours, p.holidays)

    @method(reg, "sla.set_policy", params=ProjectPolicyParams, result=sl.PolicyView | None,
            tags=["service levels", "writes"], errors=[*STAFF, RATE_LIMITED],
            summary="Set the targets of one priority of a project (admins)")
    async def set_policy(_ctx: ClientContext, p: ProjectPolicyParams) -> sl.PolicyView | None:
        return await client.project(p.project).set_policy(p.priority, p.targets)

    @method(reg, "ticket.service_level", params=wire.ProjectTicketRef,
            result=sl.TicketServiceLevelView, tags=["tickets", "service levels"],
            errors=[*BOUND, NOT_FOUND], summary="Where a ticket's promises stand now")
    async def ticket_service_level(_ctx: ClientContext, p: wire.ProjectTicketRef
                                   ) -> sl.TicketServiceLevelView:
        return await client.project(p.project).ticket_service_level(p.ticket_id)
