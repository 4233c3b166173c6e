"""Resuming the event feed: replay after ``since``, then live, each event exactly once.

Runs the real use cases over the in-memory storage with the hub as their publisher,
so the events come from the same writes that fill the durable log.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio
import pytest

from hero_assistance.adapters.live import (
    CloseCause,
    EventHub,
    EventStream,
    SubscriptionClosed,
    stream,
)
from hero_assistance.adapters.memory import ManualClock, MemoryStorage
from hero_assistance.domain.errors import InvalidInput
from hero_assistance.domain.events import Event, EventKind
from hero_assistance.domain.identity import (
    Caller,
    CallerIdentity,
    DeviceBinding,
    Role,
    User,
    UserStatus,
)
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.policy import event_visible_to
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.presence import PresenceState
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.services import (
    Conversation,
    EventFeed,
    PresenceBoard,
    Replay,
    TicketDesk,
)
from hero_assistance.domain.services.feed import MAX_REPLAY
from hero_assistance.domain.tickets import TicketStatus

pytestmark = pytest.mark.anyio

INTERNAL = Visibility.INTERNAL


@dataclass
class Project:
    """One project: storage, the hub publishing its events, and the use cases."""

    storage: MemoryStorage
    clock: ManualClock
    hub: EventHub
    feed: EventFeed
    desk: TicketDesk
    talk: Conversation
    board: PresenceBoard
    settings: ProjectSettings
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def person(self, role: Role) -> CallerIdentity:
        """A user with one bound device, written straight into storage."""
        n = next(self._ids)
        now = self.clock.now()
        address = f"400::{n:x}"

        def add(repos: Repositories) -> User:
            user = User(id=repos.users.next_id(), email=f"{role.value}{n}@acme.example",
                        display_name=f"{role.value} {n}", role=role,
                        status=UserStatus.ACTIVE, created_at=now)
            repos.users.add(user)
            repos.devices.add(DeviceBinding(address=address, user_id=user.id,
                                            label="laptop", bound_at=now, last_seen=now))
            return user

        user = await self.storage.write(add)
        return CallerIdentity(user_id=user.id, device_addr=address, role=role)

    async def see_all(self, flag: bool) -> None:
        """Switch the setting in storage (replay) and in what the hub reads (live)."""
        self.settings = ProjectSettings(name=self.settings.name,
                                        customers_see_all_tickets=flag)
        settings = self.settings
        await self.storage.write(lambda r: r.project.save(settings))

    async def log(self) -> list[Event]:
        """The whole durable event log."""
        return await self.storage.read(lambda r: r.events.after(0, limit=1_000_000))

    async def visible_after(self, who: CallerIdentity, since: int) -> list[int]:
        """The seqs ``who`` may see after ``since``, straight from the log."""
        return [e.seq for e in await self.log()
                if e.seq is not None and e.seq > since
                and event_visible_to(who, e, self.settings)]


@dataclass(frozen=True)
class Cast:
    """Two customers and an agent."""

    alice: CallerIdentity
    bob: CallerIdentity
    agent: CallerIdentity


@pytest.fixture
def project() -> Project:
    """An empty project whose use cases publish to a live hub."""
    settings = ProjectSettings(name="Acme")
    storage = MemoryStorage(settings)
    clock = ManualClock()
    holder: list[Project] = []
    hub = EventHub(lambda: holder[0].settings)
    made = Project(storage=storage, clock=clock, hub=hub, feed=EventFeed(storage),
                   desk=TicketDesk(storage, clock, hub), talk=Conversation(storage, clock, hub),
                   board=PresenceBoard(storage, clock, hub), settings=settings)
    holder.append(made)
    return made


@pytest.fixture
async def cast(project: Project) -> Cast:
    """Alice and Bob (customers) and an agent."""
    return Cast(alice=await project.person(Role.CUSTOMER),
                bob=await project.person(Role.CUSTOMER),
                agent=await project.person(Role.AGENT))


async def history(project: Project, cast: Cast) -> tuple[int, int]:
    """A little of everything; returns Alice's and Bob's ticket ids."""
    alices = await project.desk.create(cast.alice, subject="Printer on fire")
    bobs = await project.desk.create(cast.bob, subject="VPN down")
    await project.talk.post(cast.agent, alices.id, body="Her printer is old",
                            visibility=Visibility.INTERNAL)
    await project.talk.post(cast.agent, alices.id, body="Try turning it off")
    await project.talk.post(cast.agent, bobs.id, body="Which VPN?")
    await project.desk.update(cast.agent, bobs.id, status=TicketStatus.OPEN)
    await project.talk.post(cast.alice, alices.id, body="It is off now")
    return alices.id, bobs.id


async def available(events: EventStream) -> list[Event]:
    """Every event the stream yields before it would have to wait for a new publish."""
    got: list[Event] = []

    async def pull() -> None:
        async for event in events:
            got.append(event)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(pull)
            await anyio.wait_all_tasks_blocked()
            tg.cancel_scope.cancel()
    return got


def body_of(event: Event) -> object:
    """The body of a message event's snapshot (``None`` for other events)."""
    message = event.data.get("message")
    return message.get("body") if isinstance(message, dict) else None


