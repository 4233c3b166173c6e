"""The live event hub: who receives which event, slow consumers, revocation, cost."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import anyio
import pytest

from hero_assistance.adapters.live import (
    CloseCause,
    EventHub,
    Subscription,
    SubscriptionClosed,
)
from hero_assistance.domain.errors import InvalidInput
from hero_assistance.domain.events import Event, EventKind
from hero_assistance.domain.identity import CallerIdentity, Role
from hero_assistance.domain.ports import EventPublisher
from hero_assistance.domain.project import ProjectSettings

pytestmark = pytest.mark.anyio

AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

ALICE = CallerIdentity(user_id=1, device_addr="400::a1", role=Role.CUSTOMER)
BOB = CallerIdentity(user_id=2, device_addr="400::b1", role=Role.CUSTOMER)
AGENT = CallerIdentity(user_id=3, device_addr="400::c1", role=Role.AGENT)
ADMIN = CallerIdentity(user_id=4, device_addr="400::d1", role=Role.ADMIN)
CAST = {"alice": ALICE, "bob": BOB, "agent": AGENT, "admin": ADMIN}

ALICES_TICKET = 10
ALICES_OTHER_TICKET = 11
BOBS_TICKET = 20


class Settings:
    """The server's view of the project settings, counting how often the hub asks."""

    def __init__(self, *, see_all: bool = False) -> None:
        self.current = ProjectSettings(name="Acme", customers_see_all_tickets=see_all)
        self.reads = 0

    def __call__(self) -> ProjectSettings:
        self.reads += 1
        return self.current

    def see_all(self, flag: bool) -> None:
        self.current = ProjectSettings(name="Acme", customers_see_all_tickets=flag)


def event(kind: EventKind = EventKind.TICKET_UPDATED, *, ticket: int | None = ALICES_TICKET,
          requester: int | None = None, internal: bool = False,
          seq: int | None = 1) -> Event:
    """An event about ``ticket``; the requester follows the ticket unless given."""
    if requester is None and ticket is not None:
        requester = BOB.user_id if ticket == BOBS_TICKET else ALICE.user_id
    return Event(seq=seq, kind=kind, ticket_id=ticket, requester_id=requester,
                 internal=internal, occurred_at=AT, data={"n": seq})


def presence(*, of: CallerIdentity, ticket: int | None) -> Event:
    """A live presence change, marked internal when a customer's (as the domain does)."""
    requester = None if ticket is None else ALICE.user_id
    return Event(seq=None, kind=EventKind.PRESENCE_CHANGED, ticket_id=ticket,
                 requester_id=requester, internal=not of.role.is_staff, occurred_at=AT,
                 data={"user_id": of.user_id})


def drain(sub: Subscription) -> list[Event]:
    """Everything queued, without waiting."""
    got: list[Event] = []
    while (e := sub.get_nowait()) is not None:
        got.append(e)
    return got


def receivers(subs: dict[str, Subscription]) -> set[str]:
    """Names of the subscriptions that have something queued (and drain them)."""
    return {name for name, sub in subs.items() if drain(sub)}


@pytest.fixture
def settings() -> Settings:
    """Project settings with the default: customers see their own tickets only."""
    return Settings()


@pytest.fixture
def hub(settings: Settings) -> EventHub:
    """A hub reading the settings above."""
    return EventHub(settings)


def everyone(hub: EventHub) -> dict[str, Subscription]:
    """One subscription per member of the cast, each to everything it may see."""
    return {name: hub.subscribe(who) for name, who in CAST.items()}


