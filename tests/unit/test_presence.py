"""PresenceBoard: heartbeats, who is on a ticket, expiry and signing off."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hero_assistance.domain.errors import DeviceNotBound, InvalidInput, NotFound
from hero_assistance.domain.events import Event, EventKind
from hero_assistance.domain.identity import Role
from hero_assistance.domain.policy import event_visible_to
from hero_assistance.domain.presence import PRESENCE_TIMEOUT, PresenceState

from .conftest import Cast, Harness, Person

pytestmark = pytest.mark.anyio

ONLINE, AWAY, OFFLINE = PresenceState.ONLINE, PresenceState.AWAY, PresenceState.OFFLINE


def presence_events(h: Harness) -> list[Event]:
    return h.published(EventKind.PRESENCE_CHANGED)


def said(event: Event) -> tuple[object, ...]:
    p = event.data["presence"]
    assert isinstance(p, dict)
    return p["user_id"], p["state"], p["viewing_ticket_id"], p["typing"]


async def watchers(h: Harness, who: Person, ticket_id: int) -> list[tuple[int, bool]]:
    return [(w.user_id, w.typing) for w in await h.presence.on_ticket(who.caller, ticket_id)]


async def test_a_heartbeat_is_announced_only_when_its_signal_changes(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    board, me = harness.presence, cast.agent.caller
    beat = await board.heartbeat(me, viewing_ticket_id=ticket.id)
    assert (beat.user_id, beat.role, beat.state, beat.last_seen) == (
        cast.agent.id, Role.AGENT, ONLINE, harness.clock.now())
    assert [said(e) for e in presence_events(harness)] == [
        (cast.agent.id, "online", ticket.id, False)]
    for _ in range(3):
        harness.tick(10)
        await board.heartbeat(me, viewing_ticket_id=ticket.id)
    assert len(presence_events(harness)) == 1  # same signal: nobody needs telling
    stored = await harness.read(lambda r: r.presence.get(cast.agent.addr))
    assert stored is not None
    assert stored.last_seen == harness.clock.now()  # but the heartbeat was recorded
    await board.heartbeat(me, viewing_ticket_id=ticket.id, typing=True)
    await board.heartbeat(me, viewing_ticket_id=ticket.id, typing=True, state=AWAY)
    assert [said(e) for e in presence_events(harness)][1:] == [
        (cast.agent.id, "online", ticket.id, True),
        (cast.agent.id, "away", ticket.id, True),
    ]
    assert all(e.seq is None for e in presence_events(harness))  # live only
    durable = await harness.events()
    assert durable  # the ticket's creation
    assert all(e.kind is not EventKind.PRESENCE_CHANGED for e in durable)


async def test_a_heartbeat_after_a_silence_is_announced_again(cast: Cast,
                                                              harness: Harness) -> None:
    await harness.presence.heartbeat(cast.agent.caller)
    harness.clock.advance(PRESENCE_TIMEOUT)
    await harness.presence.heartbeat(cast.agent.caller)
    assert len(presence_events(harness)) == 2


async def test_moving_to_another_ticket_tells_the_watchers_of_the_old_one(
    cast: Cast, harness: Harness
) -> None:
    one = await harness.ticket(cast.a, "one")
    two = await harness.ticket(cast.b, "two")
    await harness.presence.heartbeat(cast.agent.caller, viewing_ticket_id=one.id,
                                     typing=True)
    await harness.presence.heartbeat(cast.agent.caller, viewing_ticket_id=two.id)
    moved, left = presence_events(harness)[1:]
    assert said(moved) == (cast.agent.id, "online", two.id, False)
    assert (moved.ticket_id, moved.requester_id) == (two.id, cast.b.id)
    assert said(left) == (cast.agent.id, "offline", one.id, False)
    assert (left.ticket_id, left.requester_id) == (one.id, cast.a.id)
    assert await watchers(harness, cast.admin, one.id) == []
    assert await watchers(harness, cast.admin, two.id) == [(cast.agent.id, False)]


async def test_watchers_are_merged_per_person_with_typing(cast: Cast,
                                                          harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    phone = await harness.second_device(cast.agent)
    await harness.presence.heartbeat(cast.agent.caller, viewing_ticket_id=ticket.id)
    await harness.presence.heartbeat(phone, viewing_ticket_id=ticket.id, typing=True)
    await harness.presence.heartbeat(cast.admin.caller, viewing_ticket_id=ticket.id)
    assert await watchers(harness, cast.agent, ticket.id) == [
        (cast.admin.id, False), (cast.agent.id, True)]


async def test_customers_see_only_staff_on_their_ticket_staff_see_everyone(
    cast: Cast, harness: Harness
) -> None:
    await harness.see_all()
    ticket = await harness.ticket(cast.a)
    await harness.presence.heartbeat(cast.a.caller, viewing_ticket_id=ticket.id, typing=True)
    await harness.presence.heartbeat(cast.b.caller, viewing_ticket_id=ticket.id)
    await harness.presence.heartbeat(cast.agent.caller, viewing_ticket_id=ticket.id,
                                     typing=True)
    everyone = {(cast.a.id, True), (cast.b.id, False), (cast.agent.id, True)}
    assert set(await watchers(harness, cast.agent, ticket.id)) == everyone
    assert set(await watchers(harness, cast.admin, ticket.id)) == everyone
    # Each customer sees the agent, and themselves, never the other customer.
    assert set(await watchers(harness, cast.a, ticket.id)) == {(cast.a.id, True),
                                                               (cast.agent.id, True)}
    assert set(await watchers(harness, cast.b, ticket.id)) == {(cast.b.id, False),
                                                               (cast.agent.id, True)}


async def test_presence_events_reach_only_those_allowed(cast: Cast, harness: Harness) -> None:
    settings = await harness.accounts.project_settings()
    ticket = await harness.ticket(cast.a)
    await harness.presence.heartbeat(cast.agent.caller, viewing_ticket_id=ticket.id)
    await harness.presence.heartbeat(cast.a.caller, viewing_ticket_id=ticket.id)
    await harness.presence.heartbeat(cast.b.caller)
    agent_on_a, a_on_a, b_nowhere = presence_events(harness)

    def audience(event: Event) -> set[int]:
        people = (cast.a, cast.b, cast.agent, cast.admin)
        return {p.id for p in people if event_visible_to(p.caller, event, settings)}

    staff = {cast.agent.id, cast.admin.id}
    assert audience(agent_on_a) == staff | {cast.a.id}
    assert audience(a_on_a) == staff  # a customer's own presence is staff-only
    assert audience(b_nowhere) == staff


async def test_silent_devices_expire_and_their_watchers_hear_offline(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    await harness.presence.heartbeat(cast.agent.caller, viewing_ticket_id=ticket.id,
                                     typing=True)
    harness.tick(30)
    await harness.presence.heartbeat(cast.admin.caller, viewing_ticket_id=ticket.id)
    harness.clock.advance(PRESENCE_TIMEOUT - timedelta(seconds=30) - timedelta(seconds=1))
    assert await harness.presence.expire() == []
    assert len(await watchers(harness, cast.agent, ticket.id)) == 2
    harness.tick(1)
    published = len(harness.publisher.published)
    gone = await harness.presence.expire()
    assert [p.device_addr for p in gone] == [cast.agent.addr]
    [offline] = harness.publisher.published[published:]
    assert said(offline) == (cast.agent.id, "offline", ticket.id, False)
    assert (offline.ticket_id, offline.requester_id, offline.seq) == (
        ticket.id, cast.a.id, None)
    assert offline.occurred_at == harness.clock.now()
    assert await watchers(harness, cast.a, ticket.id) == [(cast.admin.id, False)]
    assert await harness.presence.expire() == []


async def test_a_silent_device_drops_out_of_watchers_before_the_sweep(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    await harness.presence.heartbeat(cast.agent.caller, viewing_ticket_id=ticket.id)
    harness.clock.advance(PRESENCE_TIMEOUT)
    assert await watchers(harness, cast.a, ticket.id) == []


async def test_signing_off_is_offline_at_once(cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    await harness.presence.heartbeat(cast.agent.caller, viewing_ticket_id=ticket.id)
    await harness.presence.sign_off(cast.agent.caller)
    assert said(presence_events(harness)[-1]) == (cast.agent.id, "offline", ticket.id, False)
    assert await watchers(harness, cast.a, ticket.id) == []
    assert await harness.read(lambda r: r.presence.get(cast.agent.addr)) is None
    published = len(harness.publisher.published)
    await harness.presence.sign_off(cast.agent.caller)  # twice: nothing more to say
    assert len(harness.publisher.published) == published


async def test_typing_needs_a_ticket(cast: Cast, harness: Harness) -> None:
    with pytest.raises(InvalidInput) as refused:
        await harness.presence.heartbeat(cast.agent.caller, typing=True)
    assert refused.value.field == "typing"
    assert await harness.read(lambda r: r.presence.all()) == []
    assert presence_events(harness) == []


async def test_viewing_a_hidden_or_unknown_ticket_is_not_found(cast: Cast,
                                                               harness: Harness) -> None:
    bobs = await harness.ticket(cast.b)
    await harness.presence.heartbeat(cast.a.caller)
    before = await harness.read(lambda r: r.presence.all())
    published = len(harness.publisher.published)
    for ticket_id in (bobs.id, 404):
        with pytest.raises(NotFound, match=f"ticket {ticket_id} does not exist"):
            await harness.presence.heartbeat(cast.a.caller, viewing_ticket_id=ticket_id)
        with pytest.raises(NotFound):
            await harness.presence.on_ticket(cast.a.caller, ticket_id)
    assert await harness.read(lambda r: r.presence.all()) == before
    assert len(harness.publisher.published) == published


async def test_unbound_devices_have_no_presence(cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    with pytest.raises(DeviceNotBound):
        await harness.presence.heartbeat(cast.unbound)
    with pytest.raises(DeviceNotBound):
        await harness.presence.on_ticket(cast.unbound, ticket.id)
