"""Wire types of the hero_assistance server API (JSON-RPC params and results).

Shared by the server (which decodes params and encodes results) and the client
library (which does the reverse). The OpenRPC document is generated from these.
Constraints here document the API; the domain still enforces its own rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from ...domain.events import EventKind
from ...domain.identity import Role, UserStatus
from ...domain.listing import TicketOrder
from ...domain.messages import Visibility
from ...domain.presence import PresenceState
from ...domain.queues import QueueView
from ...domain.tickets import (
    MAX_BODY_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    Priority,
    TicketStatus,
)

INT64_MAX = 2**63 - 1
"""The largest integer the database holds: every integer a caller sends stays within it."""

Id = Annotated[int, Meta(ge=1, le=INT64_MAX, description="a positive integer id")]
Seq = Annotated[int, Meta(ge=0, le=INT64_MAX,
                          description="an event sequence number (0: before the first event)")]
AfterId = Annotated[int, Meta(ge=0, le=INT64_MAX, description="a message id (0: from the start)")]
DeviceAddress = Annotated[str, Meta(min_length=1, max_length=64,
                                    description="a device's overlay address",
                                    examples=["400:8f3a::1"])]
Cursor = Annotated[str, Meta(max_length=64, description="a next_cursor this server handed out")]
SubscriptionId = Annotated[str, Meta(min_length=1, max_length=64)]
Body = Annotated[str, Meta(description=f"at most {MAX_BODY_LENGTH} characters; longer is "
                           "refused with -32007 TooLarge")]
Tag = Annotated[str, Meta(description=f"letters, digits, '_', '.', '-'; at most "
                          f"{MAX_TAG_LENGTH} characters (else -32602)")]
Tags = Annotated[list[Tag], Meta(description=f"at most {MAX_TAGS} distinct tags")]
Email = Annotated[str, Meta(min_length=3, max_length=254, examples=["ada@example.com"])]
Sha256 = Annotated[str, Meta(pattern="^[0-9a-f]{64}$", description="sha256 hex of the bytes")]


class Params(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every params object: unknown fields are refused."""