# -- routing matrix ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("what", "see_all", "expected"),
    [
        (event(ticket=ALICES_TICKET), False, {"alice", "agent", "admin"}),
        (event(ticket=ALICES_TICKET), True, {"alice", "bob", "agent", "admin"}),
        (event(ticket=BOBS_TICKET), False, {"bob", "agent", "admin"}),
        (event(EventKind.TICKET_CREATED, ticket=BOBS_TICKET), True,
         {"alice", "bob", "agent", "admin"}),
        (event(EventKind.MESSAGE_CREATED, internal=True), False, {"agent", "admin"}),
        (event(EventKind.MESSAGE_EDITED, internal=True), True, {"agent", "admin"}),
        (event(ticket=None, requester=None), True, {"agent", "admin"}),
        (event(EventKind.PROJECT_UPDATED, ticket=None, requester=None), False,
         {"alice", "bob", "agent", "admin"}),
        (event(EventKind.PROJECT_UPDATED, ticket=None, requester=None), True,
         {"alice", "bob", "agent", "admin"}),
    ],
    ids=["own-ticket", "own-ticket-see-all", "other-ticket", "other-ticket-see-all",
         "internal-note", "internal-note-see-all", "no-ticket", "project-renamed",
         "project-renamed-see-all"],
)
def test_each_event_reaches_exactly_those_policy_allows(
    hub: EventHub, settings: Settings, what: Event, see_all: bool, expected: set[str],
) -> None:
    settings.see_all(see_all)
    subs = everyone(hub)

    hub.publish([what])

    assert receivers(subs) == expected


def test_a_project_event_reaches_each_all_tickets_subscription_once_not_ticket_ones(
    hub: EventHub,
) -> None:
    everything = everyone(hub)
    one_ticket = {"alice-ticket": hub.subscribe(ALICE, ticket_ids=frozenset({ALICES_TICKET})),
                  "agent-ticket": hub.subscribe(AGENT, ticket_ids=frozenset({BOBS_TICKET}))}

    hub.publish([event(EventKind.PROJECT_UPDATED, ticket=None, requester=None)])

    assert {name: len(drain(sub)) for name, sub in everything.items()} == {
        "alice": 1, "bob": 1, "agent": 1, "admin": 1}
    assert receivers(one_ticket) == set()


def test_customers_widen_and_narrow_with_the_setting_while_subscribed(
    hub: EventHub, settings: Settings,
) -> None:
    subs = everyone(hub)

    hub.publish([event(ticket=BOBS_TICKET, seq=1)])
    assert "alice" not in receivers(subs)

    settings.see_all(True)
    hub.publish([event(ticket=BOBS_TICKET, seq=2)])
    assert "alice" in receivers(subs)

    settings.see_all(False)
    hub.publish([event(ticket=BOBS_TICKET, seq=3)])
    assert receivers(subs) == {"bob", "agent", "admin"}


def test_settings_are_read_once_per_publish_not_per_subscriber(
    hub: EventHub, settings: Settings,
) -> None:
    everyone(hub)
    everyone(hub)

    hub.publish([event(seq=1), event(seq=2), event(ticket=BOBS_TICKET, seq=3)])

    assert settings.reads == 1


def test_internal_notes_never_reach_customers_even_on_their_own_ticket(
    hub: EventHub, settings: Settings,
) -> None:
    settings.see_all(True)
    mine = hub.subscribe(ALICE, ticket_ids=frozenset({ALICES_TICKET}))
    everything = hub.subscribe(ALICE)

    hub.publish([event(EventKind.MESSAGE_CREATED, internal=True, seq=s) for s in (1, 2)])

    assert drain(mine) == []
    assert drain(everything) == []


def test_ticket_subscription_gets_only_those_tickets(hub: EventHub) -> None:
    alice = hub.subscribe(ALICE, ticket_ids=frozenset({ALICES_TICKET}))
    agent = hub.subscribe(AGENT, ticket_ids=frozenset({ALICES_TICKET, BOBS_TICKET}))

    hub.publish([
        event(ticket=ALICES_TICKET, seq=1),
        event(ticket=ALICES_OTHER_TICKET, seq=2),
        event(ticket=BOBS_TICKET, seq=3),
        event(EventKind.MESSAGE_CREATED, ticket=ALICES_TICKET, internal=True, seq=4),
    ])

    assert [e.seq for e in drain(alice)] == [1]
    assert [e.seq for e in drain(agent)] == [1, 3, 4]


