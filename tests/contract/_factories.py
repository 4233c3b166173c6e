"""Small builders of domain entities for the contract suites, and exact comparison.

Every builder fills each field with a value that would show a lossy round trip:
aware UTC datetimes with microseconds, real enum members, tuples, text with accents,
quotes and newlines.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hero_assistance.domain.attachments import Attachment
from hero_assistance.domain.canned import CannedReply
from hero_assistance.domain.events import EventKind, NewEvent
from hero_assistance.domain.identity import DeviceBinding, Role, User, UserStatus
from hero_assistance.domain.listing import Page
from hero_assistance.domain.magic_links import MagicLink, hash_secret
from hero_assistance.domain.mail_queue import MailKind, MailStatus, QueuedMail
from hero_assistance.domain.messages import Message, MessageRevision, Visibility
from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.presence import Presence, PresenceState
from hero_assistance.domain.sign_in_requests import SignInOutcome, SignInRequest
from hero_assistance.domain.teams import Team
from hero_assistance.domain.tickets import Priority, Ticket, TicketChange, TicketStatus

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def at(minutes: float = 0, *, micro: int = 0) -> datetime:
    """A moment ``minutes`` (plus ``micro`` microseconds) after the suite's epoch."""
    return T0 + timedelta(minutes=minutes, microseconds=micro)


def address(n: int) -> str:
    """A distinct overlay-looking device address."""
    return f"4{n % 256:02x}:d890:a254:dd45:2bc6:9a47:40d5:{n:x}"


def sha(data: bytes) -> str:
    """The content address of ``data``."""
    return hashlib.sha256(data).hexdigest()


def user(user_id: int, *, email: str | None = None, role: Role = Role.CUSTOMER,
         status: UserStatus = UserStatus.ACTIVE, display_name: str | None = None,
         created_at: datetime | None = None) -> User:
    """An account; the email and name derive from the id unless given."""
    return User(
        id=user_id,
        email=email or f"person{user_id}@example.com",
        display_name=display_name or f"Zoë O'Brien #{user_id}",
        role=role,
        status=status,
        created_at=created_at or at(user_id, micro=user_id),
    )


def device(addr: str, user_id: int, *, label: str = "laptop",
           bound_at: datetime | None = None, last_seen: datetime | None = None) -> DeviceBinding:
    """A binding of ``addr`` to a user."""
    bound = bound_at or at(1)
    return DeviceBinding(address=addr, user_id=user_id, label=label, bound_at=bound,
                         last_seen=last_seen or bound + timedelta(seconds=7, microseconds=11))


def link(link_id: int, user_id: int, *, device_addr: str | None = None,
         device_label: str = "phone", created_at: datetime | None = None,
         attempts: int = 0, consumed_at: datetime | None = None,
         revoked: bool = False) -> MagicLink:
    """A sign-in link; token and code hashes derive from the id."""
    created = created_at or at(link_id, micro=3)
    return MagicLink(
        id=link_id,
        user_id=user_id,
        device_addr=device_addr or address(link_id),
        device_label=device_label,
        token_hash=hash_secret(f"token-{link_id}"),
        code_hash=hash_secret(f"CODE{link_id:04d}"),
        created_at=created,
        expires_at=created + timedelta(minutes=15),
        attempts=attempts,
        consumed_at=consumed_at,
        revoked=revoked,
    )


def ticket(ticket_id: int, requester_id: int, *, subject: str | None = None,
           body: str = "", status: TicketStatus = TicketStatus.NEW,
           priority: Priority = Priority.NORMAL, tags: tuple[str, ...] = (),
           assignee_id: int | None = None, created_at: datetime | None = None,
           updated_at: datetime | None = None, team_id: int | None = None,
           activity_at: datetime | None = None) -> Ticket:
    """A ticket; ``updated_at`` defaults to ``created_at``, ``activity_at`` to that."""
    created = created_at or at(ticket_id, micro=ticket_id)
    return Ticket(
        id=ticket_id,
        subject=subject if subject is not None else f"Ticket number {ticket_id}",
        body=body,
        status=status,
        priority=priority,
        tags=tags,
        requester_id=requester_id,
        assignee_id=assignee_id,
        created_at=created,
        updated_at=updated_at or created,
        team_id=team_id,
        activity_at=activity_at,
    )


def change(ticket_id: int, actor_id: int, field: str, *, old: str | None, new: str | None,
           when: datetime | None = None, reason: str | None = None) -> TicketChange:
    """One history entry."""
    return TicketChange(ticket_id=ticket_id, actor_id=actor_id, at=when or at(30),
                        field=field, old=old, new=new, reason=reason)


