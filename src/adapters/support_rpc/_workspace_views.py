"""Workspace domain values to their wire views."""

from __future__ import annotations

from ...domain.canned import CannedReply
from ...domain.identity import User
from ...domain.services import CustomerContext, StaffMember
from ...domain.teams import Team
from . import wire_workspace as ws


def team_view(team: Team) -> ws.TeamView:
    """A team."""
    return ws.TeamView(id=team.id, name=team.name, members=list(team.members),
                       created_at=team.created_at)


def staff_member_view(member: StaffMember) -> ws.StaffMemberView:
    """A colleague in the directory."""
    user = member.user
    return ws.StaffMemberView(id=user.id, display_name=user.display_name, role=user.role,
                              status=user.status, presence=member.presence,
                              last_seen=member.last_seen, team_ids=list(member.team_ids))


def customer_view(user: User) -> ws.CustomerView:
    """A customer for staff."""
    return ws.CustomerView(id=user.id, display_name=user.display_name, email=user.email,
                           status=user.status)


def context_view(context: CustomerContext) -> ws.CustomerContextView:
    """The customer context panel."""
    return ws.CustomerContextView(
        customer=customer_view(context.customer),
        devices=[ws.ContextDeviceView(label=d.label, bound_at=d.bound_at, last_seen=d.last_seen)
                 for d in context.devices],
        tickets=[ws.ContextTicketView(id=t.id, subject=t.subject, status=t.status,
                                      priority=t.priority, updated_at=t.updated_at)
                 for t in context.tickets],
        open_tickets=context.open_tickets)


def canned_view(reply: CannedReply) -> ws.CannedReplyView:
    """A canned reply."""
    return ws.CannedReplyView(id=reply.id, owner_id=reply.owner_id, shared=reply.shared,
                              title=reply.title, body=reply.body, created_at=reply.created_at,
                              updated_at=reply.updated_at)