def test_asking_for_someone_elses_ticket_yields_nothing_unless_the_project_allows(
    hub: EventHub, settings: Settings,
) -> None:
    bob = hub.subscribe(BOB, ticket_ids=frozenset({ALICES_TICKET}))

    hub.publish([event(ticket=ALICES_TICKET, seq=1)])
    assert drain(bob) == []

    settings.see_all(True)
    hub.publish([event(ticket=ALICES_TICKET, seq=2)])
    assert [e.seq for e in drain(bob)] == [2]


def test_kinds_filter(hub: EventHub) -> None:
    wanted = frozenset({EventKind.MESSAGE_CREATED, EventKind.TICKET_CREATED})
    agent = hub.subscribe(AGENT, kinds=wanted)
    alice = hub.subscribe(ALICE, kinds=frozenset({EventKind.MESSAGE_CREATED}))

    hub.publish([event(kind, seq=n) for n, kind in enumerate(EventKind, start=1)])

    assert {e.kind for e in drain(agent)} == wanted
    assert [e.kind for e in drain(alice)] == [EventKind.MESSAGE_CREATED]


def test_empty_filters_are_refused_rather_than_silently_matching_nothing(
    hub: EventHub,
) -> None:
    with pytest.raises(InvalidInput, match="ticket_ids"):
        hub.subscribe(ALICE, ticket_ids=frozenset())
    with pytest.raises(InvalidInput, match="kinds"):
        hub.subscribe(ALICE, kinds=frozenset())
    with pytest.raises(InvalidInput, match="queue_size"):
        hub.subscribe(ALICE, queue_size=0)
    assert len(hub) == 0


# -- presence --------------------------------------------------------------------------

def test_staff_presence_on_a_ticket_reaches_its_customer_and_staff(hub: EventHub) -> None:
    subs = everyone(hub)

    hub.publish([presence(of=AGENT, ticket=ALICES_TICKET)])

    assert receivers(subs) == {"alice", "agent", "admin"}


def test_customer_presence_is_for_staff_only(hub: EventHub, settings: Settings) -> None:
    settings.see_all(True)
    subs = everyone(hub)
    alices_ticket = hub.subscribe(ALICE, ticket_ids=frozenset({ALICES_TICKET}))

    hub.publish([presence(of=BOB, ticket=ALICES_TICKET), presence(of=ALICE, ticket=None)])

    assert receivers(subs) == {"agent", "admin"}
    assert drain(alices_ticket) == []


def test_presence_without_a_ticket_reaches_only_staff(hub: EventHub) -> None:
    subs = everyone(hub)

    hub.publish([presence(of=AGENT, ticket=None)])

    assert receivers(subs) == {"agent", "admin"}


# -- slow consumers ----------------------------------------------------------------------

async def test_overflow_closes_only_the_slow_subscription_with_the_reason(
    hub: EventHub,
) -> None:
    slow = hub.subscribe(AGENT, queue_size=3)
    fast = hub.subscribe(ADMIN, queue_size=3)
    other = hub.subscribe(ALICE)

    hub.publish([event(seq=1), event(seq=2)])
    assert [e.seq for e in drain(fast)] == [1, 2]
    hub.publish([event(seq=3), event(seq=4)])  # slow now holds 4 > 3

    assert slow.closed
    assert slow.close_reason == "slow consumer: more than 3 events queued"
    assert slow.close_cause is CloseCause.SLOW_CONSUMER
    assert hub.stats.overflows == 1
    with pytest.raises(SubscriptionClosed, match="slow consumer: more than 3") as closed:
        await slow.get()
    assert closed.value.cause is CloseCause.SLOW_CONSUMER
    with pytest.raises(SubscriptionClosed, match="slow consumer"):
        async for _ in slow:
            pass  # pragma: no cover - nothing is delivered after the overflow

    hub.publish([event(seq=5)])
    assert [e.seq for e in drain(fast)] == [3, 4, 5]
    assert [e.seq for e in drain(other)] == [1, 2, 3, 4, 5]
    assert len(hub) == 2


def test_a_subscription_closed_mid_batch_gets_none_of_the_rest(hub: EventHub) -> None:
    slow = hub.subscribe(ALICE, queue_size=2)

    hub.publish([event(seq=n) for n in range(1, 11)])

    assert slow.closed
    assert slow.pending == 0
    assert hub.stats.overflows == 1
    assert hub.stats.deliveries == 2


