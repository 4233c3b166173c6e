"""Ports: what the domain needs from the outside world, as ``typing.Protocol`` s.

Storage is a unit of work. A use case hands :class:`Storage` a plain function over
:class:`Repositories`; the adapter runs it inside one transaction (``write``) or one
consistent snapshot (``read``). Repository methods are synchronous on purpose: the
whole function runs next to the database in one hop, which is what lets the SQLite
adapter commit many callers' writes together (group commit, DESIGN section 8).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from .attachments import Attachment, ImageInfo
from .events import Event, NewEvent
from .identity import CallerIdentity, DeviceBinding, Role, User, UserStatus
from .listing import Page, TicketQuery
from .magic_links import MagicLink
from .messages import Message, MessageRevision
from .presence import Presence
from .project import ProjectSettings
from .tickets import Ticket, TicketChange

T = TypeVar("T")


class UserRepository(Protocol):
    """Accounts, one per email."""

    def next_id(self) -> int: ...
    def get(self, user_id: int) -> User | None: ...
    def by_email(self, email: str) -> User | None: ...
    def add(self, user: User) -> None: ...
    def update(self, user: User) -> None: ...
    def list(self, *, role: Role | None = None, status: UserStatus | None = None) -> list[User]: ...


class DeviceRepository(Protocol):
    """Device bindings: overlay address -> user."""

    def get(self, address: str) -> DeviceBinding | None: ...
    def for_user(self, user_id: int) -> list[DeviceBinding]: ...
    def all(self) -> list[DeviceBinding]: ...
    def add(self, binding: DeviceBinding) -> None: ...
    def update(self, binding: DeviceBinding) -> None: ...
    def remove(self, address: str) -> None: ...


class MagicLinkRepository(Protocol):
    """Pending and spent sign-in links (hashes only)."""

    def next_id(self) -> int: ...
    def get(self, link_id: int) -> MagicLink | None: ...
    def by_token_hash(self, token_hash: str) -> MagicLink | None: ...
    def for_device(self, device_addr: str) -> list[MagicLink]: ...
    def for_user(self, user_id: int) -> list[MagicLink]: ...
    def all(self) -> list[MagicLink]: ...
    def add(self, link: MagicLink) -> None: ...
    def update(self, link: MagicLink) -> None: ...


class TicketRepository(Protocol):
    """Tickets, their history and full-text search over them and their messages."""

    def next_id(self) -> int: ...
    def get(self, ticket_id: int) -> Ticket | None: ...
    def add(self, ticket: Ticket) -> None: ...
    def update(self, ticket: Ticket) -> None: ...
    def query(self, query: TicketQuery) -> Page[Ticket]: ...
    def add_change(self, change: TicketChange) -> None: ...
    def history(self, ticket_id: int) -> list[TicketChange]: ...


class MessageRepository(Protocol):
    """Messages and the bodies they had before each edit."""

    def next_id(self) -> int: ...
    def get(self, message_id: int) -> Message | None: ...
    def add(self, message: Message) -> None: ...
    def update(self, message: Message) -> None: ...
    def for_ticket(self, ticket_id: int, *, include_internal: bool, after_id: int = 0,
                   limit: int = 200) -> list[Message]: ...
    def add_revision(self, revision: MessageRevision) -> None: ...
    def revisions(self, message_id: int) -> list[MessageRevision]: ...


class AttachmentRepository(Protocol):
    """Attachment metadata, who uploaded what, and which messages reference what."""

    def get(self, sha256: str) -> Attachment | None: ...
    def add(self, attachment: Attachment) -> None: ...
    def add_uploader(self, sha256: str, user_id: int, at: datetime) -> None: ...
    def is_uploader(self, sha256: str, user_id: int) -> bool: ...
    def referencing_tickets(self, sha256: str, *, include_internal: bool) -> list[Ticket]: ...


class PresenceRepository(Protocol):
    """The last heartbeat of each device."""

    def get(self, device_addr: str) -> Presence | None: ...
    def put(self, presence: Presence) -> None: ...
    def remove(self, device_addr: str) -> None: ...
    def on_ticket(self, ticket_id: int) -> list[Presence]: ...
    def all(self) -> list[Presence]: ...


class EventLog(Protocol):
    """Durable events with the project's increasing sequence number."""

    def append(self, event: NewEvent) -> Event: ...
    def after(self, seq: int, *, limit: int) -> list[Event]: ...
    def last_seq(self) -> int: ...


class ProjectRepository(Protocol):
    """The project's settings (one row)."""

    def settings(self) -> ProjectSettings: ...
    def save(self, settings: ProjectSettings) -> None: ...


class Repositories(Protocol):
    """Everything a unit of work can touch."""

    @property
    def users(self) -> UserRepository: ...
    @property
    def devices(self) -> DeviceRepository: ...
    @property
    def magic_links(self) -> MagicLinkRepository: ...
    @property
    def tickets(self) -> TicketRepository: ...
    @property
    def messages(self) -> MessageRepository: ...
    @property
    def attachments(self) -> AttachmentRepository: ...
    @property
    def presence(self) -> PresenceRepository: ...
    @property
    def events(self) -> EventLog: ...
    @property
    def project(self) -> ProjectRepository: ...


class Storage(Protocol):
    """Unit of work: run a function over the repositories atomically.

    ``write`` returns only after the transaction is durable; if ``work`` raises,
    nothing it did is kept and the exception propagates unchanged.
    """

    async def read(self, work: Callable[[Repositories], T]) -> T: ...
    async def write(self, work: Callable[[Repositories], T]) -> T: ...


class Clock(Protocol):
    """The current time (UTC, timezone-aware)."""

    def now(self) -> datetime: ...


class Secrets(Protocol):
    """Unpredictable values."""

    def token(self) -> str:
        """A URL-safe random token of at least 128 bits."""
        ...

    def code(self, alphabet: str, length: int) -> str:
        """A random human code drawn from ``alphabet``."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingMail:
    """An email with a plain-text and an HTML part."""

    to: str
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    """Sends email; raises ``Unavailable`` when it could not hand the mail over."""

    async def send(self, mail: OutgoingMail) -> None: ...


class EventPublisher(Protocol):
    """Delivers committed events to live subscribers; never blocks the caller."""

    def publish(self, events: Sequence[Event]) -> None: ...


class BlobStore(Protocol):
    """Content-addressed bytes: each blob is stored once under its sha256."""

    async def put(self, sha256: str, data: bytes) -> None: ...
    async def get(self, sha256: str) -> bytes | None: ...
    async def exists(self, sha256: str) -> bool: ...


class ImageDecoder(Protocol):
    """Decodes an image fully, proving its bytes are what its header claims."""

    async def verify(self, data: bytes, expected: ImageInfo) -> None:
        """Raise ``InvalidInput`` unless ``data`` decodes to an image like ``expected``.

        Also ``TooLarge`` when decoding it would take more memory than the decoder may
        use, and ``Unavailable`` while it is too busy to take another image.
        """
        ...


class Overlay(Protocol):
    """The network that gives devices their addresses (mycelium, or loopback for demos)."""

    name: str

    async def listen_address(self) -> str:
        """The local address the server must bind to."""
        ...

    def is_device_address(self, address: str) -> bool:
        """Whether a peer address belongs to this overlay's range."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerContext:
    """Convenience bundle: a bound caller and the project's settings at call time."""

    who: CallerIdentity
    settings: ProjectSettings
