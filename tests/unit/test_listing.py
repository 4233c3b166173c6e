"""TicketDesk.list_tickets: filters, keyset paging, full-text search, scoping."""

from __future__ import annotations

import pytest

from hero_assistance.domain.errors import InvalidInput
from hero_assistance.domain.listing import TicketOrder
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.tickets import Priority, Ticket, TicketStatus

from .conftest import Cast, Harness, Person

pytestmark = pytest.mark.anyio

S = TicketStatus


async def ids(h: Harness, who: Person, **kw: object) -> list[int]:
    page = await h.desk.list_tickets(who.caller, **kw)  # type: ignore[arg-type]
    assert page.next_cursor is None, "use all_pages for results spanning pages"
    return [t.id for t in page.items]


async def all_pages(h: Harness, who: Person, *, limit: int, **kw: object) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor: str | None = None
    while True:
        page = await h.desk.list_tickets(who.caller, cursor=cursor, limit=limit,
                                         **kw)  # type: ignore[arg-type]
        pages.append([t.id for t in page.items])
        if page.next_cursor is None:
            return pages
        assert len(pages) < 100, "paging does not end"
        cursor = page.next_cursor


# -- filters -----------------------------------------------------------------------------


async def test_filters_narrow_the_staff_inbox(cast: Cast, harness: Harness) -> None:
    desk, agent = harness.desk, cast.agent.caller
    t1 = await harness.ticket(cast.a, "VPN down", priority=Priority.URGENT, tags=["vpn"])
    t2 = await harness.ticket(cast.a, "Mail slow", tags=["mail", "vpn"])
    t3 = await harness.ticket(cast.b, "New laptop", priority=Priority.LOW)
    t4 = await harness.ticket(cast.b, "Printer jam", priority=Priority.URGENT)
    await desk.update(agent, t1.id, status=S.OPEN, assignee_id=cast.agent.id)
    await desk.update(agent, t2.id, status=S.PENDING, assignee_id=cast.admin.id)
    await desk.update(agent, t3.id, status=S.CLOSED)

    everything = {t1.id, t2.id, t3.id, t4.id}
    assert set(await ids(harness, cast.agent)) == everything
    assert set(await ids(harness, cast.agent, statuses=[S.OPEN, S.PENDING])) == {t1.id, t2.id}
    assert set(await ids(harness, cast.agent, statuses=[S.NEW])) == {t4.id}
    assert set(await ids(harness, cast.agent, priorities=[Priority.URGENT])) == {t1.id, t4.id}
    assert set(await ids(harness, cast.agent, priorities=[Priority.LOW, Priority.NORMAL])) == {
        t2.id, t3.id}
    assert await ids(harness, cast.agent, assignee_id=cast.agent.id) == [t1.id]
    assert set(await ids(harness, cast.agent, unassigned=True)) == {t3.id, t4.id}
    assert set(await ids(harness, cast.agent, requester_id=cast.b.id)) == {t3.id, t4.id}
    assert set(await ids(harness, cast.agent, tag="VPN")) == {t1.id, t2.id}
    assert await ids(harness, cast.agent, tag="mail") == [t2.id]
    assert await ids(harness, cast.agent, tag="nothing") == []
    assert await ids(harness, cast.agent, statuses=[S.OPEN], priorities=[Priority.LOW]) == []
    combined = await ids(harness, cast.agent, requester_id=cast.a.id, tag="vpn",
                         priorities=[Priority.NORMAL], statuses=[S.PENDING],
                         assignee_id=cast.admin.id)
    assert combined == [t2.id]


async def test_the_inbox_is_most_recently_updated_first(cast: Cast, harness: Harness) -> None:
    t1 = await harness.ticket(cast.a, "first")
    harness.tick()
    t2 = await harness.ticket(cast.a, "second")
    harness.tick()
    t3 = await harness.ticket(cast.a, "third")
    harness.tick()
    assert await ids(harness, cast.agent) == [t3.id, t2.id, t1.id]
    await harness.talk.post(cast.a.caller, t1.id, body="any news?")
    assert await ids(harness, cast.agent) == [t1.id, t3.id, t2.id]
    assert await ids(harness, cast.agent, order=TicketOrder.NEWEST) == [t3.id, t2.id, t1.id]


async def test_customers_list_only_their_own_tickets(cast: Cast, harness: Harness) -> None:
    mine = [(await harness.ticket(cast.a, f"a{i}")).id for i in range(3)]
    theirs = [(await harness.ticket(cast.b, f"b{i}")).id for i in range(2)]
    assert sorted(await ids(harness, cast.a)) == mine
    assert sorted(await ids(harness, cast.b)) == theirs
    # Asking for someone else's tickets is an empty answer, not an error or a leak.
    assert await ids(harness, cast.a, requester_id=cast.b.id) == []
    assert sorted(await ids(harness, cast.a, requester_id=cast.a.id)) == mine
    assert sorted(await ids(harness, cast.admin)) == sorted(mine + theirs)


