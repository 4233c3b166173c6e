"""Storage contract: tickets and their history of changes."""

from __future__ import annotations

import pytest

from hero_assistance.domain.identity import Role
from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.tickets import Priority, TicketStatus

from ._factories import assert_same, at, change, ids, seed, ticket, user

pytestmark = pytest.mark.anyio

BODY = """Steps:
1. Open the *Support* tab — it says "¡Error!" ; DROP TABLE tickets; --
2. `printf("%s\\n")` and <b>markup</b>

Café, naïve, 東京, 🙂"""


async def test_a_ticket_round_trips_every_field(storage: Storage) -> None:
    full = ticket(1, 1, subject="Zoë can\u2019t log in \u2014 \u201curgent\u201d", body=BODY,
                  status=TicketStatus.PENDING, priority=Priority.URGENT,
                  tags=("billing", "login.v2", "x_y-z"), assignee_id=2,
                  created_at=at(0, micro=1), updated_at=at(4, micro=999999))
    await seed(storage, user(1), user(2, role=Role.AGENT), full)

    assert_same(await storage.read(lambda r: r.tickets.get(1)), full)


async def test_an_untagged_unassigned_ticket_keeps_empty_tags_and_no_assignee(
    storage: Storage,
) -> None:
    bare = ticket(1, 1, body="", tags=(), assignee_id=None)
    await seed(storage, user(1), bare)

    got = await storage.read(lambda r: r.tickets.get(1))

    assert_same(got, bare)
    assert got is not None
    assert got.tags == ()
    assert got.assignee_id is None


async def test_an_absent_ticket_is_none(storage: Storage) -> None:
    await seed(storage, user(1), ticket(1, 1))

    assert await storage.read(lambda r: r.tickets.get(2)) is None


async def test_update_replaces_every_changed_field(storage: Storage) -> None:
    original = ticket(1, 1, tags=("a",), assignee_id=2)
    await seed(storage, user(1), user(2, role=Role.AGENT), original, ticket(2, 1))
    changed = original.changed(
        at(9, micro=7), subject="New subject", status=TicketStatus.RESOLVED,
        priority=Priority.LOW, tags=("b", "c"), assignee_id=None,
    )

    await storage.write(lambda r: r.tickets.update(changed))

    assert_same(await storage.read(lambda r: r.tickets.get(1)), changed)
    assert_same(await storage.read(lambda r: r.tickets.get(2)), ticket(2, 1))


async def test_an_update_can_clear_tags_and_set_an_assignee(storage: Storage) -> None:
    original = ticket(1, 1, tags=("a", "b"))
    await seed(storage, user(1), user(2, role=Role.AGENT), original)
    changed = original.changed(at(5), tags=(), assignee_id=2)

    await storage.write(lambda r: r.tickets.update(changed))

    assert_same(await storage.read(lambda r: r.tickets.get(1)), changed)


async def test_next_id_is_max_plus_one_and_advances_inside_a_write(storage: Storage) -> None:
    assert await storage.read(lambda r: r.tickets.next_id()) == 1
    await seed(storage, user(1), ticket(3, 1))

    def file_two(r: Repositories) -> list[int]:
        first = r.tickets.next_id()
        r.tickets.add(ticket(first, 1))
        second = r.tickets.next_id()
        r.tickets.add(ticket(second, 1))
        return [first, second]

    assert await storage.write(file_two) == [4, 5]
    assert await storage.read(lambda r: r.tickets.next_id()) == 6


async def test_history_keeps_every_change_in_the_order_it_was_written(storage: Storage) -> None:
    await seed(storage, user(1), user(2, role=Role.AGENT), ticket(1, 1), ticket(2, 1))
    created = change(1, 1, "created", old=None, new="new", when=at(1, micro=1))
    # One update writes several fields at the same moment, in its own order.
    same_moment = [
        change(1, 2, "status", old="new", new="open", when=at(2, micro=2)),
        change(1, 2, "priority", old="normal", new="high", when=at(2, micro=2)),
        change(1, 2, "assignee_id", old=None, new="2", when=at(2, micro=2)),
        change(1, 2, "tags", old="", new="a,b", when=at(2, micro=2)),
    ]
    other_ticket = change(2, 1, "created", old=None, new="new", when=at(1, micro=500))
    unassigned = change(1, 2, "assignee_id", old="2", new=None, when=at(3, micro=3))

    await seed(storage, created, other_ticket)
    await seed(storage, *same_moment)
    await seed(storage, unassigned)

    history = await storage.read(lambda r: r.tickets.history(1))

    assert [c.field for c in history] == ["created", "status", "priority", "assignee_id",
                                          "tags", "assignee_id"]
    for got, expected in zip(history, [created, *same_moment, unassigned], strict=True):
        assert_same(got, expected)
    assert_same(await storage.read(lambda r: r.tickets.history(2)), [other_ticket])


async def test_a_ticket_without_changes_has_an_empty_history(storage: Storage) -> None:
    await seed(storage, user(1), ticket(1, 1))

    assert await storage.read(lambda r: r.tickets.history(1)) == []


async def test_a_ticket_and_its_first_history_entry_are_written_together(
    storage: Storage,
) -> None:
    await seed(storage, user(1))

    def create(r: Repositories) -> int:
        new = ticket(r.tickets.next_id(), 1)
        r.tickets.add(new)
        r.tickets.add_change(change(new.id, 1, "created", old=None, new="new"))
        return new.id

    first = await storage.write(create)
    second = await storage.write(create)

    assert (first, second) == (1, 2)
    assert ids([t for t in await storage.read(
        lambda r: [r.tickets.get(1), r.tickets.get(2)]) if t is not None]) == [1, 2]
    assert [c.ticket_id for c in await storage.read(lambda r: r.tickets.history(2))] == [2]
