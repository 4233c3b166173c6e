"""Handing live events straight to a receiver once a stream has caught up.

A WebSocket session forwards events into its own bounded outbox; after the replay it
asks the stream to hand each later event over inside the hub's publish, so no task
wakes per event. The order, the "each durable event once" rule and the endings must be
exactly those of iterating the stream.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hero_assistance.adapters.live import CloseCause, EventHub, EventStream, SubscriptionClosed
from hero_assistance.domain.events import Event, EventKind
from hero_assistance.domain.identity import CallerIdentity, Role
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.services import Replay

pytestmark = pytest.mark.anyio

SETTINGS = ProjectSettings(name="Acme")
AGENT = CallerIdentity(user_id=1, device_addr="400::1", role=Role.AGENT)
OTHER = CallerIdentity(user_id=2, device_addr="400::2", role=Role.AGENT)


def event(seq: int | None, ticket: int = 7) -> Event:
    return Event(seq=seq, kind=EventKind.TICKET_UPDATED, ticket_id=ticket, requester_id=9,
                 internal=False, occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
                 data={"n": seq})


class Log:
    """The durable log as the stream's feed sees it."""

    def __init__(self, *events: Event) -> None:
        self.events = list(events)

    async def replay(self, who: CallerIdentity, since: int, *, limit: int) -> Replay:
        del who
        later = [e for e in self.events if e.seq is not None and e.seq > since][:limit]
        up_to = later[-1].seq if later else max(since, self.last())
        assert up_to is not None
        return Replay(events=tuple(later), up_to=up_to, complete=len(later) < limit)

    def last(self) -> int:
        return max((e.seq or 0 for e in self.events), default=0)

    async def last_seq(self) -> int:
        return self.last()


def ignore(_event: Event) -> None:
    """A receiver that drops what it gets."""


def open_stream(hub: EventHub, log: Log, since: int, who: CallerIdentity = AGENT
                ) -> EventStream:
    return EventStream(hub, log, who, since=since)  # type: ignore[arg-type]


async def test_after_the_replay_events_go_straight_to_the_receiver_in_order() -> None:
    hub = EventHub(lambda: SETTINGS)
    log = Log(event(1), event(2))
    stream = open_stream(hub, log, since=0)
    received: list[int | None] = []

    assert [await stream.next_replayed(), await stream.next_replayed()] == log.events
    assert await stream.next_replayed() is None
    assert stream.go_live(lambda e: received.append(e.seq))
    hub.publish([event(2), event(3)])  # 2 was replayed already: not again
    hub.publish([event(None), event(4)])

    assert received == [3, None, 4]
    assert stream.subscription.pending == 0


async def test_live_events_queued_during_the_replay_are_taken_first() -> None:
    hub = EventHub(lambda: SETTINGS)
    stream = open_stream(hub, Log(), since=0)
    assert await stream.next_replayed() is None
    hub.publish([event(1)])  # arrives before the consumer hands over

    assert not stream.go_live(ignore)
    assert (await anext(stream)).seq == 1
    received: list[int | None] = []
    assert stream.go_live(lambda e: received.append(e.seq))
    hub.publish([event(2)])
    assert received == [2]


async def test_handing_over_waits_for_the_replay() -> None:
    hub = EventHub(lambda: SETTINGS)
    stream = open_stream(hub, Log(event(1)), since=0)

    assert not stream.go_live(ignore)  # the log has not been read yet
    assert (await anext(stream)).seq == 1
    assert await stream.next_replayed() is None
    assert stream.go_live(ignore)


async def test_after_handing_over_iteration_ends_with_the_subscription() -> None:
    hub = EventHub(lambda: SETTINGS)
    stream = open_stream(hub, Log(), since=0)
    assert await stream.next_replayed() is None
    assert stream.go_live(ignore)

    hub.drop_device(AGENT.device_addr, "this device was revoked")

    with pytest.raises(SubscriptionClosed) as ended:
        await anext(stream)
    assert ended.value.cause is CloseCause.ACCESS_CHANGED


async def test_a_failing_receiver_ends_its_own_subscription_only() -> None:
    hub = EventHub(lambda: SETTINGS)
    broken = open_stream(hub, Log(), since=0)
    healthy = open_stream(hub, Log(), since=0, who=OTHER)
    received: list[int | None] = []
    for stream in (broken, healthy):
        assert await stream.next_replayed() is None

    def fail(e: Event) -> None:
        raise RuntimeError(f"cannot send {e.seq}")

    assert broken.go_live(fail)
    assert healthy.go_live(lambda e: received.append(e.seq))
    hub.publish([event(1), event(2)])

    assert received == [1, 2]
    assert broken.subscription.closed
    assert not healthy.subscription.closed
    assert len(hub) == 1


async def test_handing_over_with_events_queued_is_refused() -> None:
    hub = EventHub(lambda: SETTINGS)
    subscription = hub.subscribe(AGENT)
    hub.publish([event(1)])

    with pytest.raises(RuntimeError, match="queued"):
        subscription.deliver_to(ignore)
