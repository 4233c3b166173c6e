"""The service-layer harness: every use case composed over the in-memory adapters.

People are made the way the product makes them: an admin enrolls them
(``Accounts.enroll``), their device asks for a sign-in link and confirms it with the
code or the link from the email, and the identity boundary (``Accounts.identify``)
turns the device address into the caller every use case receives. Only the first
admin is written straight into storage, as the server's CLI would.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

import pytest

from hero_assistance.adapters.memory import (
    CountingSecrets,
    ManualClock,
    MemoryBlobStore,
    MemoryMailer,
    MemoryStorage,
    RecordingPublisher,
    RecordingSettingsObserver,
)
from hero_assistance.domain.events import Event, EventKind
from hero_assistance.domain.identity import (
    CallerIdentity,
    Role,
    UnboundDevice,
    User,
    UserStatus,
)
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.ports import OutgoingMail, Repositories
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.services import (
    Accounts,
    AttachmentLibrary,
    CannedReplies,
    Conversation,
    DeliveryPass,
    DeviceEnrollment,
    EventFeed,
    KeyedStorage,
    KeyedWrites,
    MailDelivery,
    MailOperations,
    PresenceBoard,
    ProjectAdministration,
    QueueBoard,
    ReadState,
    ServiceLevelDesk,
    StaffDirectory,
    TeamRoster,
    TicketDesk,
)
from hero_assistance.domain.tickets import Ticket

T = TypeVar("T")

PROJECT_NAME = "Acme support"
LINK_PREFIX = "http://[400::1]:7474/auth/link/"


def link_url(token: str) -> str:
    """Where the server says its confirmation page lives."""
    return f"{LINK_PREFIX}{token}"


def token_from(mail: OutgoingMail) -> str:
    """The token of the link in a sign-in email's text part."""
    for line in mail.text.splitlines():
        if line.startswith(LINK_PREFIX):
            return line.removeprefix(LINK_PREFIX).strip()
    raise AssertionError(f"no sign-in link in:\n{mail.text}")


def code_from(mail: OutgoingMail) -> str:
    """The code (as printed, ``ABCD-EFGH``) of a sign-in email's text part."""
    marker = "enter this code on that device: "
    for line in mail.text.splitlines():
        if marker in line:
            return line.split(marker, 1)[1].strip()
    raise AssertionError(f"no code in:\n{mail.text}")


@dataclass(frozen=True, slots=True)
class Person:
    """A user and the caller value of one of their bound devices."""

    user: User
    caller: CallerIdentity

    @property
    def id(self) -> int:
        """The user id."""
        return self.user.id

    @property
    def addr(self) -> str:
        """The address of the device ``caller`` speaks from."""
        return self.caller.device_addr


