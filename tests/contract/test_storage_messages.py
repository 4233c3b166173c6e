"""Storage contract: messages on tickets and the bodies they had before each edit."""

from __future__ import annotations

import pytest

from hero_assistance.domain.identity import Role
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.ports import Repositories, Storage

from ._factories import (
    assert_same,
    at,
    attachment,
    ids,
    message,
    revision,
    seed,
    ticket,
    user,
)

pytestmark = pytest.mark.anyio

PEOPLE = [user(1), user(2, role=Role.AGENT)]
IMAGES = [attachment(b"image one"), attachment(b"image two"), attachment(b"image three")]


async def test_a_reply_round_trips_every_field(storage: Storage) -> None:
    refs = (IMAGES[2].sha256, IMAGES[0].sha256, IMAGES[1].sha256)  # order is meaningful
    root = message(1, 1, 1, body="First line\n\n**bold** _em_ `code` \"q\" 'q' Café 🙂")
    reply = message(2, 1, 2, body="Answer", parent_id=1, attachments=refs,
                    created_at=at(3, micro=456), edited_at=at(4, micro=789))
    await seed(storage, *PEOPLE, *IMAGES, ticket(1, 1), root, reply)

    got = await storage.read(lambda r: (r.messages.get(1), r.messages.get(2)))

    assert_same(got, (root, reply))


async def test_an_internal_note_keeps_its_visibility(storage: Storage) -> None:
    note = message(1, 1, 2, body="between us", visibility=Visibility.INTERNAL)
    await seed(storage, *PEOPLE, ticket(1, 1), note)

    got = await storage.read(lambda r: r.messages.get(1))

    assert_same(got, note)
    assert got is not None
    assert got.is_internal


async def test_an_absent_message_is_none(storage: Storage) -> None:
    await seed(storage, *PEOPLE, ticket(1, 1), message(1, 1, 1))

    assert await storage.read(lambda r: r.messages.get(2)) is None


async def test_for_ticket_lists_the_tickets_messages_by_id(storage: Storage) -> None:
    await seed(
        storage, *PEOPLE, ticket(1, 1), ticket(2, 1),
        message(3, 1, 1, created_at=at(1)),
        message(1, 1, 2, created_at=at(3)),
        message(2, 2, 1),
        message(5, 1, 2, visibility=Visibility.INTERNAL, parent_id=3),
        message(4, 1, 1, parent_id=1),
    )

    def lists(r: Repositories) -> dict[str, list[int]]:
        return {
            "public": ids(r.messages.for_ticket(1, include_internal=False)),
            "staff": ids(r.messages.for_ticket(1, include_internal=True)),
            "other ticket": ids(r.messages.for_ticket(2, include_internal=True)),
            "no messages": ids(r.messages.for_ticket(3, include_internal=True)),
        }

    assert await storage.read(lists) == {
        "public": [1, 3, 4],
        "staff": [1, 3, 4, 5],
        "other ticket": [2],
        "no messages": [],
    }


async def test_for_ticket_pages_with_after_id_and_limit(storage: Storage) -> None:
    notes = {3, 6}
    await seed(storage, *PEOPLE, ticket(1, 1), *[
        message(i, 1, 2, visibility=Visibility.INTERNAL if i in notes else Visibility.PUBLIC)
        for i in range(1, 10)
    ])

    def pages(r: Repositories) -> dict[str, list[int]]:
        return {
            "first two": ids(r.messages.for_ticket(1, include_internal=False, limit=2)),
            "after 2": ids(r.messages.for_ticket(1, include_internal=False, after_id=2,
                                                 limit=2)),
            "after 2 staff": ids(r.messages.for_ticket(1, include_internal=True, after_id=2,
                                                       limit=2)),
            "after the last": ids(r.messages.for_ticket(1, include_internal=True,
                                                        after_id=9)),
            "rest": ids(r.messages.for_ticket(1, include_internal=False, after_id=5)),
        }

    assert await storage.read(pages) == {
        "first two": [1, 2],
        "after 2": [4, 5],
        "after 2 staff": [3, 4],
        "after the last": [],
        "rest": [7, 8, 9],
    }


async def test_for_ticket_returns_whole_messages(storage: Storage) -> None:
    reply = message(1, 1, 1, attachments=(IMAGES[1].sha256,), edited_at=at(8))
    await seed(storage, *PEOPLE, *IMAGES, ticket(1, 1), reply)

    got = await storage.read(lambda r: r.messages.for_ticket(1, include_internal=False))

    assert_same(got, [reply])


async def test_update_stores_the_edited_body_and_time(storage: Storage) -> None:
    original = message(1, 1, 1, body="typo")
    await seed(storage, *PEOPLE, ticket(1, 1), original, message(2, 1, 2))
    edited = original.edited("fixed", at(7, micro=77))

    await storage.write(lambda r: r.messages.update(edited))

    assert_same(await storage.read(lambda r: r.messages.get(1)), edited)
    assert_same(await storage.read(lambda r: r.messages.get(2)), message(2, 1, 2))


async def test_next_id_is_max_plus_one_and_advances_inside_a_write(storage: Storage) -> None:
    await seed(storage, *PEOPLE, ticket(1, 1))
    assert await storage.read(lambda r: r.messages.next_id()) == 1
    await seed(storage, message(5, 1, 1))

    def post_two(r: Repositories) -> list[int]:
        first = r.messages.next_id()
        r.messages.add(message(first, 1, 1))
        second = r.messages.next_id()
        r.messages.add(message(second, 1, 2, parent_id=first))
        return [first, second]

    assert await storage.write(post_two) == [6, 7]
    assert ids(await storage.read(lambda r: r.messages.for_ticket(1, include_internal=True))
               ) == [5, 6, 7]


async def test_revisions_round_trip_and_list_by_number(storage: Storage) -> None:
    first = revision(1, 1, 1, "original text", at(10, micro=1))
    second = revision(1, 2, 2, "second text", at(11, micro=2))
    third = revision(1, 3, 1, "third text\nwith a line", at(12, micro=3))
    await seed(storage, *PEOPLE, ticket(1, 1), message(1, 1, 1), message(2, 1, 1))
    await seed(storage, second, revision(2, 1, 1, "other message"), third, first)

    got = await storage.read(lambda r: r.messages.revisions(1))

    assert_same(got, [first, second, third])
    assert [v.body for v in await storage.read(lambda r: r.messages.revisions(2))] == [
        "other message"]


async def test_a_message_never_edited_has_no_revisions(storage: Storage) -> None:
    await seed(storage, *PEOPLE, ticket(1, 1), message(1, 1, 1))

    assert await storage.read(lambda r: r.messages.revisions(1)) == []


async def test_an_edit_stores_the_revision_and_the_new_body_together(storage: Storage) -> None:
    original = message(1, 1, 1, body="v1")
    await seed(storage, *PEOPLE, ticket(1, 1), original)

    def edit(r: Repositories, body: str, when: int) -> None:
        current = r.messages.get(1)
        assert current is not None
        number = len(r.messages.revisions(1)) + 1
        r.messages.add_revision(revision(1, number, 1, current.body, at(when)))
        r.messages.update(current.edited(body, at(when)))

    await storage.write(lambda r: edit(r, "v2", 1))
    await storage.write(lambda r: edit(r, "v3", 2))

    got = await storage.read(lambda r: (r.messages.get(1), r.messages.revisions(1)))

    assert_same(got, (original.edited("v3", at(2)),
                      [revision(1, 1, 1, "v1", at(1)), revision(1, 2, 1, "v2", at(2))]))