def team(team_id: int, name: str | None = None, *, members: tuple[int, ...] = (),
         created_at: datetime | None = None) -> Team:
    """A team; the name derives from the id unless given."""
    return Team(id=team_id, name=name or f"Équipe «{team_id}»", members=members,
                created_at=created_at or at(40, micro=team_id))


def canned(canned_id: int, owner_id: int, *, shared: bool = False, title: str | None = None,
           body: str = "Hello {{customer.name}},\n\nthanks — «ticket {{ticket.id}}».",
           created_at: datetime | None = None, updated_at: datetime | None = None
           ) -> CannedReply:
    """A canned reply; the title derives from the id unless given."""
    created = created_at or at(45, micro=canned_id)
    return CannedReply(id=canned_id, owner_id=owner_id, shared=shared,
                       title=title or f"Réponse {canned_id}", body=body, created_at=created,
                       updated_at=updated_at or created)


def message(message_id: int, ticket_id: int, author_id: int, *, body: str | None = None,
            visibility: Visibility = Visibility.PUBLIC, parent_id: int | None = None,
            attachments: tuple[str, ...] = (), created_at: datetime | None = None,
            edited_at: datetime | None = None) -> Message:
    """A message on a ticket."""
    return Message(
        id=message_id,
        ticket_id=ticket_id,
        parent_id=parent_id,
        author_id=author_id,
        body=body if body is not None else f"Reply number {message_id}",
        visibility=visibility,
        attachments=attachments,
        created_at=created_at or at(100 + message_id, micro=message_id),
        edited_at=edited_at,
    )


def revision(message_id: int, number: int, editor_id: int, body: str,
             replaced_at: datetime | None = None) -> MessageRevision:
    """An earlier body of a message."""
    return MessageRevision(message_id=message_id, number=number, body=body,
                           editor_id=editor_id, replaced_at=replaced_at or at(200 + number))


def attachment(data: bytes, *, mime: str = "image/png", width: int = 640, height: int = 480,
               created_at: datetime | None = None) -> Attachment:
    """Metadata for the blob ``data`` (the bytes need not be a real image here)."""
    return Attachment(sha256=sha(data), mime=mime, size=len(data), width=width,
                      height=height, created_at=created_at or at(50, micro=5))


def presence(addr: str, user_id: int, *, role: Role = Role.CUSTOMER,
             state: PresenceState = PresenceState.ONLINE, viewing: int | None = None,
             typing: bool = False, last_seen: datetime | None = None) -> Presence:
    """A heartbeat of one device."""
    return Presence(device_addr=addr, user_id=user_id, role=role, state=state,
                    viewing_ticket_id=viewing, typing=typing,
                    last_seen=last_seen or at(60, micro=999))


def new_event(kind: EventKind = EventKind.TICKET_UPDATED, *, ticket_id: int | None = None,
              requester_id: int | None = None, internal: bool = False,
              occurred_at: datetime | None = None,
              data: Mapping[str, object] | None = None) -> NewEvent:
    """An event before numbering; ``data`` is JSON-ready as the services make it."""
    return NewEvent(
        kind=kind, ticket_id=ticket_id, requester_id=requester_id, internal=internal,
        occurred_at=occurred_at or at(70, micro=70),
        data=data if data is not None else {"ticket": {"id": ticket_id, "tags": ["a", "b"]}},
    )


def mail(mail_id: int, *, recipient: str | None = None, status: MailStatus = MailStatus.PENDING,
         next_attempt_at: datetime | None = None, created_at: datetime | None = None,
         text: str | None = "Hello Zoë,\nyour code is ABCD-EFGH.\n",
         html: str | None = "<p>Hello Zo&euml;, \"quoted\" &amp; <b>bold</b></p>",
         headers: tuple[tuple[str, str], ...] = (("In-Reply-To", "<t-1@acme.example>"),),
         not_after: datetime | None = None, attempts: int = 0,
         last_error: str | None = None, sent_at: datetime | None = None,
         last_attempt_at: datetime | None = None) -> QueuedMail:
    """A queued mail; its message key derives from the id."""
    created = created_at or at(mail_id, micro=5)
    return QueuedMail(
        id=mail_id, kind=MailKind.SIGN_IN,
        recipient=recipient or f"person{mail_id}@example.com",
        subject=f"Sign in to Zoë's «support» #{mail_id}", text=text, html=html,
        headers=headers, message_key=f"sign-in.{mail_id}.nonce{mail_id:04d}",
        created_at=created, queued_at=created + timedelta(microseconds=1),
        not_after=not_after, status=status, attempts=attempts,
        next_attempt_at=next_attempt_at or created, last_attempt_at=last_attempt_at,
        last_error=last_error, sent_at=sent_at,
    )