def test_publish_is_synchronous_and_never_waits_for_a_consumer(hub: EventHub) -> None:
    # A plain (non-async) test: no event loop runs, so publish cannot await anything.
    assert not inspect.iscoroutinefunction(EventHub.publish)
    nobody_reads = hub.subscribe(AGENT, queue_size=100)
    reader = hub.subscribe(ADMIN, queue_size=20_000)

    hub.publish([event(seq=n) for n in range(1, 10_001)])

    assert nobody_reads.closed
    assert reader.pending == 10_000


def test_the_hub_is_an_event_publisher(hub: EventHub) -> None:
    publisher: EventPublisher = hub
    publisher.publish([])
    assert hub.stats.publishes == 0


async def test_a_waiting_consumer_wakes_on_publish(hub: EventHub) -> None:
    sub = hub.subscribe(ALICE)
    got: list[Event] = []

    async def consume() -> None:
        async for e in sub:
            got.append(e)

    with anyio.fail_after(2):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await anyio.wait_all_tasks_blocked()
            hub.publish([event(seq=1)])
            await anyio.wait_all_tasks_blocked()
            hub.publish([event(seq=2), event(seq=3)])
            await anyio.wait_all_tasks_blocked()
            sub.close()  # ends the consumer's loop quietly

    assert [e.seq for e in got] == [1, 2, 3]


async def test_a_waiting_consumer_learns_why_the_hub_closed_it(hub: EventHub) -> None:
    sub = hub.subscribe(ALICE)
    reasons: list[str] = []

    async def consume() -> None:
        try:
            await sub.get()
        except SubscriptionClosed as closed:
            reasons.append(closed.reason)

    with anyio.fail_after(2):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await anyio.wait_all_tasks_blocked()
            hub.drop_device(ALICE.device_addr, "device revoked")

    assert reasons == ["device revoked"]


# -- closing -------------------------------------------------------------------------------

async def test_close_unsubscribes_and_iteration_ends_quietly(hub: EventHub) -> None:
    async with hub.subscribe(ALICE) as sub:
        hub.publish([event(seq=1)])
    assert sub.closed
    assert sub.close_cause is CloseCause.SUBSCRIBER
    assert len(hub) == 0

    hub.publish([event(seq=2)])

    assert [e async for e in sub] == []
    with pytest.raises(SubscriptionClosed, match="closed by subscriber"):
        await sub.get()
    assert hub.stats.deliveries == 1


def test_drop_user_closes_every_device_of_that_user_only(hub: EventHub) -> None:
    laptop = hub.subscribe(ALICE)
    phone = hub.subscribe(CallerIdentity(user_id=ALICE.user_id, device_addr="400::a2",
                                         role=Role.CUSTOMER),
                          ticket_ids=frozenset({ALICES_TICKET}))
    bob = hub.subscribe(BOB)
    agent = hub.subscribe(AGENT)
    hub.publish([event(seq=1)])

    assert hub.drop_user(ALICE.user_id, "account disabled") == 2

    for sub in (laptop, phone):
        assert sub.closed
        assert sub.close_reason == "account disabled"
        assert sub.close_cause is CloseCause.ACCESS_CHANGED
        assert sub.pending == 0  # queued events are not handed out after access is lost
    assert not bob.closed
    assert not agent.closed
    hub.publish([event(seq=2), event(ticket=BOBS_TICKET, seq=3)])
    assert [e.seq for e in drain(bob)] == [3]
    assert [e.seq for e in drain(agent)] == [1, 2, 3]
    assert hub.drop_user(ALICE.user_id, "again") == 0
    assert laptop.close_reason == "account disabled"