async def test_customers_see_every_ticket_when_the_project_says_so(cast: Cast,
                                                                   harness: Harness) -> None:
    mine = (await harness.ticket(cast.a)).id
    theirs = (await harness.ticket(cast.b)).id
    await harness.see_all()
    assert sorted(await ids(harness, cast.a)) == [mine, theirs]
    assert await ids(harness, cast.a, requester_id=cast.b.id) == [theirs]
    await harness.see_all(False)
    assert await ids(harness, cast.a) == [mine]


async def test_filter_combinations_that_make_no_sense_are_refused(cast: Cast,
                                                                  harness: Harness) -> None:
    with pytest.raises(InvalidInput) as both:
        await harness.desk.list_tickets(cast.agent.caller, assignee_id=cast.agent.id,
                                        unassigned=True)
    assert both.value.field == "unassigned"
    with pytest.raises(InvalidInput) as tag:
        await harness.desk.list_tickets(cast.agent.caller, tag="not a tag")
    assert tag.value.field == "tags"


# -- keyset paging -----------------------------------------------------------------------


async def _many(h: Harness, who: Person, n: int, *, same_time: bool) -> list[Ticket]:
    tickets = []
    for i in range(n):
        tickets.append(await h.ticket(who, f"ticket number {i}"))
        if not same_time:
            h.tick()
    return tickets


@pytest.mark.parametrize("same_time", [True, False])
@pytest.mark.parametrize("order", [TicketOrder.UPDATED, TicketOrder.NEWEST])
async def test_paging_hands_out_every_ticket_exactly_once_in_order(
    cast: Cast, harness: Harness, same_time: bool, order: TicketOrder
) -> None:
    tickets = await _many(harness, cast.a, 23, same_time=same_time)
    pages = await all_pages(harness, cast.agent, limit=5, order=order)
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    # Ties on updated_at fall back to the id, so the order is total either way.
    assert [i for p in pages for i in p] == [t.id for t in reversed(tickets)]


async def test_an_exact_multiple_of_the_page_size_ends_without_an_empty_page(
    cast: Cast, harness: Harness
) -> None:
    await _many(harness, cast.a, 10, same_time=False)
    pages = await all_pages(harness, cast.agent, limit=5)
    assert [len(p) for p in pages] == [5, 5]


async def test_paging_respects_filters_and_the_customer_scope(cast: Cast,
                                                              harness: Harness) -> None:
    for i in range(7):
        await harness.ticket(cast.a, f"a{i}", priority=Priority.HIGH if i % 2 else Priority.LOW)
        await harness.ticket(cast.b, f"b{i}", priority=Priority.HIGH)
        harness.tick()
    pages = await all_pages(harness, cast.a, limit=2, priorities=[Priority.HIGH])
    got = [i for p in pages for i in p]
    assert len(got) == 3
    stored = await harness.read(lambda r: [r.tickets.get(i) for i in got])
    assert all(t is not None and t.requester_id == cast.a.id
               and t.priority is Priority.HIGH for t in stored)


async def test_a_ticket_updated_while_paging_is_not_handed_out_twice(
    cast: Cast, harness: Harness
) -> None:
    tickets = await _many(harness, cast.a, 6, same_time=False)
    first = await harness.desk.list_tickets(cast.agent.caller, limit=3)
    assert [t.id for t in first.items] == [t.id for t in reversed(tickets)][:3]
    # The newest ticket moves; keyset paging continues after the last row handed out.
    await harness.desk.update(cast.agent.caller, tickets[-1].id, status=S.OPEN)
    rest = await harness.desk.list_tickets(cast.agent.caller, limit=3,
                                           cursor=first.next_cursor)
    assert [t.id for t in rest.items] == [tickets[2].id, tickets[1].id, tickets[0].id]


@pytest.mark.parametrize("cursor", ["", "garbage", "1.x", "--5.1", "1.2.3", "9" * 40 + ".1"])
async def test_bad_cursors_are_invalid_input(cast: Cast, harness: Harness,
                                             cursor: str) -> None:
    if cursor == "":
        # An empty cursor is "from the start", as clients send it.
        await harness.desk.list_tickets(cast.agent.caller, cursor=cursor)
        return
    with pytest.raises(InvalidInput) as refused:
        await harness.desk.list_tickets(cast.agent.caller, cursor=cursor)
    assert refused.value.field == "cursor"


