"""Storage contract: what the agent's workspace keeps — teams, read marks, queue tallies,
tag counts, canned replies, the priority order, staff activity and history reasons."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hero_assistance.domain.identity import Role
from hero_assistance.domain.listing import Cursor, TicketOrder, TicketQuery
from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.queues import TallyRow, tally_of
from hero_assistance.domain.reading import NEVER_READ
from hero_assistance.domain.tickets import OPEN_STATUSES, Priority, TicketStatus

from ._factories import (
    assert_same,
    at,
    canned,
    change,
    ids,
    page_ids,
    seed,
    team,
    ticket,
    user,
)

pytestmark = pytest.mark.anyio
S = TicketStatus


# -- tickets: team, staff activity, history reason ---------------------------------

async def test_team_and_staff_activity_round_trip(storage: Storage) -> None:
    full = ticket(1, 1, team_id=7, updated_at=at(3, micro=1), activity_at=at(9, micro=2))
    await seed(storage, user(1), team(7), full)
    got = await storage.read(lambda r: r.tickets.get(1))
    assert_same(got, full)
    assert got is not None
    assert got.activity_at == at(9, micro=2)


async def test_staff_activity_is_never_before_the_public_update(storage: Storage) -> None:
    await seed(storage, user(1), ticket(1, 1, updated_at=at(5), activity_at=at(1)))
    got = await storage.read(lambda r: r.tickets.get(1))
    assert got is not None
    assert got.activity_at == got.updated_at == at(5)


async def test_a_history_reason_round_trips(storage: Storage) -> None:
    entry = change(1, 1, "status", old="resolved", new="open", reason="reopened by reply")
    plain = change(1, 2, "priority", old="normal", new="high")
    await seed(storage, user(1), ticket(1, 1), entry, plain)
    history = await storage.read(lambda r: r.tickets.history(1))
    assert_same(history, [entry, plain])


async def test_clearing_a_team_takes_only_its_tickets_out_and_moves_no_time(
        storage: Storage) -> None:
    tickets = [ticket(1, 1, team_id=3), ticket(2, 1, team_id=4), ticket(3, 1, team_id=3)]
    await seed(storage, user(1), team(3), team(4), *tickets)
    cleared = await storage.write(lambda r: r.tickets.clear_team(3))
    assert cleared == 2
    got = await storage.read(lambda r: [r.tickets.get(i) for i in (1, 2, 3)])
    assert [t.team_id for t in got if t] == [None, 4, None]
    assert [t.updated_at for t in got if t] == [t.updated_at for t in tickets]


# -- queue filters and the priority order ------------------------------------------

async def test_the_team_filter_and_the_open_set_select_like_the_memory_adapter(
        storage: Storage) -> None:
    rows = [
        ticket(1, 1, status=S.NEW, team_id=1),
        ticket(2, 1, status=S.PENDING, team_id=1, assignee_id=9),
        ticket(3, 1, status=S.RESOLVED, team_id=1),
        ticket(4, 1, status=S.OPEN, team_id=2),
        ticket(5, 1, status=S.OPEN),
    ]
    await seed(storage, user(1), user(9, role=Role.AGENT), team(1), team(2), *rows)

    pages: dict[str, list[int]] = {}

    async def ask(name: str, query: TicketQuery) -> None:
        pages[name] = page_ids(await storage.read(lambda r: r.tickets.query(query)))

    await ask("team 1 open", TicketQuery(statuses=OPEN_STATUSES, team_id=1))
    await ask("open", TicketQuery(statuses=OPEN_STATUSES))
    await ask("open unassigned", TicketQuery(statuses=OPEN_STATUSES, unassigned=True))
    await ask("team 2", TicketQuery(team_id=2))
    assert pages == {
        "team 1 open": [2, 1], "open": [5, 4, 2, 1], "open unassigned": [5, 4, 1],
        "team 2": [4],
    }


async def test_priority_order_pages_most_urgent_first_then_most_recent(
        storage: Storage) -> None:
    made = []
    priorities = [Priority.LOW, Priority.URGENT, Priority.NORMAL, Priority.HIGH,
                  Priority.URGENT, Priority.NORMAL, Priority.HIGH, Priority.LOW]
    for i, priority in enumerate(priorities, start=1):
        made.append(ticket(i, 1, priority=priority, status=S.OPEN if i % 2 else S.CLOSED,
                           updated_at=at(i)))
    # A tie on the update time: the higher id first.
    made.append(ticket(9, 1, priority=Priority.URGENT, status=S.OPEN, updated_at=at(5)))
    await seed(storage, user(1), *made)

    async def walk(**filters: object) -> list[int]:
        found: list[int] = []
        cursor: Cursor | None = None
        while True:
            query = TicketQuery(order=TicketOrder.PRIORITY, limit=2, after=cursor,
                                **filters)  # type: ignore[arg-type]
            page = await storage.read(lambda r, q=query: r.tickets.query(q))
            found += page_ids(page)
            if page.next_cursor is None:
                return found
            cursor = Cursor.decode(page.next_cursor)

    assert await walk() == [9, 5, 2, 7, 4, 6, 3, 8, 1]
    assert await walk(statuses=OPEN_STATUSES) == [9, 5, 7, 3, 1]


# -- the tally -------------------------------------------------------------------------

def _as_set(rows: list[TallyRow]) -> set[tuple[S, int | None, int | None, int]]:
    return {(r.status, r.assignee_id, r.team_id, r.count) for r in rows}


async def test_the_tally_follows_every_insert_and_change(storage: Storage) -> None:
    await seed(storage, user(1), user(2, role=Role.AGENT), team(5),
               ticket(1, 1), ticket(2, 1, status=S.OPEN, assignee_id=2),
               ticket(3, 1, status=S.OPEN, assignee_id=2, team_id=5))
    expected = {(S.NEW, None, None, 1), (S.OPEN, 2, None, 1), (S.OPEN, 2, 5, 1)}
    assert _as_set(await storage.read(lambda r: r.tickets.tally())) == expected

    def work(r: Repositories) -> None:
        one = r.tickets.get(1)
        three = r.tickets.get(3)
        assert one is not None
        assert three is not None
        r.tickets.update(one.changed(at(50), status=S.OPEN, assignee_id=2))
        r.tickets.update(three.noted(at(51), team_id=None))
        r.tickets.update(three.noted(at(52), team_id=None).changed(at(52), subject="x"))

    await storage.write(work)
    tally = await storage.read(lambda r: r.tickets.tally())
    assert _as_set(tally) == {(S.OPEN, 2, None, 3)}
    tickets = await storage.read(lambda r: [r.tickets.get(i) for i in (1, 2, 3)])
    assert _as_set(tally) == _as_set(tally_of(
        (t.status, t.assignee_id, t.team_id) for t in tickets if t is not None))


async def test_a_failed_write_leaves_the_tally_as_it_was(storage: Storage) -> None:
    await seed(storage, user(1), ticket(1, 1))
    before = await storage.read(lambda r: r.tickets.tally())

    def work(r: Repositories) -> None:
        r.tickets.add(ticket(2, 1, status=S.PENDING))
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await storage.write(work)
    assert await storage.read(lambda r: r.tickets.tally()) == before


# -- tag counts --------------------------------------------------------------------------

async def test_tag_suggestions_by_prefix_most_used_first(storage: Storage) -> None:
    await seed(storage, user(1),
               ticket(1, 1, tags=("billing", "bug")), ticket(2, 1, tags=("billing",)),
               ticket(3, 1, tags=("bug", "login")), ticket(4, 1, tags=("billing", "b2b")))
    assert await storage.read(lambda r: r.tickets.tags("b", limit=10)) == [
        ("billing", 3), ("bug", 2), ("b2b", 1)]
    assert await storage.read(lambda r: r.tickets.tags("bu", limit=10)) == [("bug", 2)]
    assert await storage.read(lambda r: r.tickets.tags("", limit=2)) == [
        ("billing", 3), ("bug", 2)]

    def retag(r: Repositories) -> None:
        for i in (1, 2):
            t = r.tickets.get(i)
            assert t is not None
            r.tickets.update(t.changed(at(60), tags=("login",)))

    await storage.write(retag)
    assert await storage.read(lambda r: r.tickets.tags("", limit=10)) == [
        ("login", 3), ("b2b", 1), ("billing", 1), ("bug", 1)]
    assert await storage.read(lambda r: r.tickets.tags("zz", limit=10)) == []


# -- teams -----------------------------------------------------------------------------

async def test_teams_round_trip_with_their_members(storage: Storage) -> None:
    billing = team(1, "Billing", members=(2, 3))
    tech = team(2, "technical", members=(3,))
    await seed(storage, billing, tech)
    assert_same(await storage.read(lambda r: r.teams.get(1)), billing)
    assert_same(await storage.read(lambda r: r.teams.by_name("BILLING")), billing)
    assert await storage.read(lambda r: r.teams.by_name("Sales")) is None
    assert ids(await storage.read(lambda r: r.teams.all())) == [1, 2]
    assert ids(await storage.read(lambda r: r.teams.of_user(3))) == [1, 2]
    assert ids(await storage.read(lambda r: r.teams.of_user(2))) == [1]
    assert await storage.read(lambda r: r.teams.next_id()) == 3

    renamed = replace(billing, name="Accounts", members=(4,))
    await storage.write(lambda r: r.teams.update(renamed))
    assert_same(await storage.read(lambda r: r.teams.get(1)), renamed)
    assert ids(await storage.read(lambda r: r.teams.of_user(2))) == []
    await storage.write(lambda r: r.teams.remove(1))
    assert await storage.read(lambda r: r.teams.get(1)) is None
    assert ids(await storage.read(lambda r: r.teams.of_user(4))) == []


async def test_team_names_are_unique_whatever_their_case(storage: Storage) -> None:
    await seed(storage, team(1, "Billing"))
    with pytest.raises(KeyError):
        await seed(storage, team(2, "billing"))
    await seed(storage, team(2, "Technical"))
    with pytest.raises(KeyError):
        await storage.write(lambda r: r.teams.update(team(2, "BILLING")))


# -- read marks ------------------------------------------------------------------------

async def test_read_marks_are_per_user_and_replaced(storage: Storage) -> None:
    await seed(storage, user(1), user(2), ticket(1, 1), ticket(2, 1))

    def mark(r: Repositories) -> None:
        r.reads.put(1, 1, at(5, micro=5))
        r.reads.put(1, 1, at(6, micro=6))
        r.reads.put(2, 2, at(7))

    await storage.write(mark)
    assert await storage.read(lambda r: r.reads.marks(1, [1, 2, 3])) == {1: at(6, micro=6)}
    assert await storage.read(lambda r: r.reads.marks(2, [1, 2])) == {2: at(7)}
    assert await storage.read(lambda r: r.reads.marks(1, [])) == {}


async def test_unread_counts_compare_the_audiences_activity_with_the_mark(
        storage: Storage) -> None:
    # 1: read after its activity; 2: read before its staff activity only; 3: never read,
    # after the horizon; 4: never read, before the horizon; 5: another assignee.
    rows = [
        ticket(1, 1, status=S.OPEN, assignee_id=9, updated_at=at(10), activity_at=at(10)),
        ticket(2, 1, status=S.OPEN, assignee_id=9, updated_at=at(10), activity_at=at(20)),
        ticket(3, 1, status=S.OPEN, assignee_id=9, updated_at=at(30)),
        ticket(4, 1, status=S.OPEN, assignee_id=9, updated_at=at(1)),
        ticket(5, 1, status=S.OPEN, assignee_id=8, updated_at=at(30)),
    ]
    await seed(storage, user(1), user(8, role=Role.AGENT), user(9, role=Role.AGENT), *rows)

    def mark(r: Repositories) -> None:
        r.reads.put(9, 1, at(10))
        r.reads.put(9, 2, at(15))
        r.reads.put(1, 2, at(15))

    await storage.write(mark)
    mine = TicketQuery(statuses=OPEN_STATUSES, assignee_id=9)

    async def count(user_id: int, query: TicketQuery, *, staff: bool, cap: int = 100) -> int:
        return await storage.read(lambda r: r.reads.count_unread(
            user_id, query, staff=staff, horizon=at(5), cap=cap))

    assert await count(9, mine, staff=True) == 2  # 2 (a note after the mark) and 3
    assert await count(9, mine, staff=True, cap=1) == 1
    # The requester sees only public activity: 2 (its note came later) is read for them;
    # 1, 3 and 5 were never opened and changed after the horizon; 4 is older.
    theirs = TicketQuery(requester_id=1)
    assert await count(1, theirs, staff=False) == 3
    assert await count(9, TicketQuery(statuses=frozenset({S.CLOSED})), staff=True) == 0


async def test_unread_counts_find_tickets_older_than_the_horizon_by_their_marks(
        storage: Storage) -> None:
    # The counting walks are bounded by the horizon (0004); a ticket older than it is
    # unread only through a mark older than its activity: "mark as unread" (NEVER_READ),
    # or an old ticket opened and changed since, which the mark's age alone must not hide.
    rows = [
        ticket(1, 1, status=S.OPEN, assignee_id=9, updated_at=at(1), activity_at=at(2)),
        ticket(2, 1, status=S.OPEN, assignee_id=9, updated_at=at(1), activity_at=at(3)),
        ticket(3, 1, status=S.OPEN, assignee_id=9, updated_at=at(1), activity_at=at(4)),
        ticket(4, 1, status=S.PENDING, assignee_id=9, updated_at=at(1), activity_at=at(30)),
        ticket(5, 1, status=S.CLOSED, assignee_id=9, updated_at=at(1), activity_at=at(2)),
        ticket(6, 1, status=S.OPEN, assignee_id=8, updated_at=at(1), activity_at=at(2)),
    ]
    await seed(storage, user(1), user(8, role=Role.AGENT), user(9, role=Role.AGENT), *rows)

    def mark(r: Repositories) -> None:
        r.reads.put(9, 1, NEVER_READ)  # marked unread: counted
        r.reads.put(9, 2, at(3))  # read at its activity: not counted
        r.reads.put(9, 3, at(2))  # opened at 2, a note at 4: unread although before 5
        r.reads.put(9, 4, at(2))  # after the horizon and after the mark: counted once
        r.reads.put(9, 5, NEVER_READ)  # closed: not in the query
        r.reads.put(8, 2, NEVER_READ)  # another user's mark: not theirs
        r.reads.put(9, 6, NEVER_READ)  # another assignee's ticket: not in the query

    await storage.write(mark)
    mine = TicketQuery(statuses=OPEN_STATUSES, assignee_id=9)

    async def count(cap: int = 100) -> int:
        return await storage.read(lambda r: r.reads.count_unread(
            9, mine, staff=True, horizon=at(5), cap=cap))

    assert await count() == 3  # 1, 3 and 4
    assert await count(cap=2) == 2


# -- users by name -----------------------------------------------------------------------

async def test_people_are_found_by_part_of_their_name_or_email_any_case_or_accent(
        storage: Storage) -> None:
    await seed(storage,
               user(1, display_name="Zoë Martin", email="zoe@shop.example"),
               user(2, display_name="Adam Smith", email="adam@zoetrope.example"),
               user(3, display_name="Zoe Agent", email="za@support.example", role=Role.AGENT),
               user(4, display_name="50%_off", email="promo@shop.example"))

    async def find(text: str, role: Role = Role.CUSTOMER, limit: int = 10) -> list[int]:
        return ids(await storage.read(lambda r: r.users.search(text, role=role, limit=limit)))

    assert await find("zoe") == [2, 1]  # by name: "Adam Smith", "Zoë Martin"
    assert await find("ZOË") == [2, 1]
    assert await find("MART") == [1]
    assert await find("shop.example") == [4, 1]
    assert await find("%_") == [4]  # no wildcards: the text is literal
    assert await find("_") == [4]
    assert await find("zoe", role=Role.AGENT) == [3]
    assert await find("zoe", limit=1) == [2]
    assert await find("nobody") == []


# -- canned replies ----------------------------------------------------------------------

async def test_canned_replies_round_trip_and_show_shared_and_own_only(
        storage: Storage) -> None:
    mine = canned(1, 9, title="b personal")
    shared = canned(2, 8, shared=True, title="A shared")
    theirs = canned(3, 8, title="c personal of someone else")
    await seed(storage, mine, shared, theirs)
    assert_same(await storage.read(lambda r: r.canned.get(1)), mine)
    assert ids(await storage.read(lambda r: r.canned.visible_to(9, limit=10))) == [2, 1]
    assert ids(await storage.read(lambda r: r.canned.visible_to(8, limit=10))) == [2, 3]
    assert ids(await storage.read(lambda r: r.canned.visible_to(8, limit=1))) == [2]

    edited = replace(mine, title="B edited", body="New {{agent.name}}", shared=True,
                     updated_at=mine.updated_at + timedelta(minutes=1))
    await storage.write(lambda r: r.canned.update(edited))
    assert_same(await storage.read(lambda r: r.canned.get(1)), edited)
    await storage.write(lambda r: r.canned.remove(2))
    assert ids(await storage.read(lambda r: r.canned.visible_to(7, limit=10))) == [1]
    assert await storage.read(lambda r: r.canned.next_id()) == 4
    with pytest.raises(KeyError):
        await seed(storage, canned(1, 9))
    with pytest.raises(KeyError):
        await storage.write(lambda r: r.canned.update(canned(99, 9)))
