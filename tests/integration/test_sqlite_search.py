"""Ticket lists and full-text search on SQLite give what the in-memory adapter gives.

A seeded random corpus goes into both adapters; many random queries are then walked
page by page through both and compared item by item, cursor by cursor.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from hero_assistance.adapters.memory import MemoryStorage
from hero_assistance.adapters.sqlite import SqliteStorage
from hero_assistance.domain.listing import (
    MAX_PAGE_SIZE,
    RELEVANCE_WINDOW,
    Cursor,
    TicketOrder,
    TicketQuery,
)
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.tickets import Priority, TicketStatus

from ._sqlite_support import PROJECT, at, message, ticket

pytestmark = pytest.mark.anyio

FULL_WIDTH_FULL = "\uff46\uff55\uff4c\uff4c"  # "full" in full-width letters

WORDS = [
    "printer", "print", "printing", "paper", "jam", "Café", "crème", "naïve", "Zoë", "ZOE",
    "network", "net", "netting", "foo_bar", "bar", "l'été", "e-mail", "mail", "x86_64",
    "über", "uber", "straße", "日本語", "2fa", "login", "log-in", "AND", "or", "NOT", "near",
    "ﬁle", FULL_WIDTH_FULL, "x²", "İstanbul", "ǅemal", "Ŀlama",
]
SYNTAX = ['"', 'a"b', "*", "printer*", "^net", "subject:jam", "-mail", "(", ")", "{x}",
          "near/2", "a:b", "foo_bar", "", " ", "+", "AND", "or", "NOT", "NEAR", "'", "\\"]
TERMS = ["pri", "print", "printer", "p", "ja", "caf", "cafe", "café", "CRE", "naive", "zoe",
         "net", "foo", "bar", "ete", "mail", "x86", "64", "uber", "über", "stra", "日本",
         "2f", "log", "in", "and", "or", "not", "near", "nothing", "zz", "strass", "straß",
         "file", "fi", "full", FULL_WIDTH_FULL[:2], "x2", "istan", "dz", "ll"]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


async def _seed(storage: Storage, seed: int) -> None:
    rng = random.Random(seed)

    def fill(r: Repositories) -> None:
        message_id = 0
        for ticket_id in range(1, 121):
            tags = tuple(sorted(rng.sample(["a", "b", "c"], rng.randint(0, 2))))
            base = ticket(
                ticket_id, subject=_text(rng, rng.randint(1, 4)),
                body=_text(rng, rng.randint(0, 8)), requester_id=rng.randint(1, 4), tags=tags,
                # few distinct times, so the id must break ties in the UPDATED order
                updated_at=at(rng.randint(0, 15)),
            )
            r.tickets.add(replace(
                base, status=rng.choice(list(TicketStatus)), priority=rng.choice(list(Priority)),
                assignee_id=rng.choice([None, None, 10, 11]),
            ))
            for _ in range(rng.randint(0, 3)):
                message_id += 1
                visibility = rng.choice([Visibility.PUBLIC, Visibility.INTERNAL])
                r.messages.add(message(message_id, ticket_id, _text(rng, rng.randint(1, 6)),
                                       visibility=visibility))

    await storage.write(fill)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def pair(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Storage, Storage]]:
    memory = MemoryStorage(PROJECT)
    path: Path = tmp_path_factory.mktemp("search") / "search.sqlite3"
    async with await SqliteStorage.open(path, PROJECT) as sqlite:
        await _seed(memory, 7)
        await _seed(sqlite, 7)
        yield memory, sqlite


def _random_query(rng: random.Random) -> TicketQuery:
    terms = tuple(dict.fromkeys(rng.sample(TERMS, rng.choice([0, 0, 1, 1, 1, 2, 3]))))
    return TicketQuery(
        statuses=frozenset(rng.sample(list(TicketStatus), rng.choice([0, 0, 1, 2]))),
        priorities=frozenset(rng.sample(list(Priority), rng.choice([0, 0, 0, 1, 2]))),
        requester_id=rng.choice([None, None, None, 1, 2]),
        assignee_id=rng.choice([None, None, None, 10]),
        unassigned=rng.random() < 0.15,
        tag=rng.choice([None, None, None, "a", "b", "zzz"]),
        terms=terms,
        include_internal=rng.random() < 0.5,
        order=rng.choice([TicketOrder.UPDATED, TicketOrder.NEWEST]),
        limit=rng.choice([1, 3, 7, 50]),
    )


async def _walk(storage: Storage, query: TicketQuery) -> list[tuple[list[int], str | None]]:
    pages: list[tuple[list[int], str | None]] = []
    while True:
        page = await storage.read(lambda r, q=query: r.tickets.query(q))
        pages.append(([t.id for t in page.items], page.next_cursor))
        if page.next_cursor is None or len(pages) > 200:
            return pages
        query = replace(query, after=Cursor.decode(page.next_cursor))


@pytest.mark.parametrize("seed", range(8))
async def test_random_lists_page_exactly_like_memory(
    pair: tuple[Storage, Storage], seed: int
) -> None:
    memory, sqlite = pair
    rng = random.Random(seed)
    for _ in range(40):
        query = _random_query(rng)
        assert await _walk(sqlite, query) == await _walk(memory, query), query


@pytest.mark.parametrize("order", [TicketOrder.NEWEST, TicketOrder.UPDATED])
@pytest.mark.parametrize("limit", [MAX_PAGE_SIZE, 7])
async def test_every_search_term_pages_like_memory_without_filters(
    pair: tuple[Storage, Storage], order: TicketOrder, limit: int
) -> None:
    memory, sqlite = pair
    for term in TERMS:
        for include_internal in (False, True):
            query = TicketQuery(terms=(term,), include_internal=include_internal,
                                order=order, limit=limit)
            assert await _walk(sqlite, query) == await _walk(memory, query), query


async def test_relevance_finds_the_same_tickets_with_filters(
    pair: tuple[Storage, Storage],
) -> None:
    memory, sqlite = pair
    rng = random.Random(99)
    for _ in range(60):
        query = replace(_random_query(rng), order=TicketOrder.RELEVANCE, limit=MAX_PAGE_SIZE)
        got = await sqlite.read(lambda r, q=query: r.tickets.query(q))
        want = await memory.read(lambda r, q=query: r.tickets.query(q))
        assert sorted(t.id for t in got.items) == sorted(t.id for t in want.items), query
        assert got.next_cursor is None


@pytest.mark.parametrize("term", SYNTAX)
async def test_query_syntax_in_terms_is_only_text(
    pair: tuple[Storage, Storage], term: str
) -> None:
    memory, sqlite = pair
    for order in TicketOrder:
        for terms in ((term,), ("print", term)):
            query = TicketQuery(terms=terms, order=order, include_internal=True,
                                limit=MAX_PAGE_SIZE)
            got = await sqlite.read(lambda r, q=query: r.tickets.query(q))
            want = await memory.read(lambda r, q=query: r.tickets.query(q))
            assert sorted(t.id for t in got.items) == sorted(t.id for t in want.items), query


@pytest.mark.parametrize(("text", "term"), [
    ("Straße", "strasse"), ("strasse", "straß"), ("ﬁle", "file"), (FULL_WIDTH_FULL, "full"),
    ("x²", "x2"), ("ǅemal", "dzemal"), ("Crème brûlée", "brulee"), ("CAFÉ", "café"),
])
async def test_text_is_folded_like_the_memory_adapter_folds_it(
    tmp_path: Path, text: str, term: str
) -> None:
    async with await SqliteStorage.open(tmp_path / "fold.sqlite3", PROJECT) as store:
        await store.write(lambda r: r.tickets.add(ticket(1, subject=text)))
        page = await store.read(lambda r: r.tickets.query(TicketQuery(terms=(term,))))

    assert [t.id for t in page.items] == [1]


async def test_relevance_ranks_the_same_matches_in_one_page(
    pair: tuple[Storage, Storage],
) -> None:
    memory, sqlite = pair
    for term in TERMS:
        query = TicketQuery(terms=(term,), order=TicketOrder.RELEVANCE, limit=MAX_PAGE_SIZE,
                            after=Cursor(1, 1))  # a cursor means nothing to a ranked list
        got = await sqlite.read(lambda r, q=query: r.tickets.query(q))
        want = await memory.read(lambda r, q=query: r.tickets.query(q))
        assert got.next_cursor is None
        assert sorted(t.id for t in got.items) == sorted(t.id for t in want.items), term


async def test_relevance_puts_the_closest_match_first(tmp_path: Path) -> None:
    async with await SqliteStorage.open(tmp_path / "rank.sqlite3", PROJECT) as store:
        await store.write(lambda r: [r.tickets.add(t) for t in (
            ticket(1, subject="printer", body="printer printer printer jam"),
            ticket(2, subject="a long story", body="once upon a time " * 20 + "printer"),
            ticket(3, subject="nothing here"),
        )])
        page = await store.read(lambda r: r.tickets.query(
            TicketQuery(terms=("printer",), order=TicketOrder.RELEVANCE)))

    assert [t.id for t in page.items] == [1, 2]


async def test_relevance_looks_only_at_the_newest_window(tmp_path: Path) -> None:
    async with await SqliteStorage.open(tmp_path / "window.sqlite3", PROJECT) as store:
        await store.write(lambda r: [
            r.tickets.add(ticket(i, subject="printer printer printer" if i == 1 else "printer",
                                 body="filler words " * 5))
            for i in range(1, RELEVANCE_WINDOW + 2)
        ])
        page = await store.read(lambda r: r.tickets.query(
            TicketQuery(terms=("printer",), order=TicketOrder.RELEVANCE, limit=5)))

    # ticket 1 is the best match but the 1001st newest: outside the ranked window.
    assert 1 not in [t.id for t in page.items]
    assert len(page.items) == 5


async def test_search_follows_edits_of_subjects_and_messages(tmp_path: Path) -> None:
    async with await SqliteStorage.open(tmp_path / "edits.sqlite3", PROJECT) as store:
        await store.write(lambda r: (r.tickets.add(ticket(1, subject="printer")),
                                     r.messages.add(message(1, 1, "zebra"))))

        def edit(r: Repositories) -> None:
            old = r.tickets.get(1)
            note = r.messages.get(1)
            assert old is not None
            assert note is not None
            r.tickets.update(replace(old, subject="scanner"))
            r.messages.update(note.edited("giraffe", at(5)))

        await store.write(edit)

        async def hits(term: str) -> list[int]:
            page = await store.read(lambda r: r.tickets.query(TicketQuery(terms=(term,))))
            return [t.id for t in page.items]

        assert (await hits("printer"), await hits("scan")) == ([], [1])
        assert (await hits("zebra"), await hits("gir")) == ([], [1])