class View(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every result object."""


# -- project and identity ---------------------------------------------------------

class ProjectInfo(View, frozen=True, kw_only=True):
    """What any device, bound or not, may learn about the project server."""

    name: str
    overlay: str
    server_version: str
    last_seq: int
    customers_see_all_tickets: bool


class ProjectUpdateParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings to change; omitted ones stay."""

    name: Annotated[str, Meta(min_length=1, max_length=80)] | UnsetType = UNSET
    customers_see_all_tickets: bool | UnsetType = UNSET


class ProjectSettingsView(View, frozen=True, kw_only=True):
    """The project's name and policy switches."""

    name: str
    customers_see_all_tickets: bool


class UserView(View, frozen=True, kw_only=True):
    """A user as the API shows them."""

    id: int
    email: str
    display_name: str
    role: Role
    status: UserStatus
    created_at: datetime


class PersonView(View, frozen=True, kw_only=True):
    """Another person as anyone on a ticket may see them (no email)."""

    id: int
    display_name: str
    role: Role


class DeviceView(View, frozen=True, kw_only=True):
    """A bound device."""

    address: str
    user_id: int
    label: str
    bound_at: datetime
    last_seen: datetime


class WhoAmI(View, frozen=True, kw_only=True):
    """The calling device and, once bound, its user."""

    device_addr: str
    bound: bool
    user: UserView | None = None
    device: DeviceView | None = None


class RequestLinkParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ask for a sign-in link for this device."""

    email: Email
    device_label: Annotated[str, Meta(min_length=1, max_length=60)]


class RequestLinkResult(View, frozen=True, kw_only=True):
    """The same answer whether or not the email is enrolled."""

    accepted: bool
    expires_in_seconds: int
    message: str


class ConfirmParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The code from the sign-in email, typed on the device that asked for it."""

    code: Annotated[str, Meta(min_length=1, max_length=32)]


class DeviceListParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Whose devices: omitted for your own (admins: everyone's)."""

    user_id: Id | None = None


class DeviceRenameParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new label for a device."""

    address: DeviceAddress
    label: Annotated[str, Meta(min_length=1, max_length=60)]


class DeviceRevokeParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Unbind a device."""

    address: DeviceAddress


class UserEnrollParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Pre-enroll a person."""

    email: Email
    role: Role
    display_name: Annotated[str, Meta(min_length=1, max_length=80)]


class UserListParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Optional filters."""

    role: Role | None = None
    status: UserStatus | None = None


class UserUpdateParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fields to change; omitted fields stay."""

    user_id: Id
    display_name: Annotated[str, Meta(min_length=1, max_length=80)] | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    disabled: bool | UnsetType = UNSET


class PeopleParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Display names for user ids shown on tickets and messages."""

    ids: Annotated[list[Id], Meta(max_length=200)]


# -- tickets ----------------------------------------------------------------------

class TicketView(View, frozen=True, kw_only=True):
    """A ticket. ``team_id`` is there for staff only (null: no team)."""

    id: int
    subject: str
    body: str
    status: TicketStatus
    priority: Priority
    tags: list[str]
    requester_id: int
    assignee_id: int | None
    created_at: datetime
    updated_at: datetime
    team_id: int | UnsetType | None = UNSET


class TicketPage(View, frozen=True, kw_only=True):
    """One page of tickets; pass ``next_cursor`` as ``cursor`` for the next one.

    ``unread``: the ids on this page with activity the caller has not seen.
    """

    items: list[TicketView]
    next_cursor: str | None
    unread: list[int] = []


class TicketCreateParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new ticket."""

    subject: Annotated[str, Meta(min_length=1, max_length=200)]
    body: Body = ""
    priority: Priority = Priority.NORMAL
    tags: Tags = []
    requester_id: Id | None = None


class TicketRef(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One ticket by id."""

    ticket_id: Id


class TicketListParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Filters, search text and paging for a ticket list."""

    status: list[TicketStatus] = []
    priority: list[Priority] = []
    assignee_id: Id | None = None
    unassigned: bool = False
    requester_id: Id | None = None
    tag: Tag | None = None
    query: Annotated[str, Meta(max_length=200)] = ""
    order: TicketOrder | None = None
    cursor: Cursor | None = None
    limit: Annotated[int, Meta(ge=1, le=200)] | None = None
    view: QueueView | None = None
    team_id: Id | None = None


class TicketUpdateParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fields to change; omitted fields stay, ``assignee_id: null`` unassigns."""

    ticket_id: Id
    status: TicketStatus | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    assignee_id: Id | UnsetType | None = UNSET
    tags: Tags | UnsetType = UNSET
    subject: Annotated[str, Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    team_id: Id | UnsetType | None = UNSET


class TicketChangeView(View, frozen=True, kw_only=True):
    """One entry of a ticket's history; ``reason`` for automatic changes."""

    ticket_id: int
    actor_id: int
    at: datetime
    field: str
    old: str | None
    new: str | None
    reason: str | None = None


# -- messages and attachments -----------------------------------------------------

class MessageView(View, frozen=True, kw_only=True):
    """A message on a ticket."""

    id: int
    ticket_id: int
    parent_id: int | None
    author_id: int
    body: str
    visibility: Visibility
    attachments: list[str]
    created_at: datetime
    edited_at: datetime | None


class MessagePostParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A reply, or for staff an internal note."""

    ticket_id: Id
    body: Body = ""
    parent_id: Id | None = None
    visibility: Visibility = Visibility.PUBLIC
    attachments: Annotated[list[Sha256], Meta(max_length=10)] = []


class MessageListParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Messages of a ticket, oldest first, after ``after_id``."""

    ticket_id: Id
    after_id: AfterId = 0
    limit: Annotated[int, Meta(ge=1, le=500)] = 200


class MessageEditParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """New text for a message."""

    message_id: Id
    body: Body


class MessageRef(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One message by id."""

    message_id: Id


class RevisionView(View, frozen=True, kw_only=True):
    """A text a message had before an edit."""

    message_id: int
    number: int
    body: str
    editor_id: int
    replaced_at: datetime


class AttachmentView(View, frozen=True, kw_only=True):
    """An uploaded image as stored (without its metadata); download it with ``GET url``."""

    sha256: Annotated[str, Meta(description="the attachment id: SHA-256 hex of the stored "
                                "bytes, not of the uploaded file")]
    mime: str
    size: Annotated[int, Meta(description="bytes stored")]
    width: int
    height: int
    url: str


class AttachmentRef(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One attachment by content address."""

    sha256: Sha256


# -- presence and events ----------------------------------------------------------

class PresenceUpdateParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A heartbeat: send every 15 seconds, and at once when something changes."""

    state: PresenceState = PresenceState.ONLINE
    viewing_ticket_id: Id | None = None
    typing: bool = False


class PresenceView(View, frozen=True, kw_only=True):
    """This device's recorded presence."""

    state: PresenceState
    viewing_ticket_id: int | None
    typing: bool
    last_seen: datetime


class WatcherView(View, frozen=True, kw_only=True):
    """A person viewing a ticket (merged over their devices)."""

    user_id: int
    display_name: str
    role: Role
    typing: bool
    last_seen: datetime


class EventView(View, frozen=True, kw_only=True):
    """A notification; ``seq`` is null for live-only presence events."""

    seq: int | None
    kind: EventKind
    ticket_id: int | None
    occurred_at: datetime
    data: dict[str, object]


class SubscribeParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Subscribe on the WebSocket: replay after ``since``, then live events."""

    since: Seq | None = None
    ticket_ids: Annotated[list[Id], Meta(max_length=500)] | None = None
    kinds: list[EventKind] | None = None


class SubscribeResult(View, frozen=True, kw_only=True):
    """The subscription is live; replayed events follow as notifications."""

    subscription: str
    last_seq: int


class UnsubscribeParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which stream to stop."""

    subscription: SubscriptionId
