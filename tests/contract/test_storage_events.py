"""Storage contract: the durable event log and its sequence numbers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from hero_assistance.domain.events import Event, EventKind
from hero_assistance.domain.ports import Repositories, Storage

from ._factories import assert_same, at, new_event, seed, ticket, user

pytestmark = pytest.mark.anyio


class Boom(Exception):
    """Raised inside a unit of work to roll it back."""


def _seqs(events: list[Event]) -> list[int | None]:
    return [e.seq for e in events]


def _append(count: int, *, then_fail: bool = False
            ) -> Callable[[Repositories], list[int | None]]:
    def work(r: Repositories) -> list[int | None]:
        numbers = [r.events.append(new_event(ticket_id=1, requester_id=1)).seq
                   for _ in range(count)]
        if then_fail:
            raise Boom
        return numbers

    return work


@pytest.fixture
async def with_ticket(storage: Storage) -> Storage:
    await seed(storage, user(1), ticket(1, 1))
    return storage


async def test_an_empty_log_is_at_zero(storage: Storage) -> None:
    assert await storage.read(lambda r: r.events.last_seq()) == 0
    assert await storage.read(lambda r: r.events.after(0, limit=10)) == []


async def test_append_numbers_events_one_two_three(with_ticket: Storage) -> None:
    first = await with_ticket.write(lambda r: r.events.append(new_event(ticket_id=1)))
    rest = await with_ticket.write(lambda r: [r.events.append(new_event(ticket_id=1)),
                                              r.events.append(new_event(ticket_id=1))])

    assert _seqs([first, *rest]) == [1, 2, 3]
    assert await with_ticket.read(lambda r: r.events.last_seq()) == 3


async def test_an_event_round_trips_every_field(with_ticket: Storage) -> None:
    data = {
        "message": {
            "id": 7, "body": "Café \"quoted\"\nline 🙂", "visibility": "internal",
            "attachments": ["ab" * 32], "parent_id": None, "edited_at": None,
            "score": 1.5, "pinned": False,
        },
        "changed": ["status", "tags"],
    }
    sent = new_event(EventKind.MESSAGE_EDITED, ticket_id=1, requester_id=1, internal=True,
                     occurred_at=at(5, micro=123456), data=data)

    returned = await with_ticket.write(lambda r: r.events.append(sent))
    [stored] = await with_ticket.read(lambda r: r.events.after(0, limit=10))

    expected = sent.numbered(1)
    for got in (returned, stored):
        assert_same(got, expected)
        assert dict(got.data) == data


async def test_an_event_about_no_ticket_keeps_its_empty_fields(storage: Storage) -> None:
    sent = new_event(EventKind.PRESENCE_CHANGED, ticket_id=None, requester_id=None,
                     data={})

    await storage.write(lambda r: r.events.append(sent))

    assert_same(await storage.read(lambda r: r.events.after(0, limit=1)), [sent.numbered(1)])


@pytest.mark.parametrize("kind", list(EventKind))
async def test_every_event_kind_round_trips(with_ticket: Storage, kind: EventKind) -> None:
    await with_ticket.write(lambda r: r.events.append(new_event(kind, ticket_id=1)))

    [stored] = await with_ticket.read(lambda r: r.events.after(0, limit=1))

    assert stored.kind is kind


async def test_after_returns_the_following_events_in_order_up_to_limit(
    with_ticket: Storage,
) -> None:
    for n in range(6):
        await with_ticket.write(lambda r, n=n: r.events.append(
            new_event(ticket_id=1, data={"n": n})))

    def reads(r: Repositories) -> dict[str, list[int | None]]:
        return {
            "all": _seqs(r.events.after(0, limit=100)),
            "after 2": _seqs(r.events.after(2, limit=100)),
            "after 2, two": _seqs(r.events.after(2, limit=2)),
            "after the last": _seqs(r.events.after(6, limit=10)),
            "after the future": _seqs(r.events.after(60, limit=10)),
        }

    assert await with_ticket.read(reads) == {
        "all": [1, 2, 3, 4, 5, 6],
        "after 2": [3, 4, 5, 6],
        "after 2, two": [3, 4],
        "after the last": [],
        "after the future": [],
    }
    payloads = [e.data["n"] for e in await with_ticket.read(
        lambda r: r.events.after(0, limit=100))]
    assert payloads == [0, 1, 2, 3, 4, 5]


async def test_events_of_a_failed_write_do_not_exist(with_ticket: Storage) -> None:
    await with_ticket.write(_append(2))

    with pytest.raises(Boom):
        await with_ticket.write(_append(3, then_fail=True))
    later = await with_ticket.write(_append(2))

    stored = _seqs(await with_ticket.read(lambda r: r.events.after(0, limit=100)))
    assert len(stored) == 4
    assert stored[:2] == [1, 2]
    assert stored[2:] == later
    assert stored == sorted(set(stored))  # strictly increasing
    assert await with_ticket.read(lambda r: r.events.last_seq()) == stored[-1]


async def test_replaying_from_any_seen_number_misses_nothing(with_ticket: Storage) -> None:
    # A client that saw up to `last` resumes with after(last): it must get every later
    # committed event, including across a rolled-back write.
    await with_ticket.write(_append(3))
    last = await with_ticket.read(lambda r: r.events.last_seq())
    with pytest.raises(Boom):
        await with_ticket.write(_append(1, then_fail=True))
    new = await with_ticket.write(_append(2))

    assert _seqs(await with_ticket.read(lambda r: r.events.after(last, limit=10))) == new


async def test_concurrent_writers_get_distinct_increasing_numbers(with_ticket: Storage) -> None:
    results = await asyncio.gather(*[
        with_ticket.write(_append(2)) for _ in range(25)
    ])

    numbers = [n for pair in results for n in pair]
    stored = _seqs(await with_ticket.read(lambda r: r.events.after(0, limit=1000)))
    assert sorted(numbers) == stored
    assert stored == sorted(set(stored))
    assert len(stored) == 50
    for pair in results:  # one unit of work's events are consecutive in the log
        assert pair[1] == stored[stored.index(pair[0]) + 1]
