"""In-memory storage: the repositories over dicts, with all-or-nothing writes.

A write runs the unit of work against the live state after taking a snapshot; if the
work raises, the snapshot is put back, so nothing half-written remains. Entities are
immutable, so a snapshot is a shallow copy of each table.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from ...domain.attachments import Attachment
from ...domain.business_calendar import BusinessCalendar
from ...domain.canned import CannedReply
from ...domain.events import Event, NewEvent
from ...domain.identity import DeviceBinding, Role, User, UserStatus
from ...domain.listing import (
    RELEVANCE_WINDOW,
    Page,
    TicketOrder,
    TicketQuery,
    cursor_after,
    sort_key,
)
from ...domain.magic_links import MagicLink
from ...domain.mail_queue import QueuedMail
from ...domain.messages import Message, MessageRevision
from ...domain.presence import Presence
from ...domain.project import ProjectSettings
from ...domain.queues import TallyRow, tally_of
from ...domain.reading import seen_activity
from ...domain.request_keys import RequestKey
from ...domain.service_levels import ServiceLevelPolicy, by_priority
from ...domain.sign_in_requests import SignInRequest
from ...domain.teams import Team
from ...domain.tickets import Priority, Ticket, TicketChange
from ._mail import MemoryMailQueue, MemorySignInRequests
from ._search import fold, matches_all, score

T = TypeVar("T")


@dataclass
class _Tables:
    project: ProjectSettings
    users: dict[int, User] = field(default_factory=dict)
    devices: dict[str, DeviceBinding] = field(default_factory=dict)
    links: dict[int, MagicLink] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    changes: list[TicketChange] = field(default_factory=list)
    messages: dict[int, Message] = field(default_factory=dict)
    revisions: list[MessageRevision] = field(default_factory=list)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    uploaders: dict[tuple[str, int], datetime] = field(default_factory=dict)
    presence: dict[str, Presence] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    mails: dict[int, QueuedMail] = field(default_factory=dict)
    sign_ins: dict[int, SignInRequest] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    reads: dict[tuple[int, int], datetime] = field(default_factory=dict)
    canned: dict[int, CannedReply] = field(default_factory=dict)
    request_keys: dict[tuple[int, str], RequestKey] = field(default_factory=dict)
    calendar: BusinessCalendar | None = None
    policies: dict[Priority, ServiceLevelPolicy] = field(default_factory=dict)

    def snapshot(self) -> _Tables:
        return replace(
            self,
            users=dict(self.users), devices=dict(self.devices), links=dict(self.links),
            tickets=dict(self.tickets), changes=list(self.changes),
            messages=dict(self.messages), revisions=list(self.revisions),
            attachments=dict(self.attachments), uploaders=dict(self.uploaders),
            presence=dict(self.presence), events=list(self.events),
            mails=dict(self.mails), sign_ins=dict(self.sign_ins),
            teams=dict(self.teams), reads=dict(self.reads), canned=dict(self.canned),
            request_keys=dict(self.request_keys),
            policies=dict(self.policies),
        )


def _require_absent(table: Container[object], key: object, what: str) -> None:
    if key in table:
        raise KeyError(f"{what} {key!r} already exists")


def _require_present(table: Container[object], key: object, what: str) -> None:
    if key not in table:
        raise KeyError(f"{what} {key!r} does not exist")


class _Users:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def next_id(self) -> int:
        return max(self._t.users, default=0) + 1

    def get(self, user_id: int) -> User | None:
        return self._t.users.get(user_id)

    def by_email(self, email: str) -> User | None:
        return next((u for u in self._t.users.values() if u.email == email), None)

    def add(self, user: User) -> None:
        _require_absent(self._t.users, user.id, "user")
        if self.by_email(user.email) is not None:
            raise KeyError(f"email {user.email!r} already exists")
        self._t.users[user.id] = user

    def update(self, user: User) -> None:
        _require_present(self._t.users, user.id, "user")
        self._t.users[user.id] = user

    def search(self, text: str, *, role: Role, limit: int) -> list[User]:
        wanted = fold(text)
        found = [u for u in self._t.users.values() if u.role is role and (
            wanted in fold(u.display_name) or wanted in fold(u.email))]
        found.sort(key=lambda u: (fold(u.display_name), u.id))
        return found[:limit]

    def list(self, *, role: Role | None = None, status: UserStatus | None = None) -> list[User]:
        return [
            u for _, u in sorted(self._t.users.items())
            if (role is None or u.role is role) and (status is None or u.status is status)
        ]


class _Devices:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def get(self, address: str) -> DeviceBinding | None:
        return self._t.devices.get(address)

    def for_user(self, user_id: int) -> list[DeviceBinding]:
        return sorted((d for d in self._t.devices.values() if d.user_id == user_id),
                      key=lambda d: (d.bound_at, d.address))

    def all(self) -> list[DeviceBinding]:
        return sorted(self._t.devices.values(), key=lambda d: (d.user_id, d.bound_at, d.address))

    def add(self, binding: DeviceBinding) -> None:
        _require_absent(self._t.devices, binding.address, "device")
        _require_present(self._t.users, binding.user_id, "user")
        self._t.devices[binding.address] = binding

    def update(self, binding: DeviceBinding) -> None:
        _require_present(self._t.devices, binding.address, "device")
        self._t.devices[binding.address] = binding

    def remove(self, address: str) -> None:
        self._t.devices.pop(address, None)


class _Links:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def next_id(self) -> int:
        return max(self._t.links, default=0) + 1

    def get(self, link_id: int) -> MagicLink | None:
        return self._t.links.get(link_id)

    def by_token_hash(self, token_hash: str) -> MagicLink | None:
        return next((x for x in self._t.links.values() if x.token_hash == token_hash), None)

    def for_device(self, device_addr: str) -> list[MagicLink]:
        return [x for _, x in sorted(self._t.links.items()) if x.device_addr == device_addr]

    def for_user(self, user_id: int) -> list[MagicLink]:
        return [x for _, x in sorted(self._t.links.items()) if x.user_id == user_id]

    def all(self) -> list[MagicLink]:
        return [x for _, x in sorted(self._t.links.items())]

    def add(self, link: MagicLink) -> None:
        _require_absent(self._t.links, link.id, "magic link")
        self._t.links[link.id] = link

    def update(self, link: MagicLink) -> None:
        _require_present(self._t.links, link.id, "magic link")
        self._t.links[link.id] = link


class _Tickets:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def next_id(self) -> int:
        return max(self._t.tickets, default=0) + 1

    def get(self, ticket_id: int) -> Ticket | None:
        return self._t.tickets.get(ticket_id)

    def add(self, ticket: Ticket) -> None:
        _require_absent(self._t.tickets, ticket.id, "ticket")
        self._t.tickets[ticket.id] = ticket

    def update(self, ticket: Ticket) -> None:
        _require_present(self._t.tickets, ticket.id, "ticket")
        self._t.tickets[ticket.id] = ticket

    def add_change(self, change: TicketChange) -> None:
        self._t.changes.append(change)

    def history(self, ticket_id: int) -> list[TicketChange]:
        return [c for c in self._t.changes if c.ticket_id == ticket_id]

    def query(self, query: TicketQuery) -> Page[Ticket]:
        found = [t for t in self._t.tickets.values() if keeps(self._t, t, query)]
        if query.order is TicketOrder.RELEVANCE:
            newest = sorted(found, key=lambda t: -t.id)[:RELEVANCE_WINDOW]
            ranked = sorted(newest, key=lambda t: (-self._score(t, query), -t.id))
            return Page(items=tuple(ranked[: query.limit]), next_cursor=None)
        found.sort(key=lambda t: (sort_key(t, query.order), t.id), reverse=True)
        if query.after is not None:
            after = query.after
            found = [t for t in found
                     if (sort_key(t, query.order), t.id) < (after.key, after.ticket_id)]
        page = found[: query.limit]
        more = len(found) > query.limit
        last = page[-1] if page else None
        cursor = (
            cursor_after(last, query.order).encode()
            if more and last is not None else None
        )
        return Page(items=tuple(page), next_cursor=cursor)

    def count(self, query: TicketQuery, *, cap: int) -> int:
        bare = replace(query, terms=())
        return min(cap, sum(1 for t in self._t.tickets.values() if keeps(self._t, t, bare)))

    def tally(self) -> list[TallyRow]:
        return tally_of((t.status, t.assignee_id, t.team_id) for t in self._t.tickets.values())

    def tags(self, prefix: str, *, limit: int) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for ticket in self._t.tickets.values():
            for tag in ticket.tags:
                if tag.startswith(prefix):
                    counts[tag] = counts.get(tag, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def clear_team(self, team_id: int) -> int:
        members = [t for t in self._t.tickets.values() if t.team_id == team_id]
        for ticket in members:
            self._t.tickets[ticket.id] = replace(ticket, team_id=None)
        return len(members)

    def _score(self, t: Ticket, q: TicketQuery) -> int:
        texts = _texts(self._t, t, include_internal=q.include_internal)
        return max(score(text, q.terms) for text in texts)


def _texts(t: _Tables, ticket: Ticket, *, include_internal: bool) -> list[str]:
    texts = [f"{ticket.subject} {ticket.body}"]
    texts.extend(
        m.body for m in t.messages.values()
        if m.ticket_id == ticket.id and (include_internal or not m.is_internal)
    )
    return texts


def keeps(tables: _Tables, t: Ticket, q: TicketQuery) -> bool:
    """Whether ``t`` passes the filters and terms of ``q``."""
    filters_pass = (
        (not q.statuses or t.status in q.statuses)
        and (not q.priorities or t.priority in q.priorities)
        and (q.requester_id is None or t.requester_id == q.requester_id)
        and (q.assignee_id is None or t.assignee_id == q.assignee_id)
        and (not q.unassigned or t.assignee_id is None)
        and (q.team_id is None or t.team_id == q.team_id)
        and (q.tag is None or q.tag in t.tags)
    )
    if not filters_pass or not q.terms:
        return filters_pass
    texts = _texts(tables, t, include_internal=q.include_internal)
    return any(matches_all(text, q.terms) for text in texts)


class _Messages:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def next_id(self) -> int:
        return max(self._t.messages, default=0) + 1

    def get(self, message_id: int) -> Message | None:
        return self._t.messages.get(message_id)

    def add(self, message: Message) -> None:
        _require_absent(self._t.messages, message.id, "message")
        _require_present(self._t.tickets, message.ticket_id, "ticket")
        self._t.messages[message.id] = message

    def update(self, message: Message) -> None:
        _require_present(self._t.messages, message.id, "message")
        self._t.messages[message.id] = message

    def for_ticket(self, ticket_id: int, *, include_internal: bool, after_id: int = 0,
                   limit: int = 200) -> list[Message]:
        found = [
            m for _, m in sorted(self._t.messages.items())
            if m.ticket_id == ticket_id and m.id > after_id
            and (include_internal or not m.is_internal)
        ]
        return found[:limit]

    def add_revision(self, revision: MessageRevision) -> None:
        self._t.revisions.append(revision)

    def revisions(self, message_id: int) -> list[MessageRevision]:
        return sorted((r for r in self._t.revisions if r.message_id == message_id),
                      key=lambda r: r.number)


class _Attachments:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def get(self, sha256: str) -> Attachment | None:
        return self._t.attachments.get(sha256)

    def add(self, attachment: Attachment) -> None:
        _require_absent(self._t.attachments, attachment.sha256, "attachment")
        self._t.attachments[attachment.sha256] = attachment

    def add_uploader(self, sha256: str, user_id: int, at: datetime) -> None:
        _require_present(self._t.attachments, sha256, "attachment")
        self._t.uploaders.setdefault((sha256, user_id), at)

    def is_uploader(self, sha256: str, user_id: int) -> bool:
        return (sha256, user_id) in self._t.uploaders

    def referencing_tickets(self, sha256: str, *, include_internal: bool) -> list[Ticket]:
        ids = sorted({
            m.ticket_id for m in self._t.messages.values()
            if sha256 in m.attachments and (include_internal or not m.is_internal)
        })
        return [self._t.tickets[i] for i in ids]


class _Presence:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def get(self, device_addr: str) -> Presence | None:
        return self._t.presence.get(device_addr)

    def put(self, presence: Presence) -> None:
        self._t.presence[presence.device_addr] = presence

    def remove(self, device_addr: str) -> None:
        self._t.presence.pop(device_addr, None)

    def on_ticket(self, ticket_id: int) -> list[Presence]:
        return sorted((p for p in self._t.presence.values() if p.viewing_ticket_id == ticket_id),
                      key=lambda p: p.device_addr)

    def all(self) -> list[Presence]:
        return sorted(self._t.presence.values(), key=lambda p: p.device_addr)


class _Events:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def append(self, event: NewEvent) -> Event:
        numbered = event.numbered(self.last_seq() + 1)
        self._t.events.append(numbered)
        return numbered

    def after(self, seq: int, *, limit: int) -> list[Event]:
        return [e for e in self._t.events if (e.seq or 0) > seq][:limit]

    def last_seq(self) -> int:
        if not self._t.events:
            return 0
        return self._t.events[-1].seq or 0


class _Teams:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def next_id(self) -> int:
        return max(self._t.teams, default=0) + 1

    def get(self, team_id: int) -> Team | None:
        return self._t.teams.get(team_id)

    def by_name(self, name: str) -> Team | None:
        wanted = name.lower()
        return next((x for x in self._t.teams.values() if x.name.lower() == wanted), None)

    def add(self, team: Team) -> None:
        _require_absent(self._t.teams, team.id, "team")
        if self.by_name(team.name) is not None:
            raise KeyError(f"team name {team.name!r} already exists")
        self._t.teams[team.id] = team

    def update(self, team: Team) -> None:
        _require_present(self._t.teams, team.id, "team")
        same = self.by_name(team.name)
        if same is not None and same.id != team.id:
            raise KeyError(f"team name {team.name!r} already exists")
        self._t.teams[team.id] = team

    def remove(self, team_id: int) -> None:
        self._t.teams.pop(team_id, None)

    def all(self) -> list[Team]:
        return sorted(self._t.teams.values(), key=lambda x: (x.name.lower(), x.id))

    def of_user(self, user_id: int) -> list[Team]:
        return [x for x in self.all() if user_id in x.members]


class _Reads:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def marks(self, user_id: int, ticket_ids: Sequence[int]) -> dict[int, datetime]:
        found = ((i, self._t.reads.get((user_id, i))) for i in ticket_ids)
        return {i: at for i, at in found if at is not None}

    def put(self, user_id: int, ticket_id: int, read_at: datetime) -> None:
        self._t.reads[(user_id, ticket_id)] = read_at

    def count_unread(self, user_id: int, query: TicketQuery, *, staff: bool,
                     horizon: datetime, cap: int) -> int:
        count = 0
        for ticket in self._t.tickets.values():
            if count >= cap:
                break
            if not keeps(self._t, ticket, replace(query, terms=())):
                continue
            mark = self._t.reads.get((user_id, ticket.id), horizon)
            if seen_activity(ticket, staff=staff) > mark:
                count += 1
        return count


class _Canned:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def next_id(self) -> int:
        return max(self._t.canned, default=0) + 1

    def get(self, canned_id: int) -> CannedReply | None:
        return self._t.canned.get(canned_id)

    def add(self, reply: CannedReply) -> None:
        _require_absent(self._t.canned, reply.id, "canned reply")
        self._t.canned[reply.id] = reply

    def update(self, reply: CannedReply) -> None:
        _require_present(self._t.canned, reply.id, "canned reply")
        self._t.canned[reply.id] = reply

    def remove(self, canned_id: int) -> None:
        self._t.canned.pop(canned_id, None)

    def visible_to(self, user_id: int, *, limit: int) -> list[CannedReply]:
        found = [c for c in self._t.canned.values() if c.shared or c.owner_id == user_id]
        found.sort(key=lambda c: (c.title.lower(), c.id))
        return found[:limit]


class _ServiceLevels:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def calendar(self) -> BusinessCalendar | None:
        return self._t.calendar

    def save_calendar(self, calendar: BusinessCalendar) -> None:
        self._t.calendar = calendar

    def policies(self) -> list[ServiceLevelPolicy]:
        return by_priority(self._t.policies.values())

    def save_policy(self, policy: ServiceLevelPolicy) -> None:
        self._t.policies[policy.priority] = policy

    def remove_policy(self, priority: Priority) -> bool:
        return self._t.policies.pop(priority, None) is not None


class _Project:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def settings(self) -> ProjectSettings:
        return self._t.project

    def save(self, settings: ProjectSettings) -> None:
        self._t.project = settings


class _RequestKeys:
    def __init__(self, t: _Tables) -> None:
        self._t = t

    def get(self, user_id: int, key: str) -> RequestKey | None:
        return self._t.request_keys.get((user_id, key))

    def add(self, record: RequestKey) -> None:
        _require_absent(self._t.request_keys, (record.user_id, record.key), "request key")
        self._t.request_keys[record.user_id, record.key] = record

    def settle(self, user_id: int, key: str, outcome: bytes) -> bool:
        found = self._t.request_keys.get((user_id, key))
        if found is None:
            return False
        self._t.request_keys[user_id, key] = replace(found, outcome=outcome)
        return True

    def purge_before(self, moment: datetime, *, limit: int) -> int:
        old = heapq.nsmallest(
            limit, (r for r in self._t.request_keys.values() if r.created_at < moment),
            key=lambda r: r.created_at)
        for record in old:
            del self._t.request_keys[record.user_id, record.key]
        return len(old)


class _Repos:
    """The repositories over one set of tables."""

    def __init__(self, t: _Tables) -> None:
        self.users = _Users(t)
        self.devices = _Devices(t)
        self.magic_links = _Links(t)
        self.tickets = _Tickets(t)
        self.messages = _Messages(t)
        self.attachments = _Attachments(t)
        self.presence = _Presence(t)
        self.events = _Events(t)
        self.project = _Project(t)
        self.mail_queue = MemoryMailQueue(t.mails)
        self.sign_in_requests = MemorySignInRequests(t.sign_ins)
        self.teams = _Teams(t)
        self.reads = _Reads(t)
        self.canned = _Canned(t)
        self.request_keys = _RequestKeys(t)
        self.service_levels = _ServiceLevels(t)


class MemoryStorage:
    """The :class:`~hero_assistance.domain.ports.Storage` port over Python dicts."""

    def __init__(self, project: ProjectSettings | None = None) -> None:
        self._tables = _Tables(project=project or ProjectSettings(name="Demo project"))

    async def read(self, work: Callable[[_Repos], T]) -> T:
        """Run ``work`` against the current state."""
        return work(_Repos(self._tables))

    async def write(self, work: Callable[[_Repos], T]) -> T:
        """Run ``work``; if it raises, restore the state it started from."""
        before = self._tables.snapshot()
        try:
            return work(_Repos(self._tables))
        except BaseException:
            self._tables = before
            raise
