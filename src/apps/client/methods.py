"""Every method of the project server's API (DESIGN section 5), typed.

:class:`ProjectMethods` turns keyword arguments into the server's own wire Structs
and returns its wire views; :class:`~.project.ProjectConnection` supplies the
transport. Refusals raise :class:`~.errors.RequestRefusedError` subclasses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

import msgspec
from msgspec import UNSET, UnsetType

from ...adapters.support_rpc import wire
from ...domain.identity import Role, UserStatus
from ...domain.listing import TicketOrder
from ...domain.messages import Visibility
from ...domain.presence import PresenceState
from ...domain.queues import QueueView
from ...domain.tickets import Priority, TicketStatus
from ._service_level_calls import ServiceLevelMethods
from ._workspace_calls import WorkspaceMethods

T = TypeVar("T")


class ProjectMethods(WorkspaceMethods, ServiceLevelMethods):
    """The server's methods; subclasses implement :meth:`_call`."""

    async def _call(self, method: str, params: msgspec.Struct | None, result: type[T]) -> T:
        raise NotImplementedError

    # -- project and sign-in ---------------------------------------------------------

    async def project_info(self) -> wire.ProjectInfo:
        """The project's name and the server's facts (works before signing in)."""
        return await self._call("project.info", None, wire.ProjectInfo)

    async def whoami(self) -> wire.WhoAmI:
        """This device as the server sees it and, once signed in, its user."""
        return await self._call("auth.whoami", None, wire.WhoAmI)

    async def request_link(self, email: str, *, device_label: str) -> wire.RequestLinkResult:
        """Ask the server to email a sign-in link and code for this device."""
        params = wire.RequestLinkParams(email=email, device_label=device_label)
        return await self._call("auth.request_link", params, wire.RequestLinkResult)

    async def confirm(self, code: str) -> wire.DeviceView:
        """Bind this device with the code from the sign-in email."""
        return await self._call("auth.confirm", wire.ConfirmParams(code=code), wire.DeviceView)

    # -- devices and users ----------------------------------------------------------

    async def list_devices(self, user_id: int | None = None) -> list[wire.DeviceView]:
        """Your devices (admins: a user's, or everyone's with no ``user_id``)."""
        params = wire.DeviceListParams(user_id=user_id)
        return await self._call("device.list", params, list[wire.DeviceView])

    async def rename_device(self, address: str, label: str) -> wire.DeviceView:
        """Relabel one of your devices."""
        params = wire.DeviceRenameParams(address=address, label=label)
        return await self._call("device.rename", params, wire.DeviceView)

    async def revoke_device(self, address: str) -> wire.DeviceView:
        """Unbind a device (this one too, if you name its address)."""
        params = wire.DeviceRevokeParams(address=address)
        return await self._call("device.revoke", params, wire.DeviceView)

    async def update_project(self, *, name: str | UnsetType = UNSET,
                             customers_see_all_tickets: bool | UnsetType = UNSET
                             ) -> wire.ProjectSettingsView:
        """Rename the project or switch what customers see (admins)."""
        params = wire.ProjectUpdateParams(name=name,
                                          customers_see_all_tickets=customers_see_all_tickets)
        return await self._call("project.update", params, wire.ProjectSettingsView)

    async def enroll_user(self, email: str, *, role: Role, display_name: str) -> wire.UserView:
        """Pre-enroll a person (admins)."""
        params = wire.UserEnrollParams(email=email, role=role, display_name=display_name)
        return await self._call("user.enroll", params, wire.UserView)

    async def list_users(self, *, role: Role | None = None,
                         status: UserStatus | None = None) -> list[wire.UserView]:
        """Every user, optionally filtered (admins)."""
        params = wire.UserListParams(role=role, status=status)
        return await self._call("user.list", params, list[wire.UserView])

    async def update_user(self, user_id: int, *,
                          display_name: str | UnsetType = UNSET,
                          role: Role | UnsetType = UNSET,
                          disabled: bool | UnsetType = UNSET) -> wire.UserView:
        """Rename, change the role of, disable or re-enable a user (admins)."""
        params = wire.UserUpdateParams(user_id=user_id, display_name=display_name,
                                       role=role, disabled=disabled)
        return await self._call("user.update", params, wire.UserView)

    async def people(self, ids: Iterable[int]) -> list[wire.PersonView]:
        """Display names and roles of the people with these ids (at most 200)."""
        params = wire.PeopleParams(ids=list(ids))
        return await self._call("user.people", params, list[wire.PersonView])

    # -- tickets ----------------------------------------------------------------------

    async def create_ticket(self, subject: str, *, body: str = "",
                            priority: Priority = Priority.NORMAL, tags: Iterable[str] = (),
                            requester_id: int | None = None) -> wire.TicketView:
        """File a ticket (staff may file one for a customer with ``requester_id``)."""
        params = wire.TicketCreateParams(subject=subject, body=body, priority=priority,
                                         tags=list(tags), requester_id=requester_id)
        return await self._call("ticket.create", params, wire.TicketView)

    async def get_ticket(self, ticket_id: int) -> wire.TicketView:
        """One ticket."""
        return await self._call("ticket.get", wire.TicketRef(ticket_id=ticket_id),
                                wire.TicketView)

    async def list_tickets(
        self, *, status: Iterable[TicketStatus] = (), priority: Iterable[Priority] = (),
        assignee_id: int | None = None, unassigned: bool = False,
        requester_id: int | None = None, tag: str | None = None, query: str = "",
        order: TicketOrder | None = None, cursor: str | None = None, limit: int | None = None,
        view: QueueView | None = None, team_id: int | None = None,
    ) -> wire.TicketPage:
        """One page of the tickets you may see; pass ``next_cursor`` back as ``cursor``.

        ``view`` (staff) starts from a queue; ``unread`` in the answer marks the page's
        tickets with activity you have not seen.
        """
        params = wire.TicketListParams(
            status=list(status), priority=list(priority), assignee_id=assignee_id,
            unassigned=unassigned, requester_id=requester_id, tag=tag, query=query,
            order=order, cursor=cursor, limit=limit, view=view, team_id=team_id,
        )
        return await self._call("ticket.list", params, wire.TicketPage)

    async def iter_tickets(self, *, status: Iterable[TicketStatus] = (),
                           query: str = "", page_size: int = 100
                           ) -> AsyncIterator[wire.TicketView]:
        """Every ticket you may see with these statuses (and words), page after page."""
        statuses = list(status)
        cursor: str | None = None
        while True:
            page = await self.list_tickets(status=statuses, query=query, cursor=cursor,
                                           limit=page_size)
            for ticket in page.items:
                yield ticket
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def update_ticket(self, ticket_id: int, *,
                            status: TicketStatus | UnsetType = UNSET,
                            priority: Priority | UnsetType = UNSET,
                            assignee_id: int | UnsetType | None = UNSET,
                            tags: Iterable[str] | UnsetType = UNSET,
                            subject: str | UnsetType = UNSET,
                            team_id: int | UnsetType | None = UNSET) -> wire.TicketView:
        """Change what is given; ``assignee_id=None`` unassigns, ``team_id=None`` too."""
        params = wire.TicketUpdateParams(
            ticket_id=ticket_id, status=status, priority=priority, assignee_id=assignee_id,
            tags=UNSET if isinstance(tags, UnsetType) else list(tags), subject=subject,
            team_id=team_id,
        )
        return await self._call("ticket.update", params, wire.TicketView)

    async def ticket_history(self, ticket_id: int) -> list[wire.TicketChangeView]:
        """Every change of a ticket: who, what, when."""
        return await self._call("ticket.history", wire.TicketRef(ticket_id=ticket_id),
                                list[wire.TicketChangeView])

    # -- messages and attachments ----------------------------------------------------

    async def post_message(self, ticket_id: int, body: str = "", *,
                           parent_id: int | None = None,
                           visibility: Visibility = Visibility.PUBLIC,
                           attachments: Iterable[str] = ()) -> wire.MessageView:
        """Reply on a ticket (staff: or add an internal note); attachments are sha256 ids."""
        params = wire.MessagePostParams(ticket_id=ticket_id, body=body, parent_id=parent_id,
                                        visibility=visibility, attachments=list(attachments))
        return await self._call("message.post", params, wire.MessageView)

    async def list_messages(self, ticket_id: int, *, after_id: int = 0,
                            limit: int = 200) -> list[wire.MessageView]:
        """Messages of a ticket after ``after_id``, oldest first."""
        params = wire.MessageListParams(ticket_id=ticket_id, after_id=after_id, limit=limit)
        return await self._call("message.list", params, list[wire.MessageView])

    async def edit_message(self, message_id: int, body: str) -> wire.MessageView:
        """Change the text of your message; the old text is kept."""
        params = wire.MessageEditParams(message_id=message_id, body=body)
        return await self._call("message.edit", params, wire.MessageView)

    async def message_revisions(self, message_id: int) -> list[wire.RevisionView]:
        """Earlier texts of a message."""
        return await self._call("message.revisions", wire.MessageRef(message_id=message_id),
                                list[wire.RevisionView])

    async def attachment_info(self, sha256: str) -> wire.AttachmentView:
        """Metadata of an attachment you may see."""
        return await self._call("attachment.get", wire.AttachmentRef(sha256=sha256),
                                wire.AttachmentView)

    # -- presence ---------------------------------------------------------------------

    async def update_presence(self, *, state: PresenceState = PresenceState.ONLINE,
                              viewing_ticket_id: int | None = None,
                              typing: bool = False) -> wire.PresenceView:
        """One presence heartbeat (see ``set_activity`` for the automatic ones)."""
        params = wire.PresenceUpdateParams(state=state, viewing_ticket_id=viewing_ticket_id,
                                           typing=typing)
        return await self._call("presence.update", params, wire.PresenceView)

    async def list_presence(self, ticket_id: int) -> list[wire.WatcherView]:
        """Who is viewing or typing on a ticket, as far as you may know."""
        return await self._call("presence.list", wire.TicketRef(ticket_id=ticket_id),
                                list[wire.WatcherView])
