"""Params of the workspace's server methods on one followed project (``project`` added),
and the service's own aggregated queue counts."""

from __future__ import annotations

from ....adapters.support_rpc import wire
from ....adapters.support_rpc import wire_workspace as ws
from .wire import Label, ProjectProblem


class ProjectMarkParams(ws.MarkParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``ticket.mark_read`` / ``ticket.mark_unread`` on one project."""

    project: Label


class ProjectBulkUpdateParams(ws.BulkUpdateParams, frozen=True, kw_only=True,
                              forbid_unknown_fields=True):
    """``ticket.bulk_update`` on one project."""

    project: Label


class ProjectTeamCreateParams(ws.TeamCreateParams, frozen=True, kw_only=True,
                              forbid_unknown_fields=True):
    """``team.create`` on one project."""

    project: Label


class ProjectTeamUpdateParams(ws.TeamUpdateParams, frozen=True, kw_only=True,
                              forbid_unknown_fields=True):
    """``team.update`` on one project."""

    project: Label


class ProjectTeamRef(ws.TeamRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One team of one project."""

    project: Label


class ProjectCustomerSearchParams(ws.CustomerSearchParams, frozen=True, kw_only=True,
                                  forbid_unknown_fields=True):
    """``customer.search`` on one project."""

    project: Label


class ProjectTagSuggestParams(ws.TagSuggestParams, frozen=True, kw_only=True,
                              forbid_unknown_fields=True):
    """``tag.suggest`` on one project."""

    project: Label


class ProjectCannedCreateParams(ws.CannedCreateParams, frozen=True, kw_only=True,
                                forbid_unknown_fields=True):
    """``canned.create`` on one project."""

    project: Label


class ProjectCannedUpdateParams(ws.CannedUpdateParams, frozen=True, kw_only=True,
                                forbid_unknown_fields=True):
    """``canned.update`` on one project."""

    project: Label


class ProjectCannedRef(ws.CannedRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One canned reply of one project."""

    project: Label


class ProjectCannedRenderParams(ws.CannedRenderParams, frozen=True, kw_only=True,
                                forbid_unknown_fields=True):
    """``canned.render`` on one project."""

    project: Label


class ProjectQueues(wire.View, frozen=True, kw_only=True):
    """One project's queues."""

    project: str
    counts: ws.QueueCounts


class QueuesView(wire.View, frozen=True, kw_only=True):
    """The queues of every signed-in project; ``unread`` over all of them (the title's
    count). ``problems`` names each project that could not answer."""

    items: list[ProjectQueues]
    unread: int
    problems: dict[str, ProjectProblem]
