"""Wire types of the client's local service: params of every method, and its own results.

Server methods keep the server's names and params and add ``project``, the label of a
followed project (:class:`OnProject`). Results reuse the server's views
(:mod:`hero_assistance.adapters.support_rpc.wire`); the types here are the service's
own: project states, the aggregated inbox and ticket list, events tagged with their
project.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from ....adapters.support_rpc import wire
from ....domain.events import EventKind
from ....domain.identity import Role
from ....domain.presence import PresenceState
from ...client.followed import LABEL_PATTERN
from ...client.state import Phase

Label = Annotated[str, Meta(
    pattern=f"^{LABEL_PATTERN.pattern}$", examples=["acme"],
    description="the label of a followed project (1 to 40 letters, digits, '.', '_', '-')",
)]


class Params(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of the service's own params: unknown fields are refused."""


class OnProject(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Params naming one followed project."""

    project: Label


# -- the service and the followed projects ----------------------------------------

class ServiceInfo(wire.View, frozen=True, kw_only=True):
    """Which device and config directory this service speaks for."""

    version: str
    overlay: str
    device_addr: str
    config_dir: str
    socket: str | None
    pid: int


class ProjectStateView(wire.View, frozen=True, kw_only=True):
    """One followed project as a UI shows it.

    ``phase``: connecting, online, unreachable or closed. ``bound``: this device is
    signed in (then ``user`` and ``role`` are known). ``streaming``: its live events
    flow. ``last_error``: the latest problem in words, cleared once things work.
    """

    label: str
    server: str
    phase: Phase
    reachable: bool
    device_addr: str | None
    project_name: str | None
    bound: bool
    user: wire.UserView | None
    role: Role | None
    streaming: bool
    last_error: str | None


class ProjectsParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``wait``: seconds to wait for projects still connecting to answer (0: now)."""

    wait: Annotated[float, Meta(ge=0, le=30)] = 0.0


class FollowParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A project server to follow.

    Without ``label`` one is made from the project's name (or, if the server does not
    answer, from its address). ``since`` replays its events after that sequence number.
    """

    address: Annotated[str, Meta(min_length=1, max_length=200,
                                 examples=["http://[400::1]:7330", "127.0.0.5:7331"])]
    label: Label | None = None
    since: wire.Seq | None = None


class UnfollowParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which project to stop following."""

    label: Label


