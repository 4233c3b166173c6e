"""Domain values to wire views."""

from __future__ import annotations

from msgspec import UNSET

from ...domain.attachments import Attachment
from ...domain.events import Event
from ...domain.identity import Caller, CallerIdentity, DeviceBinding, User
from ...domain.messages import Message, MessageRevision
from ...domain.presence import Presence, TicketWatcher
from ...domain.tickets import Ticket, TicketChange
from . import wire

ATTACHMENT_ROUTE = "/attachments"


def attachment_url(sha256: str) -> str:
    """Where an attachment's bytes are served (same identity boundary as /rpc)."""
    return f"{ATTACHMENT_ROUTE}/{sha256}"


def user_view(user: User) -> wire.UserView:
    """A user with email, for admins and for the user themselves."""
    return wire.UserView(id=user.id, email=user.email, display_name=user.display_name,
                         role=user.role, status=user.status, created_at=user.created_at)


def person_view(user: User) -> wire.PersonView:
    """A user without email, for people sharing a ticket."""
    return wire.PersonView(id=user.id, display_name=user.display_name, role=user.role)


def device_view(binding: DeviceBinding) -> wire.DeviceView:
    """A bound device."""
    return wire.DeviceView(address=binding.address, user_id=binding.user_id,
                           label=binding.label, bound_at=binding.bound_at,
                           last_seen=binding.last_seen)


def ticket_view(ticket: Ticket, *, staff: bool) -> wire.TicketView:
    """A ticket; the team only for ``staff`` (customers never see teams)."""
    return wire.TicketView(
        id=ticket.id, subject=ticket.subject, body=ticket.body, status=ticket.status,
        priority=ticket.priority, tags=list(ticket.tags), requester_id=ticket.requester_id,
        assignee_id=ticket.assignee_id, created_at=ticket.created_at,
        updated_at=ticket.updated_at, team_id=ticket.team_id if staff else UNSET,
    )


def is_staff(caller: Caller) -> bool:
    """Whether a caller is an agent or an admin (views differ by audience)."""
    return isinstance(caller, CallerIdentity) and caller.role.is_staff


def change_view(change: TicketChange) -> wire.TicketChangeView:
    """One history entry."""
    return wire.TicketChangeView(ticket_id=change.ticket_id, actor_id=change.actor_id,
                                 at=change.at, field=change.field, old=change.old,
                                 new=change.new, reason=change.reason)


def message_view(message: Message) -> wire.MessageView:
    """A message."""
    return wire.MessageView(
        id=message.id, ticket_id=message.ticket_id, parent_id=message.parent_id,
        author_id=message.author_id, body=message.body, visibility=message.visibility,
        attachments=list(message.attachments), created_at=message.created_at,
        edited_at=message.edited_at,
    )


def revision_view(revision: MessageRevision) -> wire.RevisionView:
    """An earlier text of a message."""
    return wire.RevisionView(message_id=revision.message_id, number=revision.number,
                             body=revision.body, editor_id=revision.editor_id,
                             replaced_at=revision.replaced_at)


def attachment_view(attachment: Attachment, url: str) -> wire.AttachmentView:
    """Attachment metadata with its download URL."""
    return wire.AttachmentView(sha256=attachment.sha256, mime=attachment.mime,
                               size=attachment.size, width=attachment.width,
                               height=attachment.height, url=url)


def presence_view(presence: Presence) -> wire.PresenceView:
    """This device's presence."""
    return wire.PresenceView(state=presence.state, viewing_ticket_id=presence.viewing_ticket_id,
                             typing=presence.typing, last_seen=presence.last_seen)


def watcher_view(watcher: TicketWatcher, display_name: str) -> wire.WatcherView:
    """A person on a ticket."""
    return wire.WatcherView(user_id=watcher.user_id, display_name=display_name,
                            role=watcher.role, typing=watcher.typing,
                            last_seen=watcher.last_seen)


def event_view(event: Event) -> wire.EventView:
    """A notification."""
    return wire.EventView(seq=event.seq, kind=event.kind, ticket_id=event.ticket_id,
                          occurred_at=event.occurred_at, data=dict(event.data))
