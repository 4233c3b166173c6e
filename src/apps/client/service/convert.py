"""Library values to the service's wire views."""

from __future__ import annotations

from ....adapters.support_rpc.wire import EventView
from ..inbox import Inbox
from ..state import ProjectState
from . import wire


def state_view(state: ProjectState) -> wire.ProjectStateView:
    """A project's state as the service shows it."""
    return wire.ProjectStateView(
        label=state.label, server=state.server, phase=state.phase, reachable=state.reachable,
        device_addr=state.device_addr, project_name=state.project_name, bound=state.bound,
        user=state.user, role=state.role, streaming=state.streaming,
        last_error=state.last_error,
    )


def inbox_view(inbox: Inbox) -> wire.InboxView:
    """The aggregated inbox."""
    items = [
        wire.InboxItemView(project=item.label, ticket=item.ticket, unread=item.unread,
                           last_message_id=item.last_message_id, watchers=list(item.watchers))
        for item in inbox.items
    ]
    return wire.InboxView(items=items, unread=inbox.unread, problems=dict(inbox.problems))


def event_view(event: EventView) -> wire.EventView:
    """A server's event, described for the service's document."""
    return wire.EventView(seq=event.seq, kind=event.kind, ticket_id=event.ticket_id,
                          occurred_at=event.occurred_at, data=dict(event.data))