@pytest.mark.parametrize("limit", [0, -1, 201, 10_000])
async def test_bad_page_sizes_are_invalid_input(cast: Cast, harness: Harness,
                                                limit: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        await harness.desk.list_tickets(cast.agent.caller, limit=limit)
    assert refused.value.field == "limit"


# -- full-text search --------------------------------------------------------------------


async def test_search_matches_subject_body_and_replies_by_word_prefix(
    cast: Cast, harness: Harness
) -> None:
    printer = await harness.ticket(cast.a, "Printer on fire", body="Smoke from tray two")
    vpn = await harness.ticket(cast.a, "VPN drops", body="Every hour")
    await harness.talk.post(cast.a.caller, vpn.id, body="Happens with the Café wifi too")
    assert await ids(harness, cast.a, text="printer") == [printer.id]
    assert await ids(harness, cast.a, text="PRINT") == [printer.id]  # prefix, any case
    assert await ids(harness, cast.a, text="smoke tray") == [printer.id]
    assert await ids(harness, cast.a, text="cafe") == [vpn.id]  # accents folded
    assert await ids(harness, cast.a, text="wifi") == [vpn.id]  # in a reply
    assert await ids(harness, cast.a, text="printer vpn") == []  # every word required
    assert await ids(harness, cast.a, text="rinter") == []  # prefixes, not substrings
    assert set(await ids(harness, cast.a, text="   ")) == {printer.id, vpn.id}


async def test_search_finds_identifiers_with_underscores_as_people_paste_them(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a, "Chrome says ERR_CONNECTION_RESET on login")
    assert await ids(harness, cast.a, text="ERR_CONNECTION_RESET") == [ticket.id]
    assert await ids(harness, cast.a, text="err_conn") == [ticket.id]


async def test_search_never_reaches_tickets_the_caller_cannot_see(cast: Cast,
                                                                  harness: Harness) -> None:
    await harness.ticket(cast.b, "Bob's secret merger plans")
    assert await ids(harness, cast.a, text="merger") == []
    assert len(await ids(harness, cast.agent, text="merger")) == 1


async def test_a_customer_search_never_matches_words_only_in_internal_notes(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a, "Invoice wrong")
    await harness.note(cast.agent, ticket.id, "customer is a known chargeback fraudster")
    await harness.talk.post(cast.a.caller, ticket.id, body="Please fix the invoice total")
    for text in ("fraudster", "chargeback", "fraud", "known fraudster"):
        assert await ids(harness, cast.a, text=text) == [], text
        assert await ids(harness, cast.agent, text=text) == [ticket.id], text
        assert await ids(harness, cast.admin, text=text) == [ticket.id], text
    assert await ids(harness, cast.a, text="invoice total") == [ticket.id]
    await harness.see_all()
    assert await ids(harness, cast.b, text="fraudster") == []
    ranked = await harness.desk.list_tickets(cast.a.caller, text="fraudster",
                                             order=TicketOrder.RELEVANCE)
    assert ranked.items == ()


async def test_search_results_page_newest_first(cast: Cast, harness: Harness) -> None:
    made = [await harness.ticket(cast.a, f"disk full on server {i}") for i in range(5)]
    await harness.ticket(cast.a, "unrelated")
    harness.tick()
    # The oldest match was touched last: a search still lists by creation, newest first.
    await harness.desk.update(cast.agent.caller, made[0].id, status=S.OPEN)
    pages = await all_pages(harness, cast.agent, limit=2, text="disk")
    assert [i for p in pages for i in p] == [t.id for t in reversed(made)]
    by_update = await ids(harness, cast.agent, text="disk", order=TicketOrder.UPDATED)
    assert by_update == [made[0].id] + [t.id for t in reversed(made[1:])]


async def test_relevance_ranks_better_matches_first_in_one_page(cast: Cast,
                                                                harness: Harness) -> None:
    weak = await harness.ticket(cast.a, "disk question")
    strong = await harness.ticket(cast.a, "disk disk disk", body="the disk is a disk")
    await harness.ticket(cast.a, "nothing here")
    page = await harness.desk.list_tickets(cast.agent.caller, text="disk",
                                           order=TicketOrder.RELEVANCE)
    assert [t.id for t in page.items] == [strong.id, weak.id]
    assert page.next_cursor is None


async def test_relevance_needs_text_and_comes_in_one_page(cast: Cast,
                                                          harness: Harness) -> None:
    for text in ("", "  ", "!!!"):
        with pytest.raises(InvalidInput) as refused:
            await harness.desk.list_tickets(cast.agent.caller, text=text,
                                            order=TicketOrder.RELEVANCE)
        assert refused.value.field == "order"
        assert "search text" in refused.value.problem
    with pytest.raises(InvalidInput) as paged:
        await harness.desk.list_tickets(cast.agent.caller, text="disk",
                                        order=TicketOrder.RELEVANCE, cursor="5.5")
    assert paged.value.field == "cursor"


async def test_too_many_search_words_are_refused(cast: Cast, harness: Harness) -> None:
    with pytest.raises(InvalidInput) as refused:
        await harness.desk.list_tickets(cast.agent.caller, text="a b c d e f g h i")
    assert refused.value.field == "query"


async def test_listing_writes_nothing(cast: Cast, harness: Harness) -> None:
    await harness.ticket(cast.a)

    def state(r: Repositories) -> tuple[int, int]:
        return r.events.last_seq(), len(r.tickets.history(1))

    before = await harness.read(state)
    await harness.desk.list_tickets(cast.a.caller, text="printer")
    assert await harness.read(state) == before
