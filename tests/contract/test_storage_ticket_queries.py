"""Storage contract: ticket lists — every filter, both orders, keyset pagination."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from hero_assistance.domain.identity import Role
from hero_assistance.domain.listing import Cursor, TicketOrder, TicketQuery
from hero_assistance.domain.ports import Storage
from hero_assistance.domain.tickets import Priority, Ticket, TicketStatus

from ._factories import assert_same, at, page_ids, seed, ticket, user

pytestmark = pytest.mark.anyio

S, P = TicketStatus, Priority

# requester 1 and 2 are customers, 3 and 4 agents.
TICKETS = [
    ticket(1, 1, assignee_id=3, status=S.NEW, priority=P.NORMAL, tags=("billing",),
           updated_at=at(10)),
    ticket(2, 1, status=S.OPEN, priority=P.HIGH, updated_at=at(50)),
    ticket(3, 2, assignee_id=4, status=S.PENDING, priority=P.URGENT,
           tags=("billing", "vip"), updated_at=at(30)),
    ticket(4, 2, status=S.RESOLVED, priority=P.LOW, tags=("vip",), updated_at=at(20)),
    ticket(5, 1, assignee_id=3, status=S.CLOSED, priority=P.URGENT, tags=("bill",),
           updated_at=at(40)),
    ticket(6, 2, assignee_id=3, status=S.OPEN, priority=P.NORMAL, tags=("billing-eu",),
           updated_at=at(60)),
    ticket(7, 1, status=S.NEW, priority=P.LOW, updated_at=at(45)),
    ticket(8, 2, assignee_id=4, status=S.OPEN, priority=P.HIGH, tags=("billing",),
           updated_at=at(25)),
]
PEOPLE = [user(1), user(2), user(3, role=Role.AGENT), user(4, role=Role.AGENT)]

FILTERS: dict[str, tuple[dict[str, object], Callable[[Ticket], bool]]] = {
    "none": ({}, lambda _: True),
    "one status": ({"statuses": frozenset({S.OPEN})}, lambda t: t.status is S.OPEN),
    "two statuses": ({"statuses": frozenset({S.NEW, S.PENDING})},
                     lambda t: t.status in (S.NEW, S.PENDING)),
    "one priority": ({"priorities": frozenset({P.URGENT})}, lambda t: t.priority is P.URGENT),
    "two priorities": ({"priorities": frozenset({P.LOW, P.HIGH})},
                       lambda t: t.priority in (P.LOW, P.HIGH)),
    "requester": ({"requester_id": 1}, lambda t: t.requester_id == 1),
    "assignee": ({"assignee_id": 3}, lambda t: t.assignee_id == 3),
    "unassigned": ({"unassigned": True}, lambda t: t.assignee_id is None),
    "tag matches whole tags only": ({"tag": "billing"}, lambda t: "billing" in t.tags),
    "tag among several": ({"tag": "vip"}, lambda t: "vip" in t.tags),
    "tag nobody has": ({"tag": "nothing"}, lambda _: False),
    "requester, statuses and tag": (
        {"requester_id": 2, "statuses": frozenset({S.OPEN, S.PENDING}), "tag": "billing"},
        lambda t: t.requester_id == 2 and t.status in (S.OPEN, S.PENDING)
        and "billing" in t.tags,
    ),
    "unassigned and priority": (
        {"unassigned": True, "priorities": frozenset({P.LOW})},
        lambda t: t.assignee_id is None and t.priority is P.LOW,
    ),
    "assignee, statuses and priority": (
        {"assignee_id": 3, "statuses": frozenset({S.OPEN, S.CLOSED}),
         "priorities": frozenset({P.URGENT})},
        lambda t: t.assignee_id == 3 and t.status in (S.OPEN, S.CLOSED)
        and t.priority is P.URGENT,
    ),
    "nothing matches": ({"requester_id": 3}, lambda _: False),
}


def _updated_order(tickets: list[Ticket]) -> list[int]:
    return [t.id for t in sorted(tickets, key=lambda t: (t.updated_at, t.id), reverse=True)]


def _newest_order(tickets: list[Ticket]) -> list[int]:
    return sorted((t.id for t in tickets), reverse=True)


async def _walk(storage: Storage, query: TicketQuery, *, max_pages: int = 100) -> list[list[int]]:
    """Every page of ``query``, following ``next_cursor`` until it is ``None``."""
    pages: list[list[int]] = []
    after = query.after
    for _ in range(max_pages):
        q = replace(query, after=after)
        page = await storage.read(lambda r, q=q: r.tickets.query(q))
        pages.append(page_ids(page))
        if page.next_cursor is None:
            return pages
        after = Cursor.decode(page.next_cursor)
    raise AssertionError(f"still paging after {max_pages} pages: {pages}")


@pytest.mark.parametrize("name", list(FILTERS))
async def test_each_filter_keeps_exactly_the_matching_tickets_in_both_orders(
    storage: Storage, name: str
) -> None:
    fields, keeps = FILTERS[name]
    await seed(storage, *PEOPLE, *TICKETS)
    expected = [t for t in TICKETS if keeps(t)]

    for order, sort in ((TicketOrder.UPDATED, _updated_order),
                        (TicketOrder.NEWEST, _newest_order)):
        query = TicketQuery(order=order, limit=50, **fields)  # type: ignore[arg-type]
        page = await storage.read(lambda r, q=query: r.tickets.query(q))
        assert page_ids(page) == sort(expected), order
        assert page.next_cursor is None


async def test_a_query_returns_whole_tickets(storage: Storage) -> None:
    await seed(storage, *PEOPLE, *TICKETS)

    page = await storage.read(lambda r: r.tickets.query(TicketQuery(tag="vip")))

    assert_same(list(page.items), [TICKETS[2], TICKETS[3]])


async def test_updated_order_breaks_ties_on_the_same_moment_by_id_descending(
    storage: Storage,
) -> None:
    same = at(5, micro=5)
    await seed(storage, user(1),
               ticket(1, 1, updated_at=same), ticket(2, 1, updated_at=at(9)),
               ticket(3, 1, updated_at=same), ticket(4, 1, updated_at=at(5, micro=4)))

    page = await storage.read(lambda r: r.tickets.query(TicketQuery(limit=10)))

    assert page_ids(page) == [2, 3, 1, 4]


async def test_updated_order_tells_apart_moments_one_microsecond_apart(
    storage: Storage,
) -> None:
    await seed(storage, user(1),
               ticket(1, 1, updated_at=at(5, micro=2)), ticket(2, 1, updated_at=at(5, micro=1)),
               ticket(3, 1, updated_at=at(5, micro=3)))

    page = await storage.read(lambda r: r.tickets.query(TicketQuery(limit=10)))

    assert page_ids(page) == [3, 1, 2]


def _many_with_ties(count: int) -> list[Ticket]:
    # updated_at takes only six distinct values, out of step with ids: many ties.
    return [ticket(i, 1 + i % 2, updated_at=at((i * 7) % 6, micro=0))
            for i in range(1, count + 1)]


@pytest.mark.parametrize("order", [TicketOrder.UPDATED, TicketOrder.NEWEST])
@pytest.mark.parametrize("limit", [1, 4, 5, 23, 24])
async def test_pages_cover_every_ticket_once_in_order(
    storage: Storage, order: TicketOrder, limit: int
) -> None:
    tickets = _many_with_ties(23)
    await seed(storage, user(1), user(2), *tickets)
    expected = (_updated_order if order is TicketOrder.UPDATED else _newest_order)(tickets)

    pages = await _walk(storage, TicketQuery(order=order, limit=limit))

    assert [i for page in pages for i in page] == expected
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit  # a page that ends the list has no cursor


@pytest.mark.parametrize("order", [TicketOrder.UPDATED, TicketOrder.NEWEST])
async def test_the_page_that_reaches_the_end_exactly_has_no_cursor(
    storage: Storage, order: TicketOrder
) -> None:
    await seed(storage, user(1), *_many_with_ties(10))

    pages = await _walk(storage, TicketQuery(order=order, limit=5))

    assert [len(page) for page in pages] == [5, 5]


async def test_an_empty_result_is_one_empty_page_without_cursor(storage: Storage) -> None:
    page = await storage.read(lambda r: r.tickets.query(TicketQuery()))

    assert page.items == ()
    assert page.next_cursor is None


@pytest.mark.parametrize("order", [TicketOrder.UPDATED, TicketOrder.NEWEST])
async def test_pages_of_a_filtered_list_follow_the_filter(
    storage: Storage, order: TicketOrder
) -> None:
    tickets = _many_with_ties(23)
    await seed(storage, user(1), user(2), *tickets)
    mine = [t for t in tickets if t.requester_id == 2]
    expected = (_updated_order if order is TicketOrder.UPDATED else _newest_order)(mine)

    pages = await _walk(storage, TicketQuery(order=order, requester_id=2, limit=3))

    assert [i for page in pages for i in page] == expected


@pytest.mark.parametrize("order", [TicketOrder.UPDATED, TicketOrder.NEWEST])
async def test_a_cursor_still_works_after_a_new_ticket_arrives(
    storage: Storage, order: TicketOrder
) -> None:
    tickets = _many_with_ties(12)
    await seed(storage, user(1), user(2), *tickets)
    expected = (_updated_order if order is TicketOrder.UPDATED else _newest_order)(tickets)
    first = await storage.read(lambda r: r.tickets.query(TicketQuery(order=order, limit=5)))
    assert first.next_cursor is not None

    await seed(storage, ticket(13, 1, updated_at=at(30)))  # newest by both orders
    rest = await _walk(storage, TicketQuery(order=order, limit=5,
                                            after=Cursor.decode(first.next_cursor)))

    assert page_ids(first) + [i for page in rest for i in page] == expected


async def test_a_ticket_updated_after_the_cursor_moves_to_the_front(storage: Storage) -> None:
    tickets = [ticket(i, 1, updated_at=at(i)) for i in range(1, 7)]
    await seed(storage, user(1), *tickets)
    first = await storage.read(lambda r: r.tickets.query(TicketQuery(limit=3)))
    assert page_ids(first) == [6, 5, 4]
    assert first.next_cursor is not None

    bumped = tickets[1].changed(at(99), status=TicketStatus.OPEN)
    await storage.write(lambda r: r.tickets.update(bumped))
    fresh = await storage.read(lambda r: r.tickets.query(TicketQuery(limit=3)))
    rest = await storage.read(lambda r: r.tickets.query(
        TicketQuery(limit=3, after=Cursor.decode(first.next_cursor or ""))))

    assert page_ids(fresh) == [2, 6, 5]
    assert page_ids(rest) == [3, 1]
