"""Who may see and do what (DESIGN section 4). Every use case asks here.

Customers see only tickets they requested (unless the project lets them see all),
never internal notes; agents see every ticket; admins also manage users. A ticket a
caller may not see is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

from .canned import CannedReply
from .errors import DeviceNotBound, Forbidden, NotFound
from .events import Event
from .identity import Caller, CallerIdentity, Role
from .messages import Message
from .presence import Presence
from .project import ProjectSettings
from .tickets import ANSWERED_BY_CUSTOMER, REOPENED_BY_REPLY, Ticket, TicketStatus


def require_bound(caller: Caller) -> CallerIdentity:
    """The caller as a bound identity, or ``UnboundDevice`` for enrollment-only devices."""
    if isinstance(caller, CallerIdentity):
        return caller
    raise DeviceNotBound(
        f"device {caller.device_addr} is not bound to a user; request a sign-in link first"
    )


def require_staff(caller: Caller) -> CallerIdentity:
    """Agents and admins only."""
    who = require_bound(caller)
    if not who.role.is_staff:
        raise Forbidden("only support agents and admins may do this")
    return who


def require_admin(caller: Caller) -> CallerIdentity:
    """Admins only."""
    who = require_bound(caller)
    if who.role is not Role.ADMIN:
        raise Forbidden("only admins may do this")
    return who


def can_see_ticket(who: CallerIdentity, requester_id: int | None,
                   settings: ProjectSettings) -> bool:
    """Whether ``who`` may see a ticket requested by ``requester_id``."""
    if who.role.is_staff:
        return True
    return settings.customers_see_all_tickets or requester_id == who.user_id


def ensure_can_see(who: CallerIdentity, ticket: Ticket | None, ticket_id: int,
                   settings: ProjectSettings) -> Ticket:
    """The ticket, or ``NotFound`` whether it is missing or hidden from ``who``."""
    if ticket is None or not can_see_ticket(who, ticket.requester_id, settings):
        raise NotFound(f"ticket {ticket_id} does not exist")
    return ticket


def can_see_message(who: CallerIdentity, message: Message) -> bool:
    """Internal notes are for staff only (ticket visibility is checked separately)."""
    return who.role.is_staff or not message.is_internal


def may_write_internal(who: CallerIdentity) -> bool:
    """Only staff write internal notes."""
    return who.role.is_staff


def customer_may_set_status(ticket: Ticket, target: TicketStatus, who: CallerIdentity) -> bool:
    """Customers may close or reopen tickets they requested, and nothing else."""
    if ticket.requester_id != who.user_id:
        return False
    if target is TicketStatus.CLOSED:
        return True
    return target is TicketStatus.OPEN and ticket.status in (
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    )


def reopen_reason(ticket: Ticket, who: CallerIdentity) -> str | None:
    """Why a public reply by ``who`` puts ``ticket`` back to open, or ``None``.

    A customer's answer (the requester's, or with a shared project another customer's)
    means the ticket needs an agent again: pending was waiting for them, resolved and
    closed had left the queues. Staff replying on someone else's ticket change nothing.
    """
    if who.role.is_staff and who.user_id != ticket.requester_id:
        return None
    if ticket.status is TicketStatus.PENDING:
        return ANSWERED_BY_CUSTOMER
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return REOPENED_BY_REPLY
    return None


def may_edit_message(who: CallerIdentity, message: Message) -> bool:
    """Authors edit their own words; admins may correct anyone's."""
    return message.author_id == who.user_id or who.role is Role.ADMIN


def may_manage_device_of(who: CallerIdentity, owner_id: int) -> bool:
    """Own devices for everyone; any device for admins."""
    return owner_id == who.user_id or who.role is Role.ADMIN


def require_settings_admin(caller: Caller) -> CallerIdentity:
    """Only admins change the project's name and policy switches."""
    who = require_bound(caller)
    if who.role is not Role.ADMIN:
        raise Forbidden("only admins may change the project's settings")
    return who


def event_visible_to(who: CallerIdentity, event: Event, settings: ProjectSettings) -> bool:
    """Route an event only to callers who could read what it is about."""
    if event.recipient_id is not None:
        return event.recipient_id == who.user_id
    if event.internal and not who.role.is_staff:
        return False
    if event.ticket_id is None:
        # The project's own name and switches are public (project.info): everyone's.
        return event.kind.is_project_wide or who.role.is_staff
    return can_see_ticket(who, event.requester_id, settings)


def presence_visible_to(who: CallerIdentity, presence: Presence, requester_id: int | None,
                        settings: ProjectSettings) -> bool:
    """Staff see everyone on a ticket; customers see staff on tickets they may see."""
    if who.role.is_staff:
        return True
    if presence.user_id == who.user_id:
        return True
    return presence.role.is_staff and can_see_ticket(who, requester_id, settings)


def may_see_canned(who: CallerIdentity, reply: CannedReply) -> bool:
    """Staff see (and maintain) the shared replies and their own; customers none at all.

    Another agent's personal reply stays invisible, even to admins: it is a draft.
    """
    return who.role.is_staff and (reply.shared or reply.owner_id == who.user_id)


def may_share_canned(who: CallerIdentity, reply: CannedReply) -> bool:
    """Sharing or un-sharing is the owner's call (or an admin's): un-sharing takes a
    reply away from everyone else."""
    return reply.owner_id == who.user_id or who.role is Role.ADMIN
