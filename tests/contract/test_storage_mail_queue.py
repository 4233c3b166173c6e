"""Storage contract: the mail queue (due order, statuses, listing, bodies kept or dropped)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hero_assistance.domain.mail_queue import MailStatus
from hero_assistance.domain.ports import Repositories, Storage

from ._factories import assert_same, at, ids, mail, seed

pytestmark = pytest.mark.anyio


async def test_a_queued_mail_round_trips_every_field(storage: Storage) -> None:
    queued = mail(1, not_after=at(20, micro=77), attempts=2, last_error="451 try later",
                  last_attempt_at=at(3, micro=1),
                  headers=(("In-Reply-To", "<a@b>"), ("List-Unsubscribe", "<https://x/y>")))
    await seed(storage, queued)

    assert_same(await storage.read(lambda r: r.mail_queue.get(1)), queued)


async def test_a_sent_mail_without_its_body_round_trips(storage: Storage) -> None:
    sent = mail(1, status=MailStatus.SENT, text=None, html=None, attempts=1,
                sent_at=at(2, micro=3), last_attempt_at=at(2, micro=3), headers=())
    await seed(storage, sent)

    got = await storage.read(lambda r: r.mail_queue.get(1))

    assert_same(got, sent)
    assert got is not None
    assert not got.has_body


async def test_absent_mail_is_none_and_next_id_follows_the_highest(storage: Storage) -> None:
    await seed(storage, mail(1), mail(4))

    assert await storage.read(lambda r: r.mail_queue.get(2)) is None
    assert await storage.read(lambda r: r.mail_queue.next_id()) == 5


async def test_ids_and_message_keys_are_unique(storage: Storage) -> None:
    await seed(storage, mail(1))

    with pytest.raises(KeyError):
        await seed(storage, mail(1))
    with pytest.raises(KeyError):
        await seed(storage, replace(mail(2), message_key=mail(1).message_key))
    assert ids(await storage.read(lambda r: r.mail_queue.listing())) == [1]


async def test_update_replaces_and_an_unknown_id_is_refused(storage: Storage) -> None:
    await seed(storage, mail(1))
    sent = replace(mail(1), status=MailStatus.SENT, text=None, html=None, sent_at=at(5))

    await storage.write(lambda r: r.mail_queue.update(sent))

    assert_same(await storage.read(lambda r: r.mail_queue.get(1)), sent)
    with pytest.raises(KeyError):
        await storage.write(lambda r: r.mail_queue.update(mail(9)))


async def test_due_lists_pending_mail_due_by_now_soonest_first_then_by_id(
    storage: Storage,
) -> None:
    await seed(
        storage,
        mail(1, next_attempt_at=at(10)),
        mail(2, next_attempt_at=at(5)),
        mail(3, next_attempt_at=at(5)),
        mail(4, next_attempt_at=at(30)),  # not due yet
        mail(5, next_attempt_at=at(1), status=MailStatus.SENT, text=None, html=None),
        mail(6, next_attempt_at=at(1), status=MailStatus.FAILED),
    )

    due = await storage.read(lambda r: r.mail_queue.due(at(10), limit=10))
    first_two = await storage.read(lambda r: r.mail_queue.due(at(10), limit=2))

    assert ids(due) == [2, 3, 1]
    assert ids(first_two) == [2, 3]
    assert await storage.read(lambda r: r.mail_queue.due(at(4), limit=10)) == []


async def test_next_due_at_is_the_earliest_pending_attempt(storage: Storage) -> None:
    assert await storage.read(lambda r: r.mail_queue.next_due_at()) is None
    await seed(storage, mail(1, next_attempt_at=at(8, micro=5)),
               mail(2, next_attempt_at=at(3, micro=7)),
               mail(3, next_attempt_at=at(1), status=MailStatus.FAILED))

    assert await storage.read(lambda r: r.mail_queue.next_due_at()) == at(3, micro=7)


async def test_listing_is_newest_first_optionally_by_status_and_counts_add_up(
    storage: Storage,
) -> None:
    await seed(storage, mail(1), mail(2, status=MailStatus.SENT, text=None, html=None),
               mail(3, status=MailStatus.FAILED), mail(4), mail(5))

    def look(r: Repositories) -> tuple[list[int], list[int], list[int], dict[MailStatus, int]]:
        return (ids(r.mail_queue.listing()), ids(r.mail_queue.listing(status=MailStatus.PENDING)),
                ids(r.mail_queue.listing(limit=2)), r.mail_queue.counts())

    everything, pending, newest, counts = await storage.read(look)

    assert everything == [5, 4, 3, 2, 1]
    assert pending == [5, 4, 1]
    assert newest == [5, 4]
    assert counts == {MailStatus.PENDING: 3, MailStatus.SENT: 1, MailStatus.FAILED: 1}


async def test_a_failed_write_queues_nothing(storage: Storage) -> None:
    def queue_then_fail(r: Repositories) -> None:
        r.mail_queue.add(mail(1))
        raise RuntimeError("the change that caused the mail failed")

    with pytest.raises(RuntimeError):
        await storage.write(queue_then_fail)

    assert await storage.read(lambda r: r.mail_queue.listing()) == []
    assert await storage.read(lambda r: r.mail_queue.next_due_at()) is None


async def test_long_bodies_with_any_unicode_round_trip(storage: Storage) -> None:
    body = "\u202e\u0000zero\ttab\r\n" + "é" * 100_000 + "\U0001f600"
    queued = mail(1, text=body, html=f"<pre>{body}</pre>",
                  next_attempt_at=at(1) + timedelta(microseconds=999_999))
    await seed(storage, queued)

    assert_same(await storage.read(lambda r: r.mail_queue.get(1)), queued)