def test_drop_device_closes_only_that_device(hub: EventHub) -> None:
    phone_of_alice = CallerIdentity(user_id=ALICE.user_id, device_addr="400::a2",
                                    role=Role.CUSTOMER)
    laptop = hub.subscribe(ALICE)
    phone = hub.subscribe(phone_of_alice)
    phone_again = hub.subscribe(phone_of_alice, kinds=frozenset({EventKind.TICKET_UPDATED}))

    assert hub.drop_device("400::a2", "device revoked") == 2

    assert phone.closed
    assert phone_again.close_reason == "device revoked"
    assert not laptop.closed
    hub.publish([event(seq=1)])
    assert [e.seq for e in drain(laptop)] == [1]


def test_close_all_for_shutdown(hub: EventHub) -> None:
    subs = everyone(hub)

    assert hub.close_all() == 4

    assert all(s.close_cause is CloseCause.SHUTDOWN for s in subs.values())
    assert len(hub) == 0


# -- cost -----------------------------------------------------------------------------------

def customers(n: int) -> list[CallerIdentity]:
    """``n`` customers, user ids 1000.., each on their own device."""
    return [CallerIdentity(user_id=1000 + i, device_addr=f"400::{i:x}:1", role=Role.CUSTOMER)
            for i in range(n)]


def test_routing_cost_follows_recipients_not_subscribers(
    hub: EventHub, settings: Settings,
) -> None:
    people = customers(1000)
    subs = [hub.subscribe(who) for who in people]
    staff = [hub.subscribe(who, queue_size=10_000) for who in (AGENT, ADMIN)]

    # One event about each customer's ticket: each concerns 1 customer + 2 staff.
    hub.publish([event(ticket=5000 + i, requester=who.user_id, seq=i + 1)
                 for i, who in enumerate(people)])

    assert hub.stats.deliveries == 1000 * 3
    assert hub.stats.candidates == hub.stats.deliveries  # nobody visited for nothing
    assert all(sub.pending == 1 for sub in subs)

    # Internal notes on those tickets: only the two staff are even looked at, also
    # when every customer may see every ticket.
    settings.see_all(True)
    before = hub.stats.candidates
    hub.publish([event(EventKind.MESSAGE_CREATED, ticket=5000 + i, requester=who.user_id,
                       internal=True, seq=2000 + i) for i, who in enumerate(people)])
    assert hub.stats.candidates - before == 1000 * 2
    assert all(sub.pending == 2000 for sub in staff)
    assert all(sub.pending == 1 for sub in subs)


def test_ticket_specific_subscriptions_are_found_by_ticket(hub: EventHub) -> None:
    people = customers(1000)
    for i, who in enumerate(people):
        hub.subscribe(who, ticket_ids=frozenset({5000 + i}),
                      kinds=frozenset({EventKind.MESSAGE_CREATED}))

    hub.publish([event(EventKind.MESSAGE_CREATED, ticket=5000 + i, requester=who.user_id,
                       seq=i + 1) for i, who in enumerate(people)])
    hub.publish([event(EventKind.TICKET_UPDATED, ticket=5000 + i, requester=who.user_id,
                       seq=2000 + i) for i, who in enumerate(people)])

    assert hub.stats.candidates == 1000
    assert hub.stats.deliveries == 1000


def test_an_event_for_one_user_reaches_only_that_users_subscriptions() -> None:
    hub = EventHub(Settings(see_all=True))
    agent_laptop = hub.subscribe(AGENT)
    agent_phone = hub.subscribe(CallerIdentity(user_id=AGENT.user_id, device_addr="400::c2",
                                               role=Role.AGENT))
    only_presence = hub.subscribe(AGENT, kinds=frozenset({EventKind.PRESENCE_CHANGED}))
    others = [hub.subscribe(who) for who in (ALICE, BOB, ADMIN)]
    read = Event(seq=None, kind=EventKind.READ_CHANGED, ticket_id=ALICES_TICKET,
                 requester_id=None, internal=True, occurred_at=AT,
                 data={"ticket_id": ALICES_TICKET, "unread": False},
                 recipient_id=AGENT.user_id)
    hub.publish([read])
    assert [s.pending for s in (agent_laptop, agent_phone)] == [1, 1]
    assert only_presence.pending == 0
    assert [s.pending for s in others] == [0, 0, 0]  # not even the admin
    assert hub.stats.candidates == 2  # from the per-user index, no scan