def sign_in(request_id: int, *, user_id: int | None = 1, device_addr: str | None = None,
            when: datetime | None = None, outcome: SignInOutcome = SignInOutcome.MAILED,
            link_id: int | None = None, label: str = "Zoë\u2019s «phone»",
            email: str | None = None) -> SignInRequest:
    """One recorded sign-in request (handled, unless ``outcome`` is ``RECEIVED``)."""
    return SignInRequest(
        id=request_id, at=when or at(request_id, micro=9),
        device_addr=device_addr or address(request_id), device_label=label, email=email,
        user_id=user_id, outcome=outcome, link_id=link_id,
    )


@dataclass(frozen=True, slots=True)
class Uploader:
    """``add_uploader`` arguments, so seeding can list them next to entities."""

    sha256: str
    user_id: int
    when: datetime


Seed = (User | DeviceBinding | MagicLink | Ticket | TicketChange | Message | MessageRevision
        | Attachment | Uploader | Presence | NewEvent | QueuedMail | SignInRequest | Team
        | CannedReply)


_STORE: dict[type, Callable[[Repositories, Any], None]] = {
    User: lambda r, x: r.users.add(x),
    DeviceBinding: lambda r, x: r.devices.add(x),
    MagicLink: lambda r, x: r.magic_links.add(x),
    Ticket: lambda r, x: r.tickets.add(x),
    TicketChange: lambda r, x: r.tickets.add_change(x),
    Message: lambda r, x: r.messages.add(x),
    MessageRevision: lambda r, x: r.messages.add_revision(x),
    Attachment: lambda r, x: r.attachments.add(x),
    Uploader: lambda r, x: r.attachments.add_uploader(x.sha256, x.user_id, x.when),
    Presence: lambda r, x: r.presence.put(x),
    NewEvent: lambda r, x: r.events.append(x) and None,
    QueuedMail: lambda r, x: r.mail_queue.add(x),
    SignInRequest: lambda r, x: r.sign_in_requests.add(x),
    Team: lambda r, x: r.teams.add(x),
    CannedReply: lambda r, x: r.canned.add(x),
}


def put(repos: Repositories, item: Seed) -> None:
    """Store one entity through the repository that owns it."""
    _STORE[type(item)](repos, item)


def adding(*items: Seed) -> Callable[[Repositories], None]:
    """A unit of work that stores ``items`` in order."""

    def work(repos: Repositories) -> None:
        for item in items:
            put(repos, item)

    return work


async def seed(storage: Storage, *items: Seed) -> None:
    """Commit ``items`` in one write."""
    await storage.write(adding(*items))


def ids(items: Iterable[object]) -> list[int]:
    """The ``id`` of each entity, in order."""
    return [item.id for item in items]  # type: ignore[attr-defined]


def page_ids(page: Page[Ticket]) -> list[int]:
    """The ticket ids of one page, in order."""
    return [t.id for t in page.items]


def assert_same(got: object, expected: object) -> None:
    """``got`` equals ``expected`` field by field, with the same types throughout.

    Plain ``==`` would accept ``"open"`` for ``TicketStatus.OPEN``, ``1`` for ``True``,
    or a naive datetime for an aware one in some cases; a use case relies on each.
    """
    assert got == expected, f"{got!r} != {expected!r}"
    _same_types(got, expected, type(expected).__name__)


def _same_types(got: object, expected: object, where: str) -> None:
    if isinstance(expected, Mapping):
        assert isinstance(got, Mapping), where
        for key, value in expected.items():
            _same_types(got[key], value, f"{where}[{key!r}]")
        return
    if isinstance(expected, list | tuple):
        assert type(got) is type(expected), f"{where}: {type(got)} is not {type(expected)}"
        assert isinstance(got, list | tuple)
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            _same_types(g, e, f"{where}[{i}]")
        return
    if dataclasses.is_dataclass(expected) and not isinstance(expected, type):
        assert type(got) is type(expected), f"{where}: {type(got)} is not {type(expected)}"
        for f in dataclasses.fields(expected):
            _same_types(getattr(got, f.name), getattr(expected, f.name), f"{where}.{f.name}")
        return
    if isinstance(expected, datetime):
        assert isinstance(got, datetime), where
        assert got.utcoffset() == timedelta(0), f"{where}: {got!r} is not aware UTC"
        assert got == expected, where
        return
    if isinstance(expected, enum.Enum | bool | int | str | float | bytes) or expected is None:
        assert type(got) is type(expected), f"{where}: {got!r} is not a {type(expected)}"
        return
    raise AssertionError(f"{where}: no comparison for {type(expected)}")
