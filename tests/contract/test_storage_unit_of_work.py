"""Storage contract: all-or-nothing writes, reads of committed state, concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import pytest

from hero_assistance.domain.errors import NotFound
from hero_assistance.domain.identity import Role, UserStatus
from hero_assistance.domain.listing import TicketQuery
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.presence import PresenceState
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.tickets import TicketStatus

from ._factories import (
    Uploader,
    address,
    assert_same,
    at,
    attachment,
    change,
    device,
    link,
    message,
    new_event,
    presence,
    revision,
    seed,
    ticket,
    user,
)

pytestmark = pytest.mark.anyio


class Boom(Exception):
    """Raised inside a unit of work to roll it back."""


IMAGE = attachment(b"committed image")
NEW_IMAGE = attachment(b"rolled back image")
BEFORE = [
    user(1), user(2, role=Role.AGENT),
    device(address(1), 1), device(address(2), 2),
    link(1, 1),
    IMAGE, Uploader(IMAGE.sha256, 1, at(1)),
    ticket(1, 1, tags=("keep",)),
    change(1, 1, "created", old=None, new="new"),
    message(1, 1, 1, body="original body", attachments=(IMAGE.sha256,)),
    presence(address(1), 1, viewing=1),
    new_event(ticket_id=1, requester_id=1),
]


def _snapshot(r: Repositories) -> dict[str, object]:
    """Everything the committed state holds, as comparable values."""
    return {
        "users": r.users.list(),
        "devices": r.devices.all(),
        "links": r.magic_links.all(),
        "tickets": r.tickets.query(TicketQuery(limit=200)).items,
        "history": r.tickets.history(1) + r.tickets.history(2),
        "messages": r.messages.for_ticket(1, include_internal=True)
        + r.messages.for_ticket(2, include_internal=True),
        "revisions": r.messages.revisions(1) + r.messages.revisions(2),
        "attachments": [r.attachments.get(IMAGE.sha256), r.attachments.get(NEW_IMAGE.sha256)],
        "uploaders": [r.attachments.is_uploader(s, u)
                      for s in (IMAGE.sha256, NEW_IMAGE.sha256) for u in (1, 2, 3)],
        "presence": r.presence.all(),
        "events": r.events.after(0, limit=100),
        "last_seq": r.events.last_seq(),
        "project": r.project.settings(),
        "next ids": [r.users.next_id(), r.magic_links.next_id(), r.tickets.next_id(),
                     r.messages.next_id()],
        "search": [t.id for t in r.tickets.query(TicketQuery(terms=("rolled",))).items],
    }


def _touch_everything(r: Repositories) -> None:
    """A unit of work that adds, changes and removes something in every repository."""
    r.users.add(user(3, role=Role.ADMIN))
    r.users.update(replace(user(1), status=UserStatus.DISABLED))
    r.devices.add(device(address(3), 3))
    r.devices.update(replace(device(address(2), 2), label="renamed"))
    r.devices.remove(address(1))
    r.magic_links.add(link(2, 3))
    r.magic_links.update(link(1, 1).consumed(at(9)))
    r.tickets.add(ticket(2, 3, subject="rolled back ticket"))
    r.tickets.update(ticket(1, 1).changed(at(9), status=TicketStatus.OPEN, tags=()))
    r.tickets.add_change(change(1, 2, "status", old="new", new="open"))
    r.tickets.add_change(change(2, 3, "created", old=None, new="new"))
    r.attachments.add(NEW_IMAGE)
    r.attachments.add_uploader(NEW_IMAGE.sha256, 3, at(9))
    r.attachments.add_uploader(IMAGE.sha256, 2, at(9))
    r.messages.add(message(2, 2, 3, body="rolled back reply", attachments=(IMAGE.sha256,)))
    r.messages.add(message(3, 1, 2, body="rolled note", visibility=Visibility.INTERNAL))
    r.messages.add_revision(revision(1, 1, 1, "original body"))
    r.messages.update(message(1, 1, 1, body="rolled edit").edited("rolled edit", at(9)))
    r.presence.remove(address(1))
    r.presence.put(presence(address(3), 3, role=Role.ADMIN, state=PresenceState.AWAY))
    r.events.append(new_event(ticket_id=2, requester_id=3))
    r.events.append(new_event(ticket_id=1, requester_id=1))
    r.project.save(ProjectSettings(name="Rolled back", customers_see_all_tickets=True))


async def test_a_failed_write_keeps_nothing_it_did(storage: Storage) -> None:
    await seed(storage, *BEFORE)
    before = await storage.read(_snapshot)
    error = Boom("refused")

    def fail(r: Repositories) -> None:
        _touch_everything(r)
        raise error

    with pytest.raises(Boom) as raised:
        await storage.write(fail)

    assert raised.value is error
    after = await storage.read(_snapshot)
    for key, value in before.items():
        assert_same(after[key], value)


async def test_the_same_work_commits_when_it_does_not_raise(storage: Storage) -> None:
    # The counterpart of the test above: the work really changes every table.
    await seed(storage, *BEFORE)
    before = await storage.read(_snapshot)

    await storage.write(_touch_everything)

    after = await storage.read(_snapshot)
    assert [key for key in before if after[key] == before[key]] == []


async def test_a_domain_error_propagates_as_raised(storage: Storage) -> None:
    error = NotFound("ticket 9 does not exist")

    def refuse(r: Repositories) -> None:
        r.users.add(user(1))
        raise error

    with pytest.raises(NotFound) as raised:
        await storage.write(refuse)

    assert raised.value is error
    assert await storage.read(lambda r: r.users.get(1)) is None


async def test_an_error_in_a_read_propagates_as_raised(storage: Storage) -> None:
    error = NotFound("nothing here")

    def look(r: Repositories) -> None:
        r.users.get(1)
        raise error

    with pytest.raises(NotFound) as raised:
        await storage.read(look)

    assert raised.value is error


async def test_the_store_keeps_working_after_a_failed_write(storage: Storage) -> None:
    def fail(r: Repositories) -> None:
        r.users.add(user(1))
        raise Boom

    for _ in range(3):
        with pytest.raises(Boom):
            await storage.write(fail)
    await seed(storage, user(1, email="after@example.com"))

    got = await storage.read(lambda r: r.users.list())
    assert [u.email for u in got] == ["after@example.com"]


async def test_a_write_returns_what_its_work_returns(storage: Storage) -> None:
    def create(r: Repositories) -> tuple[str, object, list[int]]:
        r.users.add(user(1))
        added = ticket(r.tickets.next_id(), 1)
        r.tickets.add(added)
        return "done", added, [1, 2]

    result = await storage.write(create)

    assert result == ("done", ticket(1, 1), [1, 2])


async def test_reads_see_what_earlier_writes_committed(storage: Storage) -> None:
    await seed(storage, user(1))
    await storage.write(lambda r: r.users.update(replace(user(1), display_name="Changed")))
    await seed(storage, ticket(1, 1))

    got = await storage.read(lambda r: (r.users.get(1), r.tickets.get(1)))

    assert_same(got, (replace(user(1), display_name="Changed"), ticket(1, 1)))


async def test_a_write_sees_its_own_changes_before_it_commits(storage: Storage) -> None:
    def enroll_and_look(r: Repositories) -> tuple[object, ...]:
        r.users.add(user(1, email="new@example.com"))
        r.tickets.add(ticket(1, 1, subject="Fresh ticket"))
        r.messages.add(message(1, 1, 1, body="fresh words"))
        r.tickets.update(ticket(1, 1, subject="Fresher ticket"))
        return (
            r.users.by_email("new@example.com"),
            r.tickets.get(1),
            [t.id for t in r.tickets.query(TicketQuery(terms=("fresher",))).items],
            [m.id for m in r.messages.for_ticket(1, include_internal=False)],
        )

    got = await storage.write(enroll_and_look)

    assert got == (user(1, email="new@example.com"), ticket(1, 1, subject="Fresher ticket"),
                   [1], [1])


async def test_concurrent_writes_all_commit_with_distinct_ids(storage: Storage) -> None:
    await seed(storage, user(1))

    def file_ticket(r: Repositories) -> int:
        new_id = r.tickets.next_id()
        r.tickets.add(ticket(new_id, 1))
        r.tickets.add_change(change(new_id, 1, "created", old=None, new="new"))
        return new_id

    taken = await asyncio.gather(*[storage.write(file_ticket) for _ in range(50)])

    assert sorted(taken) == list(range(1, 51))
    page = await storage.read(lambda r: r.tickets.query(TicketQuery(limit=100)))
    assert sorted(t.id for t in page.items) == list(range(1, 51))
    histories = await storage.read(lambda r: [r.tickets.history(i) for i in range(1, 51)])
    assert [len(h) for h in histories] == [1] * 50


async def test_a_failing_write_among_concurrent_ones_spoils_only_itself(
    storage: Storage,
) -> None:
    await seed(storage, user(1))
    errors = [Boom(n) for n in range(50)]

    def file_ticket(n: int) -> Callable[[Repositories], int]:
        def work(r: Repositories) -> int:
            new_id = r.tickets.next_id()
            r.tickets.add(ticket(new_id, 1, subject=f"attempt {n}"))
            r.events.append(new_event(ticket_id=new_id, requester_id=1))
            if n % 3 == 0:
                raise errors[n]
            return new_id

        return work

    results = await asyncio.gather(
        *[storage.write(file_ticket(n)) for n in range(50)],
        return_exceptions=True,
    )

    for n, result in enumerate(results):
        if n % 3 == 0:
            assert result is errors[n]
        else:
            assert isinstance(result, int)
    committed = [r for r in results if isinstance(r, int)]
    page = await storage.read(lambda r: r.tickets.query(TicketQuery(limit=100)))
    assert sorted(t.id for t in page.items) == sorted(committed)
    assert len(set(committed)) == len(committed) == 33
    subjects = {t.subject for t in page.items}
    assert subjects == {f"attempt {n}" for n in range(50) if n % 3}
    events = await storage.read(lambda r: r.events.after(0, limit=100))
    assert sorted(e.ticket_id or 0 for e in events) == sorted(committed)
    assert [e.seq for e in events] == sorted({e.seq for e in events})


async def test_concurrent_reads_and_writes_see_whole_writes(storage: Storage) -> None:
    await seed(storage, user(1))

    def file_pair(r: Repositories) -> None:
        first = r.tickets.next_id()
        r.tickets.add(ticket(first, 1))
        r.tickets.add(ticket(first + 1, 1))

    def count(r: Repositories) -> int:
        return len(r.tickets.query(TicketQuery(limit=200)).items)

    results = await asyncio.gather(*[
        storage.write(file_pair) if n % 2 else storage.read(count) for n in range(40)
    ])

    seen = [c for n, c in enumerate(results) if n % 2 == 0]
    assert all(isinstance(c, int) and c % 2 == 0 for c in seen)  # never half a write
    assert await storage.read(count) == 40
