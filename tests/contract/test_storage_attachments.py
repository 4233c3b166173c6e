"""Storage contract: attachment metadata, uploaders, and the tickets that reference one."""

from __future__ import annotations

import pytest

from hero_assistance.domain.identity import Role
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.ports import Repositories, Storage

from ._factories import Uploader, assert_same, at, attachment, message, seed, ticket, user

pytestmark = pytest.mark.anyio

PEOPLE = [user(1), user(2), user(3, role=Role.AGENT)]
IMAGE = attachment(b"\x89PNG fake bytes", mime="image/webp", width=1, height=65535,
                   created_at=at(2, micro=222222))
OTHER = attachment(b"other bytes", mime="image/gif")


async def test_metadata_round_trips_every_field(storage: Storage) -> None:
    await seed(storage, IMAGE, OTHER)

    got = await storage.read(lambda r: (r.attachments.get(IMAGE.sha256),
                                        r.attachments.get(OTHER.sha256)))

    assert_same(got, (IMAGE, OTHER))


async def test_an_unknown_attachment_is_none(storage: Storage) -> None:
    await seed(storage, IMAGE)

    assert await storage.read(lambda r: r.attachments.get(OTHER.sha256)) is None


async def test_uploaders_are_remembered_per_attachment_and_user(storage: Storage) -> None:
    await seed(storage, *PEOPLE, IMAGE, OTHER,
               Uploader(IMAGE.sha256, 1, at(3)), Uploader(OTHER.sha256, 2, at(4)))

    def check(r: Repositories) -> dict[str, bool]:
        return {
            "1 uploaded image": r.attachments.is_uploader(IMAGE.sha256, 1),
            "2 uploaded image": r.attachments.is_uploader(IMAGE.sha256, 2),
            "2 uploaded other": r.attachments.is_uploader(OTHER.sha256, 2),
            "1 uploaded other": r.attachments.is_uploader(OTHER.sha256, 1),
            "unknown blob": r.attachments.is_uploader("0" * 64, 1),
        }

    assert await storage.read(check) == {
        "1 uploaded image": True,
        "2 uploaded image": False,
        "2 uploaded other": True,
        "1 uploaded other": False,
        "unknown blob": False,
    }


async def test_a_second_uploader_of_the_same_content_is_added(storage: Storage) -> None:
    await seed(storage, *PEOPLE, IMAGE, Uploader(IMAGE.sha256, 1, at(3)))

    await seed(storage, Uploader(IMAGE.sha256, 2, at(5)))

    assert await storage.read(lambda r: [r.attachments.is_uploader(IMAGE.sha256, u)
                                         for u in (1, 2, 3)]) == [True, True, False]


async def test_an_upload_stores_metadata_and_uploader_together(storage: Storage) -> None:
    await seed(storage, *PEOPLE)

    def record(r: Repositories) -> None:
        r.attachments.add(IMAGE)
        r.attachments.add_uploader(IMAGE.sha256, 2, at(1))

    await storage.write(record)

    assert await storage.read(lambda r: r.attachments.is_uploader(IMAGE.sha256, 2))


async def test_referencing_tickets_lists_each_ticket_once(storage: Storage) -> None:
    await seed(
        storage, *PEOPLE, IMAGE, OTHER,
        ticket(1, 1, subject="One"), ticket(2, 2), ticket(3, 1), ticket(4, 2),
        message(1, 1, 1, attachments=(IMAGE.sha256,)),
        message(2, 1, 3, attachments=(OTHER.sha256, IMAGE.sha256)),
        message(3, 3, 1, attachments=(IMAGE.sha256,)),
        message(4, 4, 2, attachments=(OTHER.sha256,)),
        message(5, 2, 2, body="no image"),
    )

    found = await storage.read(
        lambda r: r.attachments.referencing_tickets(IMAGE.sha256, include_internal=True))

    assert sorted(t.id for t in found) == [1, 3]
    assert len(found) == 2
    assert_same(next(t for t in found if t.id == 1), ticket(1, 1, subject="One"))


async def test_referencing_tickets_hides_internal_notes_unless_asked(storage: Storage) -> None:
    await seed(
        storage, *PEOPLE, IMAGE, ticket(1, 1), ticket(2, 2), ticket(3, 1),
        message(1, 1, 1, attachments=(IMAGE.sha256,)),
        message(2, 2, 3, attachments=(IMAGE.sha256,), visibility=Visibility.INTERNAL),
        message(3, 3, 3, attachments=(IMAGE.sha256,), visibility=Visibility.INTERNAL),
        message(4, 3, 1, attachments=(IMAGE.sha256,)),
    )

    def both(r: Repositories) -> tuple[list[int], list[int]]:
        public = r.attachments.referencing_tickets(IMAGE.sha256, include_internal=False)
        staff = r.attachments.referencing_tickets(IMAGE.sha256, include_internal=True)
        return [t.id for t in public], [t.id for t in staff]

    public, staff = await storage.read(both)

    assert (sorted(public), len(public)) == ([1, 3], 2)
    assert (sorted(staff), len(staff)) == ([1, 2, 3], 3)


async def test_an_unreferenced_attachment_has_no_tickets(storage: Storage) -> None:
    await seed(storage, *PEOPLE, IMAGE, ticket(1, 1), message(1, 1, 1))

    assert await storage.read(lambda r: r.attachments.referencing_tickets(
        IMAGE.sha256, include_internal=True)) == []


async def test_referencing_tickets_follows_message_edits_that_keep_attachments(
    storage: Storage,
) -> None:
    reply = message(1, 1, 1, body="see picture", attachments=(IMAGE.sha256,))
    await seed(storage, *PEOPLE, IMAGE, ticket(1, 1), reply)

    await storage.write(lambda r: r.messages.update(reply.edited("see the picture", at(9))))

    assert [t.id for t in await storage.read(lambda r: r.attachments.referencing_tickets(
        IMAGE.sha256, include_internal=False))] == [1]
