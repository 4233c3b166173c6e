"""Durable events: numbering, publishing after commit, and policy-filtered replay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from hero_assistance.adapters.memory import MemoryStorage, RecordingPublisher
from hero_assistance.domain.errors import DeviceNotBound, InvalidInput
from hero_assistance.domain.events import Event, EventKind, NewEvent
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.services import EventFeed, TicketDesk
from hero_assistance.domain.services.feed import MAX_REPLAY, SCAN_BATCH
from hero_assistance.domain.tickets import TicketStatus

from .conftest import Cast, Harness, Person

pytestmark = pytest.mark.anyio

T = TypeVar("T")


async def _story(h: Harness, cast: Cast) -> dict[str, int]:
    """A little history touching both customers, notes and replies; returns seqs."""
    seq: dict[str, int] = {}
    a_ticket = await h.ticket(cast.a, "Alice's ticket")
    seq["a created"] = h.publisher.published[-1].seq or 0
    b_ticket = await h.ticket(cast.b, "Bob's ticket")
    seq["b created"] = h.publisher.published[-1].seq or 0
    await h.talk.post(cast.a.caller, a_ticket.id, body="hello from Alice")
    seq["a reply"] = h.publisher.published[-1].seq or 0
    await h.note(cast.agent, a_ticket.id, "note about Alice")
    seq["a note"] = h.publisher.published[-1].seq or 0
    await h.desk.update(cast.agent.caller, b_ticket.id, status=TicketStatus.OPEN)
    seq["b updated"] = h.publisher.published[-1].seq or 0
    reply = await h.talk.post(cast.agent.caller, a_ticket.id, body="hi Alice")
    seq["a answer"] = h.publisher.published[-1].seq or 0
    await h.talk.edit(cast.agent.caller, reply.id, body="Hi Alice!")
    seq["a edit"] = h.publisher.published[-1].seq or 0
    await h.note(cast.agent, b_ticket.id, "note about Bob")
    seq["b note"] = h.publisher.published[-1].seq or 0
    return seq


async def _replay_all(h: Harness, who: Person, since: int = 0, limit: int = MAX_REPLAY
                      ) -> list[int]:
    found: list[int] = []
    while True:
        replay = await h.feed.replay(who.caller, since, limit=limit)
        found.extend(e.seq or 0 for e in replay.events)
        assert replay.up_to >= since
        if replay.complete:
            return found
        since = replay.up_to


async def test_durable_events_are_numbered_one_by_one_in_commit_order(
    cast: Cast, harness: Harness
) -> None:
    seqs = await _story(harness, cast)
    durable = [e for e in harness.publisher.published if e.seq is not None]
    assert [e.seq for e in durable] == list(range(1, len(durable) + 1))
    assert list(seqs.values()) == sorted(seqs.values())
    assert durable == await harness.events()
    assert await harness.feed.last_seq() == len(durable)
    kinds = [e.kind for e in durable]
    assert kinds == [EventKind.TICKET_CREATED, EventKind.TICKET_CREATED,
                     EventKind.MESSAGE_CREATED, EventKind.MESSAGE_CREATED,
                     EventKind.TICKET_UPDATED, EventKind.MESSAGE_CREATED,
                     EventKind.MESSAGE_EDITED, EventKind.MESSAGE_CREATED]
    assert [e.internal for e in durable] == [False, False, False, True, False, False, False,
                                             True]


async def test_a_failing_write_publishes_nothing_and_logs_nothing(cast: Cast,
                                                                  harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    last, published = await harness.feed.last_seq(), len(harness.publisher.published)
    with pytest.raises(InvalidInput):
        await harness.desk.create(cast.agent.caller, subject="x", requester_id=999)
    with pytest.raises(InvalidInput):
        await harness.talk.post(cast.agent.caller, ticket.id, body="x", parent_id=None,
                                attachments=["nope"])
    with pytest.raises(InvalidInput):
        await harness.desk.update(cast.agent.caller, ticket.id, status=TicketStatus.OPEN,
                                  assignee_id=cast.b.id)
    assert await harness.feed.last_seq() == last
    assert len(harness.publisher.published) == published
    # The next event takes the next number: nothing was burnt by the failures.
    await harness.desk.update(cast.agent.caller, ticket.id, status=TicketStatus.OPEN)
    assert harness.publisher.published[-1].seq == last + 1


class _Timeline:
    """A Storage that notes when each write has committed, around a MemoryStorage."""

    def __init__(self, inner: MemoryStorage, log: list[str]) -> None:
        self._inner = inner
        self._log = log

    async def read(self, work: Callable[[Repositories], T]) -> T:
        return await self._inner.read(work)

    async def write(self, work: Callable[[Repositories], T]) -> T:
        try:
            result = await self._inner.write(work)
        except Exception:
            self._log.append("rolled back")
            raise
        self._log.append("committed")
        return result


async def test_events_are_published_only_after_their_write_committed(
    harness: Harness,
) -> None:
    log: list[str] = []
    publisher = RecordingPublisher()
    publisher.listen(lambda event: log.append(f"published {event.kind.value} #{event.seq}"))
    desk = TicketDesk(_Timeline(harness.storage, log), harness.clock, publisher)
    alice = await harness.customer()
    ticket = await desk.create(alice.caller, subject="ordered")
    with pytest.raises(InvalidInput):
        await desk.update(alice.caller, ticket.id, subject="")
    assert log == ["committed", "published ticket.created #1"]
    admin = await harness.admin()
    with pytest.raises(InvalidInput):
        await desk.create(admin.caller, subject="x", requester_id=12345)
    assert log[-2:] == ["published ticket.created #1", "rolled back"]


async def test_replay_gives_each_caller_exactly_what_they_may_see(cast: Cast,
                                                                  harness: Harness) -> None:
    s = await _story(harness, cast)
    everything = sorted(s.values())
    assert await _replay_all(harness, cast.agent) == everything
    assert await _replay_all(harness, cast.admin) == everything
    assert await _replay_all(harness, cast.a) == [
        s["a created"], s["a reply"], s["a answer"], s["a edit"]]
    assert await _replay_all(harness, cast.b) == [s["b created"], s["b updated"]]


async def test_replay_starts_strictly_after_since(cast: Cast, harness: Harness) -> None:
    s = await _story(harness, cast)
    assert await _replay_all(harness, cast.a, since=s["a reply"]) == [s["a answer"],
                                                                       s["a edit"]]
    assert await _replay_all(harness, cast.a, since=s["a answer"] - 1) == [s["a answer"],
                                                                           s["a edit"]]
    assert await _replay_all(harness, cast.agent, since=s["b note"]) == []


async def test_replay_reports_how_far_it_scanned_past_hidden_events(
    cast: Cast, harness: Harness
) -> None:
    s = await _story(harness, cast)
    replay = await harness.feed.replay(cast.a.caller, 0)
    assert replay.complete
    # Alice's last visible event is the edit, but the scan reached Bob's note: resuming
    # from up_to skips what she may not see instead of scanning it again.
    assert replay.up_to == s["b note"] == await harness.feed.last_seq()
    assert [e.seq for e in replay.events][-1] == s["a edit"]
    beyond = await harness.feed.replay(cast.a.caller, 10_000)
    assert (beyond.events, beyond.up_to, beyond.complete) == ((), 10_000, True)


async def test_replay_pages_by_limit_and_resumes_from_up_to(cast: Cast,
                                                            harness: Harness) -> None:
    s = await _story(harness, cast)
    first = await harness.feed.replay(cast.a.caller, 0, limit=2)
    assert [e.seq for e in first.events] == [s["a created"], s["a reply"]]
    assert first.up_to == s["a reply"]
    assert not first.complete
    second = await harness.feed.replay(cast.a.caller, first.up_to, limit=2)
    assert [e.seq for e in second.events] == [s["a answer"], s["a edit"]]
    assert await _replay_all(harness, cast.a, limit=1) == await _replay_all(harness, cast.a)
    assert await _replay_all(harness, cast.agent, limit=3) == sorted(s.values())


async def test_widened_customers_replay_every_ticket_but_never_notes(
    cast: Cast, harness: Harness
) -> None:
    s = await _story(harness, cast)
    await harness.see_all()
    [widened] = harness.published(EventKind.PROJECT_UPDATED)  # the switch is news to all
    assert await _replay_all(harness, cast.a) == [
        s["a created"], s["b created"], s["a reply"], s["b updated"], s["a answer"],
        s["a edit"], widened.seq]
    replayed = (await harness.feed.replay(cast.b.caller, 0)).events
    assert not any(e.internal for e in replayed)
    assert all("note about" not in repr(e.data) for e in replayed)


async def test_replay_input_is_checked_and_unbound_devices_refused(cast: Cast,
                                                                   harness: Harness) -> None:
    for kw, field in (({"since": -1}, "since"), ({"since": 0, "limit": 0}, "limit"),
                      ({"since": 0, "limit": MAX_REPLAY + 1}, "limit")):
        with pytest.raises(InvalidInput) as refused:
            await harness.feed.replay(cast.a.caller, **kw)  # type: ignore[arg-type]
        assert refused.value.field == field
    with pytest.raises(DeviceNotBound):
        await harness.feed.replay(cast.unbound, 0)


async def test_a_long_run_of_hidden_events_is_scanned_in_bounded_steps(
    cast: Cast, harness: Harness
) -> None:
    mine = await harness.ticket(cast.a)
    hidden = 10 * SCAN_BATCH + 7
    at = datetime(2026, 1, 1, tzinfo=UTC)

    def flood(r: Repositories) -> None:
        for _ in range(hidden):
            r.events.append(NewEvent(kind=EventKind.MESSAGE_CREATED, ticket_id=mine.id,
                                     requester_id=cast.a.id, internal=True, occurred_at=at,
                                     data={}))

    await harness.storage.write(flood)
    await harness.talk.post(cast.a.caller, mine.id, body="after the flood")
    last = await harness.feed.last_seq()
    first = await harness.feed.replay(cast.a.caller, 1)
    # One call scans at most ten batches: it stops there, says so, and says where.
    assert first.events == ()
    assert not first.complete
    assert first.up_to == 1 + 10 * SCAN_BATCH
    rest = await harness.feed.replay(cast.a.caller, first.up_to)
    assert rest.complete
    assert [e.seq for e in rest.events] == [last]
    assert rest.up_to == last


async def test_events_carry_what_policy_needs_to_route_them(cast: Cast,
                                                            harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    note = await harness.talk.post(cast.agent.caller, ticket.id, body="n",
                                   visibility=Visibility.INTERNAL)
    events: list[Event] = await harness.events()
    created, noted = events
    assert (created.ticket_id, created.requester_id, created.internal) == (
        ticket.id, cast.a.id, False)
    assert (noted.ticket_id, noted.requester_id, noted.internal) == (
        ticket.id, cast.a.id, True)
    assert noted.data["message"]["id"] == note.id  # type: ignore[index]
    assert noted.occurred_at == note.created_at


async def test_a_second_feed_over_the_same_storage_agrees(cast: Cast, harness: Harness) -> None:
    await _story(harness, cast)
    other = EventFeed(harness.storage)
    assert await other.replay(cast.a.caller, 0) == await harness.feed.replay(cast.a.caller, 0)