def seqs(events: list[Event]) -> list[int | None]:
    """The sequence numbers, in the order received."""
    return [e.seq for e in events]


async def test_since_zero_replays_what_the_caller_may_see_then_goes_live(
    project: Project, cast: Cast,
) -> None:
    alices, bobs = await history(project, cast)

    async with stream(project.hub, project.feed, cast.alice, since=0) as events:
        replayed = await available(events)
        assert not events.replaying
        await project.talk.post(cast.agent, alices, body="Any smoke left?")
        await project.talk.post(cast.agent, alices, body="Replace it", visibility=INTERNAL)
        await project.talk.post(cast.agent, bobs, body="Never mind")
        await project.desk.update(cast.alice, alices, status=TicketStatus.CLOSED)
        live = await available(events)

    assert seqs(replayed) == [1, 4, 7]
    assert [e.kind for e in replayed] == [
        EventKind.TICKET_CREATED, EventKind.MESSAGE_CREATED, EventKind.MESSAGE_CREATED,
    ]
    assert seqs(live) == [8, 11]
    assert seqs(replayed + live) == await project.visible_after(cast.alice, 0)


async def test_since_n_yields_exactly_what_each_caller_may_see_after_n(
    project: Project, cast: Cast,
) -> None:
    await history(project, cast)
    last = len(await project.log())

    for see_all in (False, True):
        await project.see_all(see_all)
        for who in (cast.alice, cast.bob, cast.agent):
            for since in range(last + 2):
                async with stream(project.hub, project.feed, who, since=since) as events:
                    got = await available(events)
                expected = await project.visible_after(who, since)
                assert seqs(got) == expected, (who.role, who.user_id, since, see_all)
                if not who.role.is_staff:
                    assert not any(e.internal for e in got)
                if not see_all and not who.role.is_staff:
                    assert {e.requester_id for e in got} <= {who.user_id}


async def test_events_published_during_the_replay_arrive_once_and_in_order(
    project: Project, cast: Cast,
) -> None:
    alices, bobs = await history(project, cast)

    events = stream(project.hub, project.feed, cast.alice, since=0, replay_page=1)
    async with events:
        # Subscribed, nothing read yet: these are both in the log and in the live buffer.
        await project.talk.post(cast.agent, alices, body="Before the replay started")
        with anyio.fail_after(5):
            first = await events.__anext__()
        assert events.replaying
        # Mid-replay: the log has been read up to seq 1 only.
        await project.talk.post(cast.agent, alices, body="During the replay")
        await project.talk.post(cast.agent, bobs, body="Not for Alice")
        await project.talk.post(cast.agent, alices, body="Internal", visibility=INTERNAL)
        buffered = events.subscription.pending
        rest = await available(events)
        await project.talk.post(cast.agent, alices, body="After the replay")
        live = await available(events)

    got = [e.seq for e in (first, *rest, *live) if e.seq is not None]
    assert len(got) == 1 + len(rest) + len(live)
    assert buffered == 2  # the two public replies were queued live while replaying
    assert got == await project.visible_after(cast.alice, 0)
    assert got == sorted(set(got))  # in order, none twice


class RacingFeed(EventFeed):
    """The real feed, except that a write commits right after each read of the log.

    That is the race subscribing first guards against: the event is not in the page
    just read, so only the live subscription can deliver it.
    """

    def __init__(self, project: Project, write: Callable[[], Awaitable[object]]) -> None:
        super().__init__(project.storage)
        self._write = write

    async def replay(self, caller: Caller, since: int, *, limit: int = MAX_REPLAY) -> Replay:
        page = await super().replay(caller, since, limit=limit)
        await self._write()
        return page


