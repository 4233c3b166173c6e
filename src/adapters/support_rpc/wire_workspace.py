"""Wire types of the agent's workspace (issue 14): queues, unread state, teams, the staff
directory, customer context, tag suggestions, canned replies and bulk changes.

Kept apart from :mod:`.wire` (which grew large), in the same style: ``Params`` refuse
unknown fields, results are ``View`` s, the OpenRPC document is generated from these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType, field

from ...domain.identity import Role, UserStatus
from ...domain.presence import PresenceState
from ...domain.queues import QueueView
from ...domain.tickets import MAX_TAGS, Priority, TicketStatus
from .wire import Id, Params, Tag, TicketView, View

TeamName = Annotated[str, Meta(min_length=1, max_length=60, examples=["Billing"])]
Members = Annotated[list[Id], Meta(max_length=500, description="user ids of agents and admins")]
# Tags are checked and normalized by the domain, as ticket.update's are (one rule, -32602).
Tags = Annotated[list[Tag], Meta(max_length=MAX_TAGS, description=f"at most {MAX_TAGS} tags")]
CannedTitle = Annotated[str, Meta(min_length=1, max_length=80)]


# -- queues and unread state -----------------------------------------------------------

class ViewCountView(View, frozen=True, kw_only=True):
    """A queue and its live count; ``unread`` (at most 100: "99+") where it is kept."""

    view: QueueView
    team_id: int | None
    label: str
    count: int
    unread: int | None


class QueueCounts(View, frozen=True, kw_only=True):
    """Every queue the caller works from; ``unread`` is the tab title's count."""

    views: list[ViewCountView]
    unread: int


class MarkParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One ticket whose unread state changes for the caller."""

    ticket_id: Id


# -- teams ------------------------------------------------------------------------------

class TeamView(View, frozen=True, kw_only=True):
    """A team and its members (staff only)."""

    id: int
    name: str
    members: list[int]
    created_at: datetime


class TeamCreateParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new team (admins)."""

    name: TeamName
    members: Members = field(default_factory=list)


class TeamUpdateParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Rename a team or replace its members (admins); omitted fields stay."""

    team_id: Id
    name: TeamName | UnsetType = UNSET
    members: Members | UnsetType = UNSET


class TeamRef(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One team by id."""

    team_id: Id


# -- the staff directory and customers --------------------------------------------------

class StaffMemberView(View, frozen=True, kw_only=True):
    """A colleague: name, role, presence and teams, for assigning."""

    id: int
    display_name: str
    role: Role
    status: UserStatus
    presence: PresenceState
    last_seen: datetime | None
    team_ids: list[int]


class CustomerSearchParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Part of a customer's name or email address."""

    query: Annotated[str, Meta(min_length=1, max_length=100)]
    limit: Annotated[int, Meta(ge=1, le=20)] = 10


class CustomerView(View, frozen=True, kw_only=True):
    """A customer as staff see them (with email)."""

    id: int
    display_name: str
    email: str
    status: UserStatus


class ContextTicketView(View, frozen=True, kw_only=True):
    """One of the requester's tickets, as the context panel lists it."""

    id: int
    subject: str
    status: TicketStatus
    priority: Priority
    updated_at: datetime


class ContextDeviceView(View, frozen=True, kw_only=True):
    """One of the requester's devices: its label and when it was last seen (no address)."""

    label: str
    bound_at: datetime
    last_seen: datetime


class CustomerContextView(View, frozen=True, kw_only=True):
    """Beside a ticket: its requester, their devices, their recent tickets."""

    customer: CustomerView
    devices: list[ContextDeviceView]
    tickets: list[ContextTicketView]
    open_tickets: int


class TagSuggestParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The start of a tag (empty: the most used ones)."""

    prefix: Annotated[str, Meta(max_length=40)] = ""
    limit: Annotated[int, Meta(ge=1, le=50)] = 10


class TagCountView(View, frozen=True, kw_only=True):
    """A tag of the project and how many tickets carry it."""

    tag: str
    count: int


# -- canned replies ---------------------------------------------------------------------

class CannedReplyView(View, frozen=True, kw_only=True):
    """A saved reply; ``shared`` ones are every staff member's."""

    id: int
    owner_id: int
    shared: bool
    title: str
    body: str
    created_at: datetime
    updated_at: datetime


class CannedCreateParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new canned reply; placeholders such as ``{{customer.name}}`` are filled on insert."""

    title: CannedTitle
    body: Annotated[str, Meta(min_length=1)]
    shared: bool = False


class CannedUpdateParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fields to change; omitted fields stay."""

    canned_id: Id
    title: CannedTitle | UnsetType = UNSET
    body: Annotated[str, Meta(min_length=1)] | UnsetType = UNSET
    shared: bool | UnsetType = UNSET


class CannedRef(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One canned reply by id."""

    canned_id: Id


class CannedRenderParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fill a canned reply's placeholders for one ticket."""

    canned_id: Id
    ticket_id: Id


class RenderedReply(View, frozen=True, kw_only=True):
    """The text to put in the composer (still editable before sending)."""

    text: str


class PlaceholderView(View, frozen=True, kw_only=True):
    """A placeholder the server fills, and what it stands for."""

    name: str
    description: str


# -- bulk changes -----------------------------------------------------------------------

class BulkUpdateParams(Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The same change on up to 100 tickets; omitted fields stay on each."""

    ticket_ids: Annotated[list[Id], Meta(min_length=1, max_length=100)]
    status: TicketStatus | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    assignee_id: Id | UnsetType | None = UNSET
    team_id: Id | UnsetType | None = UNSET
    add_tags: Tags = field(default_factory=list)
    remove_tags: Tags = field(default_factory=list)


class BulkError(View, frozen=True, kw_only=True):
    """Why one ticket of a bulk change was refused: a JSON-RPC error object."""

    code: int
    message: str
    data: Any = None


class BulkItem(View, frozen=True, kw_only=True):
    """One ticket's result: ``ticket`` when changed (or already so), else ``error``."""

    ticket_id: int
    ok: bool
    ticket: TicketView | None = None
    error: BulkError | None = None


class BulkResult(View, frozen=True, kw_only=True):
    """A result per ticket asked for, in the order asked (duplicates once)."""

    results: list[BulkItem]