@dataclass
class Harness:
    """All ports (in memory) and all use cases over them, plus helpers to make people."""

    storage: MemoryStorage
    clock: ManualClock
    secrets: CountingSecrets
    mailer: MemoryMailer
    publisher: RecordingPublisher
    blobs: MemoryBlobStore
    accounts: Accounts
    devices: DeviceEnrollment
    desk: TicketDesk
    talk: Conversation
    library: AttachmentLibrary
    presence: PresenceBoard
    feed: EventFeed
    delivery: MailDelivery
    mail_ops: MailOperations
    project: ProjectAdministration
    settings_applied: RecordingSettingsObserver
    teams: TeamRoster
    reads: ReadState
    queues: QueueBoard
    canned: CannedReplies
    directory: StaffDirectory
    keyed: KeyedWrites
    service_levels: ServiceLevelDesk
    _addresses: itertools.count[int] = field(default_factory=lambda: itertools.count(0x10))
    _people: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _admin: Person | None = None

    # -- addresses and callers -------------------------------------------------------

    def new_address(self) -> str:
        """A fresh overlay address nobody has used yet."""
        return f"4{next(self._addresses):02x}:1:2:3:4:5:6:7"

    def unbound(self, address: str | None = None) -> UnboundDevice:
        """The caller value of a device nobody has bound."""
        return UnboundDevice(device_addr=address or self.new_address())

    async def identify(self, address: str) -> CallerIdentity:
        """What the identity boundary says about a bound address."""
        caller = await self.accounts.identify(address)
        assert isinstance(caller, CallerIdentity), f"{address} is not bound"
        return caller

    # -- storage access for assertions -------------------------------------------------

    async def read(self, work: Callable[[Repositories], T]) -> T:
        """Look at storage directly (to check what a call left behind)."""
        return await self.storage.read(work)

    async def events(self) -> list[Event]:
        """The whole durable event log."""
        return await self.storage.read(lambda r: r.events.after(0, limit=1_000_000))

    async def deliver(self) -> DeliveryPass:
        """What the server's mail worker does: turn sign-in requests into links and
        queued mail, then send the mail that is due now."""
        while await self.devices.issue_requested_links():
            pass
        return await self.delivery.deliver_due()

    def published(self, *kinds: EventKind) -> list[Event]:
        """Events handed to live subscribers so far, optionally only of some kinds."""
        return [e for e in self.publisher.published if not kinds or e.kind in kinds]

    # -- people --------------------------------------------------------------------------

    async def admin(self) -> Person:
        """The project's first admin (written directly, as the server's CLI does)."""
        if self._admin is None:
            now = self.clock.now()
            user = User(id=0, email="root@acme.example", display_name="Root Admin",
                        role=Role.ADMIN, status=UserStatus.INVITED, created_at=now)

            def add(repos: Repositories) -> User:
                made = User(id=repos.users.next_id(), email=user.email,
                            display_name=user.display_name, role=user.role,
                            status=user.status, created_at=user.created_at)
                repos.users.add(made)
                return made

            stored = await self.storage.write(add)
            caller = await self.bind(stored.email, label="admin laptop")
            self._admin = Person(await self.user_record(stored.id), caller)
        return self._admin

    async def user_record(self, user_id: int) -> User:
        """The stored user."""
        user = await self.storage.read(lambda r: r.users.get(user_id))
        assert user is not None
        return user

    async def enroll(self, role: Role, *, email: str | None = None,
                     name: str | None = None) -> User:
        """Enroll a person through the admin, without binding any device."""
        n = next(self._people)
        admin = await self.admin()
        return await self.accounts.enroll(
            admin.caller, email=email or f"{role.value}{n}@acme.example", role=role,
            display_name=name or f"{role.value.title()} {n}",
        )

    async def bind(self, email: str, *, address: str | None = None, label: str = "laptop",
                   via: str = "code") -> CallerIdentity:
        """Bind a (new) device to ``email`` with the code or the link from the email."""
        device = self.unbound(address)
        before = len(self.mailer.sent)
        await self.devices.request_link(device, email=email, device_label=label)
        await self.deliver()
        assert len(self.mailer.sent) == before + 1, f"no sign-in mail for {email}"
        mail = self.mailer.sent[-1]
        if via == "code":
            await self.devices.confirm_code(device, code_from(mail))
        else:
            await self.devices.confirm_link(token_from(mail))
        return await self.identify(device.device_addr)

    async def person(self, role: Role, *, email: str | None = None,
                     name: str | None = None) -> Person:
        """An enrolled person with one bound device."""
        user = await self.enroll(role, email=email, name=name)
        caller = await self.bind(user.email)
        return Person(await self.user_record(user.id), caller)

    async def customer(self, **kw: str) -> Person:
        """A customer with a bound device."""
        return await self.person(Role.CUSTOMER, **kw)

    async def agent(self, **kw: str) -> Person:
        """A support agent with a bound device."""
        return await self.person(Role.AGENT, **kw)

    async def second_admin(self, **kw: str) -> Person:
        """Another admin with a bound device."""
        return await self.person(Role.ADMIN, **kw)

    async def second_device(self, person: Person, label: str = "phone") -> CallerIdentity:
        """Bind another device of the same person."""
        return await self.bind(person.user.email, label=label)

    # -- content -------------------------------------------------------------------------

    async def ticket(self, who: Person, subject: str = "Printer on fire", **kw: object
                     ) -> Ticket:
        """A ticket filed by ``who``."""
        return await self.desk.create(who.caller, subject=subject, **kw)  # type: ignore[arg-type]

    async def note(self, who: Person, ticket_id: int, body: str, **kw: object) -> int:
        """An internal note; returns its id."""
        message = await self.talk.post(who.caller, ticket_id, body=body,
                                       visibility=Visibility.INTERNAL, **kw)  # type: ignore[arg-type]
        return message.id

    async def see_all(self, flag: bool = True) -> None:
        """Switch the project setting that lets customers see every ticket."""
        admin = await self.admin()
        await self.project.update(admin.caller, customers_see_all_tickets=flag)

    def tick(self, seconds: float = 1) -> None:
        """Let time pass."""
        self.clock.advance(timedelta(seconds=seconds))


@pytest.fixture
def harness() -> Harness:
    """A fresh project with nothing in it but its settings."""
    storage = MemoryStorage(ProjectSettings(name=PROJECT_NAME))
    clock = ManualClock()
    secrets = CountingSecrets()
    mailer = MemoryMailer()
    publisher = RecordingPublisher()
    blobs = MemoryBlobStore()
    applied = RecordingSettingsObserver()
    # The use cases write through KeyedStorage, as on the server (D-18): outside a
    # keyed call it is the memory store itself.
    keyed = KeyedStorage(storage, clock)
    return Harness(
        storage=storage, clock=clock, secrets=secrets, mailer=mailer, publisher=publisher,
        blobs=blobs,
        accounts=Accounts(keyed, clock),
        devices=DeviceEnrollment(keyed, clock, secrets, link_url),
        desk=TicketDesk(keyed, clock, publisher),
        talk=Conversation(keyed, clock, publisher),
        library=AttachmentLibrary(keyed, blobs, clock),
        presence=PresenceBoard(keyed, clock, publisher),
        feed=EventFeed(keyed),
        delivery=MailDelivery(storage, clock, mailer),
        mail_ops=MailOperations(storage, clock),
        project=ProjectAdministration(keyed, clock, publisher, applied),
        settings_applied=applied,
        teams=TeamRoster(keyed, clock),
        reads=ReadState(keyed, clock, publisher),
        queues=QueueBoard(keyed),
        canned=CannedReplies(keyed, clock),
        directory=StaffDirectory(keyed, clock),
        keyed=KeyedWrites(storage, clock),
        service_levels=ServiceLevelDesk(keyed, clock),
    )


@dataclass(frozen=True, slots=True)
class Cast:
    """The usual cast of a policy test: two customers, an agent, an admin, a stranger."""

    a: Person
    b: Person
    agent: Person
    admin: Person
    unbound: UnboundDevice


@pytest.fixture
async def cast(harness: Harness) -> Cast:
    """Customer A, customer B, an agent, the admin, and an unbound device."""
    return Cast(
        a=await harness.customer(name="Alice"),
        b=await harness.customer(name="Bob"),
        agent=await harness.agent(name="Agnes"),
        admin=await harness.admin(),
        unbound=harness.unbound(),
    )