async def test_an_event_committed_after_the_last_read_of_the_log_arrives_live(
    project: Project, cast: Cast,
) -> None:
    alices, _ = await history(project, cast)

    async def reply() -> object:
        return await project.talk.post(cast.agent, alices, body="Raced the replay")

    feed = RacingFeed(project, reply)
    async with stream(project.hub, feed, cast.alice, since=0, replay_page=2) as events:
        got = await available(events)

    replies = [e for e in got if body_of(e) == "Raced the replay"]
    assert len(replies) >= 2  # one per read of the log, the last one only live
    assert replies[-1].seq == (await project.log())[-1].seq
    assert seqs(got) == await project.visible_after(cast.alice, 0)


async def test_a_client_that_reconnects_misses_nothing_and_sees_nothing_twice(
    project: Project, cast: Cast,
) -> None:
    alices, _ = await history(project, cast)
    async with stream(project.hub, project.feed, cast.alice, since=0) as first_connection:
        before = await available(first_connection)
    last_seen = before[-1].seq
    assert last_seen is not None

    # While Alice is away.
    await project.talk.post(cast.agent, alices, body="Are you there?")
    await project.desk.update(cast.agent, alices, status=TicketStatus.PENDING)

    async with stream(project.hub, project.feed, cast.alice, since=last_seen) as again:
        after = await available(again)

    assert seqs(before + after) == await project.visible_after(cast.alice, 0)
    assert [e.kind for e in after] == [EventKind.MESSAGE_CREATED, EventKind.TICKET_UPDATED]


async def test_ticket_and_kind_filters_apply_to_replay_and_live(
    project: Project, cast: Cast,
) -> None:
    alices, bobs = await history(project, cast)
    only_messages = frozenset({EventKind.MESSAGE_CREATED})

    async with stream(project.hub, project.feed, cast.agent, since=0,
                      ticket_ids=frozenset({alices}), kinds=only_messages) as events:
        replayed = await available(events)
        await project.desk.update(cast.agent, alices, status=TicketStatus.OPEN)
        await project.talk.post(cast.agent, bobs, body="Elsewhere")
        await project.talk.post(cast.agent, alices, body="Here", visibility=Visibility.INTERNAL)
        live = await available(events)

    assert all(e.kind is EventKind.MESSAGE_CREATED for e in replayed + live)
    assert all(e.ticket_id == alices for e in replayed + live)
    assert [e.internal for e in replayed] == [True, False, False]
    assert [e.internal for e in live] == [True]


async def test_presence_is_live_only_and_routed_by_policy(
    project: Project, cast: Cast,
) -> None:
    alices, _ = await history(project, cast)

    async with stream(project.hub, project.feed, cast.alice, since=0) as alice_events:
        replayed = await available(alice_events)
        await project.board.heartbeat(cast.agent, viewing_ticket_id=alices, typing=True)
        await project.board.heartbeat(cast.alice, state=PresenceState.ONLINE,
                                      viewing_ticket_id=alices)
        live = await available(alice_events)

    assert all(e.seq is not None for e in replayed)
    assert [(e.seq, e.kind) for e in live] == [(None, EventKind.PRESENCE_CHANGED)]
    shown = live[0].data["presence"]
    assert isinstance(shown, dict)
    assert shown["user_id"] == cast.agent.user_id


async def test_losing_access_mid_replay_ends_the_stream_with_the_reason(
    project: Project, cast: Cast,
) -> None:
    await history(project, cast)

    async with stream(project.hub, project.feed, cast.alice, since=0, replay_page=1) as events:
        with anyio.fail_after(5):
            await events.__anext__()
            project.hub.drop_device(cast.alice.device_addr, "device revoked")
            with pytest.raises(SubscriptionClosed, match="device revoked") as closed:
                await events.__anext__()

    assert closed.value.cause is CloseCause.ACCESS_CHANGED
    assert len(project.hub) == 0


async def test_closing_the_stream_ends_iteration_and_unsubscribes(
    project: Project, cast: Cast,
) -> None:
    await history(project, cast)
    events = stream(project.hub, project.feed, cast.alice, since=0)
    assert len(project.hub) == 1

    events.close()

    assert [e async for e in events] == []
    assert len(project.hub) == 0


@pytest.mark.parametrize(("since", "page"), [(-1, 10), (0, 0), (0, 1001)])
async def test_bad_arguments_are_refused_before_subscribing(
    project: Project, cast: Cast, since: int, page: int,
) -> None:
    with pytest.raises(InvalidInput):
        EventStream(project.hub, project.feed, cast.alice, since=since, replay_page=page)
    assert len(project.hub) == 0