class EnrollParams(OnProject, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ask ``project`` to email a sign-in link and code for this device."""

    email: wire.Email
    device_label: Annotated[str, Meta(min_length=1, max_length=60)]


class ConfirmCodeParams(OnProject, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The code from the sign-in email."""

    code: Annotated[str, Meta(min_length=1, max_length=32)]


class InboxParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How many open tickets to take from each project."""

    per_project: Annotated[int, Meta(ge=1, le=200)] = 50


class InboxItemView(wire.View, frozen=True, kw_only=True):
    """An open ticket of one project, its unread replies and who else is on it."""

    project: str
    ticket: wire.TicketView
    unread: int
    last_message_id: int | None
    watchers: list[wire.WatcherView]


class InboxView(wire.View, frozen=True, kw_only=True):
    """Open tickets across projects, most recently updated first.

    ``problems`` names each project left out (unreachable, not signed in) and why.
    """

    items: list[InboxItemView]
    unread: int
    problems: dict[str, str]


class NotificationSettings(wire.View, frozen=True, kw_only=True):
    """Which desktop notifications the Support tab shows (kept in the config directory).

    ``enabled``: at all (the browser asks for permission on the click that turns it
    on); ``new_tickets``: new tickets in my queues (staff); ``replies``: customers'
    replies on my or my teams' tickets (staff), support's replies (customers).
    """

    enabled: bool
    new_tickets: bool
    replies: bool


class SetNotificationsParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The notification settings to keep; omitted fields stay."""

    enabled: bool | UnsetType = UNSET
    new_tickets: bool | UnsetType = UNSET
    replies: bool | UnsetType = UNSET


class MarkReadParams(OnProject, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The user has read ``ticket_id`` up to ``message_id``."""

    ticket_id: wire.Id
    message_id: Annotated[int, Meta(ge=0, le=wire.INT64_MAX)]


# -- server methods on one project --------------------------------------------------

class ProjectRequestLinkParams(wire.RequestLinkParams, frozen=True, kw_only=True,
                               forbid_unknown_fields=True):
    """``auth.request_link`` on one project."""

    project: Label


class ProjectConfirmParams(wire.ConfirmParams, frozen=True, kw_only=True,
                           forbid_unknown_fields=True):
    """``auth.confirm`` on one project."""

    project: Label


class ProjectDeviceListParams(wire.DeviceListParams, frozen=True, kw_only=True,
                              forbid_unknown_fields=True):
    """``device.list`` on one project."""

    project: Label


class ProjectDeviceRenameParams(wire.DeviceRenameParams, frozen=True, kw_only=True,
                                forbid_unknown_fields=True):
    """``device.rename`` on one project."""

    project: Label


class ProjectDeviceRevokeParams(wire.DeviceRevokeParams, frozen=True, kw_only=True,
                                forbid_unknown_fields=True):
    """``device.revoke`` on one project."""

    project: Label


class ProjectUpdateParams(wire.ProjectUpdateParams, frozen=True, kw_only=True,
                          forbid_unknown_fields=True):
    """``project.update`` on one project."""

    project: Label


class ProjectUserEnrollParams(wire.UserEnrollParams, frozen=True, kw_only=True,
                              forbid_unknown_fields=True):
    """``user.enroll`` on one project."""

    project: Label


class ProjectUserListParams(wire.UserListParams, frozen=True, kw_only=True,
                            forbid_unknown_fields=True):
    """``user.list`` on one project."""

    project: Label


class ProjectUserUpdateParams(wire.UserUpdateParams, frozen=True, kw_only=True,
                              forbid_unknown_fields=True):
    """``user.update`` on one project."""

    project: Label


class ProjectPeopleParams(wire.PeopleParams, frozen=True, kw_only=True,
                          forbid_unknown_fields=True):
    """``user.people`` on one project."""

    project: Label


class ProjectTicketCreateParams(wire.TicketCreateParams, frozen=True, kw_only=True,
                                forbid_unknown_fields=True):
    """``ticket.create`` on one project."""

    project: Label


class ProjectTicketRef(wire.TicketRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One ticket of one project."""

    project: Label


class ProjectTicketUpdateParams(wire.TicketUpdateParams, frozen=True, kw_only=True,
                                forbid_unknown_fields=True):
    """``ticket.update`` on one project."""

    project: Label


class ProjectTicketListParams(wire.TicketListParams, frozen=True, kw_only=True,
                              forbid_unknown_fields=True):
    """``ticket.list`` on one project, or on every followed project without ``project``.

    Across projects, ``cursor`` is not used: pass the answer's ``next_cursors`` back as
    ``cursors`` and only the projects named there are asked for their next page.
    ``assigned_to_me`` stands for the signed-in user's id in each project.
    """

    project: Label | None = None
    cursors: dict[str, str] | None = None
    assigned_to_me: bool = False


class ProjectTicket(wire.View, frozen=True, kw_only=True):
    """A ticket and the label of its project; ``unread``: activity you have not seen."""

    project: str
    ticket: wire.TicketView
    unread: bool = False


class ProjectProblem(wire.View, frozen=True, kw_only=True):
    """Why a project is missing from an aggregated answer: a JSON-RPC error code and words."""

    code: int
    message: str


class ProjectTicketPage(wire.View, frozen=True, kw_only=True):
    """Tickets of one or every project, most recently updated first.

    ``next_cursors`` maps each project that has more to its cursor; ``problems`` each
    project that could not be asked to the reason.
    """

    items: list[ProjectTicket]
    next_cursors: dict[str, str]
    problems: dict[str, ProjectProblem]


class ProjectMessagePostParams(wire.MessagePostParams, frozen=True, kw_only=True,
                               forbid_unknown_fields=True):
    """``message.post`` on one project."""

    project: Label


class ProjectMessageListParams(wire.MessageListParams, frozen=True, kw_only=True,
                               forbid_unknown_fields=True):
    """``message.list`` on one project."""

    project: Label


class ProjectMessageEditParams(wire.MessageEditParams, frozen=True, kw_only=True,
                               forbid_unknown_fields=True):
    """``message.edit`` on one project."""

    project: Label


class ProjectMessageRef(wire.MessageRef, frozen=True, kw_only=True,
                        forbid_unknown_fields=True):
    """One message of one project."""

    project: Label


class ProjectAttachmentRef(wire.AttachmentRef, frozen=True, kw_only=True,
                           forbid_unknown_fields=True):
    """One attachment of one project."""

    project: Label


class UploadParams(OnProject, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An image to upload, as base64 in JSON.

    With ``progress_token`` and a transport that carries notifications, the service
    sends ``client.progress {token, done, total}`` as the bytes go to the server.
    """

    data_base64: bytes
    progress_token: Annotated[str, Meta(max_length=100)] | None = None


class AttachmentData(wire.View, frozen=True, kw_only=True):
    """An attachment's bytes, as base64 in JSON."""

    sha256: str
    data_base64: bytes


class ActivityParams(OnProject, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the user is doing in ``project``; the service repeats it as heartbeats.

    ``state: offline`` says so once and stops the heartbeats.
    """

    state: PresenceState = PresenceState.ONLINE
    viewing_ticket_id: wire.Id | None = None
    typing: bool = False


class ActivityView(wire.View, frozen=True, kw_only=True):
    """The activity the service now announces for a project."""

    project: str
    state: PresenceState
    viewing_ticket_id: int | None
    typing: bool


# -- events -----------------------------------------------------------------------

class SubscribeParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Follow the merged events (and project states) of the followed projects.

    ``since`` is a ``cursor`` of this service (from an earlier event or subscription)
    and ``epoch`` the one it came with: the events after it that the service still
    holds are replayed in the result. A different ``epoch`` (the service restarted)
    replays everything held. ``projects`` and ``kinds`` narrow the stream; ``states``
    asks for ``client.state`` notifications too.
    """

    since: Annotated[int, Meta(ge=0, le=wire.INT64_MAX)] | None = None
    epoch: Annotated[str, Meta(max_length=64)] | None = None
    projects: list[Label] | None = None
    kinds: list[EventKind] | None = None
    states: bool = True


class EventView(wire.View, frozen=True, kw_only=True):
    """A project's event, as its server sent it (``seq`` null for live-only presence).

    The server's ``EventView`` with ``data`` described as any JSON object.
    """

    seq: int | None
    kind: EventKind
    ticket_id: int | None
    occurred_at: datetime
    data: dict[str, Any]


class ClientEventView(wire.View, frozen=True, kw_only=True):
    """An event of one project; ``cursor`` numbers every event the service saw."""

    cursor: int
    project: str
    event: EventView


class SubscribeResult(wire.View, frozen=True, kw_only=True):
    """The stream is live: ``replayed`` events first, then ``client.event`` notifications.

    ``cursor`` is the service's newest cursor; ``states`` the current project states.
    """

    subscription: str
    epoch: str
    cursor: int
    replayed: list[ClientEventView]
    states: list[ProjectStateView]


class UnsubscribeParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which stream to stop."""

    subscription: wire.SubscriptionId


class EventNotification(wire.View, frozen=True, kw_only=True):
    """Params of the ``client.event`` notification."""

    subscription: str
    cursor: int
    project: str
    event: EventView


class StateNotification(wire.View, frozen=True, kw_only=True):
    """Params of the ``client.state`` notification: a project's state changed."""

    subscription: str
    state: ProjectStateView


class ProgressNotification(wire.View, frozen=True, kw_only=True):
    """Params of the ``client.progress`` notification (``total`` null when unknown)."""

    token: str
    done: int
    total: int | None

