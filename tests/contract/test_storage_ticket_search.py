"""Storage contract: full-text search over tickets and their messages, and ranking."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hero_assistance.domain.identity import Role
from hero_assistance.domain.listing import Cursor, TicketOrder, TicketQuery, search_terms
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.tickets import TicketStatus

from ._factories import at, message, page_ids, seed, ticket, user

pytestmark = pytest.mark.anyio

PEOPLE = [user(1), user(2), user(3, role=Role.AGENT)]
CORPUS = [
    ticket(1, 1, subject="Printer jam on floor 3",
           body="The printer in room 12 jams every morning.", updated_at=at(1)),
    ticket(2, 2, subject="Printing is slow", status=TicketStatus.OPEN, updated_at=at(2)),
    ticket(3, 1, subject="Coffee machine", body="Café au lait is cold", updated_at=at(3)),
    ticket(4, 2, subject="Login trouble", updated_at=at(4)),
    ticket(5, 1, subject="ÉCRAN noir", body="The screen stays black", updated_at=at(5)),
    ticket(6, 2, subject="Misc", body="nothing relevant here", updated_at=at(6)),
]
NOTES = [
    message(1, 4, 2, body="the printer again"),
    message(2, 4, 3, body="Jam."),
    message(3, 4, 3, body="Secretword: call the supplier for escalation",
            visibility=Visibility.INTERNAL),
]


async def _search(storage: Storage, raw: str, *, include_internal: bool = False,
                  order: TicketOrder = TicketOrder.NEWEST, **filters: object) -> list[int]:
    query = TicketQuery(terms=search_terms(raw), include_internal=include_internal,
                        order=order, limit=200, **filters)  # type: ignore[arg-type]
    page = await storage.read(lambda r: r.tickets.query(query))
    assert page.next_cursor is None
    return page_ids(page)


@pytest.fixture
async def corpus(storage: Storage) -> Storage:
    await seed(storage, *PEOPLE, *CORPUS, *NOTES)
    return storage


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("printer", [4, 1]),  # ticket 4 through its public reply
        ("print", [4, 2, 1]),  # each term is a prefix: printer, printing
        ("pri", [4, 2, 1]),
        ("rinter", []),  # a prefix, never the middle of a word
        ("printers", []),  # longer than any word
        ("jam", [4, 1]),  # "jam" in a subject, "jams" in a body, "Jam." in a reply
        ("floor 3", [1]),
        ("12", [1]),
    ],
)
async def test_each_term_matches_as_a_word_prefix(
    corpus: Storage, raw: str, expected: list[int]
) -> None:
    assert await _search(corpus, raw) == expected


async def test_every_term_is_required(corpus: Storage) -> None:
    assert await _search(corpus, "printer slow") == []
    assert await _search(corpus, "printing slow") == [2]
    assert await _search(corpus, "printer morning") == [1]


async def test_terms_match_within_one_document_only(corpus: Storage) -> None:
    # Ticket 4 has "printer" in one reply and "jam" in another: two documents.
    assert await _search(corpus, "printer jam") == [1]
    assert await _search(corpus, "login printer") == []


async def test_subject_and_body_of_a_ticket_are_one_document(corpus: Storage) -> None:
    assert await _search(corpus, "coffee cold") == [3]
    assert await _search(corpus, "misc relevant") == [6]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PRINTING", [2]),
        ("Coffee", [3]),
        ("cafe", [3]),  # accents folded in the query...
        ("café", [3]),
        ("CAFÉ AU", [3]),
        ("ecran", [5]),  # ...and in the text
        ("écran NOIR", [5]),
    ],
)
async def test_matching_ignores_case_and_accents(
    corpus: Storage, raw: str, expected: list[int]
) -> None:
    assert await _search(corpus, raw) == expected


async def test_internal_notes_match_only_when_internal_text_is_included(
    corpus: Storage,
) -> None:
    assert await _search(corpus, "secretword") == []
    assert await _search(corpus, "supplier escalation") == []
    assert await _search(corpus, "secretword", include_internal=True) == [4]
    assert await _search(corpus, "supplier escalation", include_internal=True) == [4]


async def test_public_replies_match_with_or_without_internal_text(corpus: Storage) -> None:
    assert await _search(corpus, "again") == [4]
    assert await _search(corpus, "again", include_internal=True) == [4]


async def test_terms_combine_with_filters(corpus: Storage) -> None:
    assert await _search(corpus, "print", requester_id=2) == [4, 2]
    assert await _search(corpus, "print", statuses=frozenset({TicketStatus.OPEN})) == [2]
    assert await _search(corpus, "print", requester_id=1,
                         statuses=frozenset({TicketStatus.OPEN})) == []


async def test_updated_order_applies_to_search_results(corpus: Storage) -> None:
    bumped = CORPUS[0].changed(at(50))
    await corpus.write(lambda r: r.tickets.update(bumped))

    assert await _search(corpus, "print", order=TicketOrder.UPDATED) == [1, 4, 2]


async def test_a_ticket_matching_in_many_documents_is_listed_once(storage: Storage) -> None:
    await seed(
        storage, user(1), user(3, role=Role.AGENT),
        ticket(1, 1, subject="Router down", body="router router"),
        ticket(2, 1, subject="Other"),
        message(1, 1, 1, body="the router again"),
        message(2, 1, 3, body="router rebooted"),
        message(3, 1, 3, body="router note", visibility=Visibility.INTERNAL),
        message(4, 2, 1, body="my router too"),
    )

    for order in TicketOrder:
        found = await _search(storage, "router", include_internal=True, order=order)
        assert sorted(found) == [1, 2], order
        assert len(found) == 2, order


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"quoted"', [1]),
        ('"unbalanced', []),
        ("star*", [1]),
        ("*", None),
        ("(paren)", [1]),
        ("NEAR(paren caret, 1)", [1]),
        ("col:on", [1]),
        ("subject:caret", []),
        ("caret^", [1]),
        ("^caret", [1]),
        ("-minus", [1]),
        ("minus-sign", [1]),
        ("AND OR NOT", [1]),
        ("and or not near", [1]),
        ("it's", [1]),
        ("{brace} [bracket]", [1]),
        ("a + b", [1]),
        ("'; DROP TABLE tickets; --", []),
        ("100%", [1]),
        ("\\back\\slash", [1]),
    ],
)
async def test_query_syntax_characters_never_break_a_search(
    storage: Storage, raw: str, expected: list[int] | None
) -> None:
    await seed(
        storage, user(1),
        ticket(1, 1, subject="Syntax soup",
               body='He said "quoted" star* (paren) col:on caret^ minus-sign AND OR NOT '
                    "NEAR it's {brace} [bracket] a + b 100% \\back\\slash"),
        ticket(2, 1, subject="Plain", body="nothing to see"),
    )
    terms = search_terms(raw)

    for order in TicketOrder:
        page = await storage.read(lambda r, o=order: r.tickets.query(
            TicketQuery(terms=terms, order=o, limit=10)))
        if expected is None:  # no words at all: no text filter
            assert terms == ()
            assert sorted(page_ids(page)) == [1, 2]
        else:
            assert page_ids(page) == expected, order


async def test_an_underscored_word_can_be_searched_without_errors(storage: Storage) -> None:
    await seed(storage, user(1), ticket(1, 1, body="see config_file and end_of_line"))

    for order in TicketOrder:
        query = TicketQuery(terms=search_terms("config_file end_of"), order=order)
        page = await storage.read(lambda r, q=query: r.tickets.query(q))
        assert page.next_cursor is None


async def test_search_follows_edits_of_subjects_and_messages(storage: Storage) -> None:
    original = ticket(1, 1, subject="Keyboard broken")
    reply = message(1, 1, 1, body="the spacebar sticks")
    await seed(storage, user(1), original, reply)

    def edit(r: Repositories) -> None:
        r.tickets.update(original.changed(at(9), subject="Mouse broken"))
        r.messages.update(reply.edited("the scroll wheel squeaks", at(9)))

    await storage.write(edit)

    assert await _search(storage, "keyboard") == []
    assert await _search(storage, "spacebar") == []
    assert await _search(storage, "mouse") == [1]
    assert await _search(storage, "scroll squeaks") == [1]


async def test_search_finds_messages_added_after_the_ticket(storage: Storage) -> None:
    await seed(storage, user(1), ticket(1, 1, subject="Quiet ticket"))
    assert await _search(storage, "thunderbolt") == []

    await seed(storage, message(1, 1, 1, body="Thunderbolt dock flickers"))

    assert await _search(storage, "thunderbolt") == [1]


@pytest.mark.parametrize("order", [TicketOrder.NEWEST, TicketOrder.UPDATED])
async def test_search_results_page_with_cursors(storage: Storage, order: TicketOrder) -> None:
    tickets = [
        ticket(i, 1, subject=f"{'Disk' if i % 3 else 'Fan'} failure number {i}",
               updated_at=at(i % 4))
        for i in range(1, 21)
    ]
    await seed(storage, user(1), *tickets)
    matching = [t for t in tickets if t.subject.startswith("Disk")]
    if order is TicketOrder.NEWEST:
        expected = sorted((t.id for t in matching), reverse=True)
    else:
        expected = [t.id for t in sorted(matching, key=lambda t: (t.updated_at, t.id),
                                         reverse=True)]

    seen: list[int] = []
    query = TicketQuery(terms=("disk", "fail"), order=order, limit=4)
    for _ in range(10):
        page = await storage.read(lambda r, q=query: r.tickets.query(q))
        seen.extend(page_ids(page))
        if page.next_cursor is None:
            break
        query = replace(query, after=Cursor.decode(page.next_cursor))

    assert seen == expected


async def test_relevance_returns_the_matching_set_in_one_page(corpus: Storage) -> None:
    query = TicketQuery(terms=("print",), order=TicketOrder.RELEVANCE, limit=50)

    page = await corpus.read(lambda r: r.tickets.query(query))

    assert sorted(page_ids(page)) == [1, 2, 4]
    assert page.next_cursor is None


async def test_relevance_ranks_many_matches_above_one(storage: Storage) -> None:
    await seed(
        storage, user(1),
        ticket(1, 1, subject="Printer printer printer",
               body="printer printer printer printer printer"),
        ticket(2, 1, subject="Office supplies",
               body="We need paper, pens, a stapler, a printer cartridge and some folders "
                    "for the new office on the second floor before the move next week"),
        ticket(3, 1, subject="Nothing to do with it"),
    )
    query = TicketQuery(terms=("printer",), order=TicketOrder.RELEVANCE, limit=50)

    page = await storage.read(lambda r: r.tickets.query(query))

    assert page_ids(page) == [1, 2]
    assert page.next_cursor is None


async def test_relevance_applies_filters_and_internal_visibility(corpus: Storage) -> None:
    for include_internal, expected in ((False, []), (True, [4])):
        query = TicketQuery(terms=("secretword",), include_internal=include_internal,
                            order=TicketOrder.RELEVANCE)
        page = await corpus.read(lambda r, q=query: r.tickets.query(q))
        assert page_ids(page) == expected
    query = TicketQuery(terms=("print",), requester_id=1, order=TicketOrder.RELEVANCE)
    page = await corpus.read(lambda r: r.tickets.query(query))
    assert page_ids(page) == [1]


async def test_relevance_returns_at_most_limit_tickets_without_a_cursor(
    storage: Storage,
) -> None:
    await seed(storage, user(1), *[ticket(i, 1, subject=f"Scanner issue {i}")
                                   for i in range(1, 6)])
    query = TicketQuery(terms=("scanner",), order=TicketOrder.RELEVANCE, limit=2)

    page = await storage.read(lambda r: r.tickets.query(query))

    assert len(page.items) == 2
    assert set(page_ids(page)) <= {1, 2, 3, 4, 5}
    assert page.next_cursor is None
