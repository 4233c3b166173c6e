"""Storage contract: the sign-in request log (what mailed whom, forgetting old rows)."""

from __future__ import annotations

import pytest

from hero_assistance.domain.ports import Storage
from hero_assistance.domain.sign_in_requests import SignInOutcome

from ._factories import address, assert_same, at, ids, seed, sign_in

pytestmark = pytest.mark.anyio


async def test_a_request_round_trips_every_field(storage: Storage) -> None:
    mailed = sign_in(1, user_id=7, link_id=3, when=at(2, micro=123))
    unknown = sign_in(2, user_id=None, outcome=SignInOutcome.UNKNOWN)
    await seed(storage, mailed, unknown)

    recent = await storage.read(lambda r: r.sign_in_requests.recent(limit=10))

    assert_same(recent, [unknown, mailed])


async def test_mailed_since_lists_only_mailed_requests_of_that_user_after_the_moment(
    storage: Storage,
) -> None:
    await seed(
        storage,
        sign_in(1, user_id=1, when=at(0)),                     # too old
        sign_in(2, user_id=1, when=at(10), device_addr=address(5)),
        sign_in(3, user_id=2, when=at(11)),                    # someone else
        sign_in(4, user_id=1, when=at(12), outcome=SignInOutcome.MAILBOX_FULL),
        sign_in(5, user_id=1, when=at(13), outcome=SignInOutcome.DISABLED),
        sign_in(6, user_id=None, when=at(14), outcome=SignInOutcome.UNKNOWN),
        sign_in(7, user_id=1, when=at(15), device_addr=address(6)),
    )

    found = await storage.read(lambda r: r.sign_in_requests.mailed_since(1, at(0)))
    nobody = await storage.read(lambda r: r.sign_in_requests.mailed_since(None, at(-60)))

    assert ids(found) == [2, 7]
    assert [r.device_addr for r in found] == [address(5), address(6)]
    assert nobody == []


async def test_recent_is_newest_first_and_bounded(storage: Storage) -> None:
    await seed(storage, *(sign_in(n) for n in range(1, 6)))

    assert ids(await storage.read(lambda r: r.sign_in_requests.recent(limit=3))) == [5, 4, 3]
    assert await storage.read(lambda r: r.sign_in_requests.next_id()) == 6


async def test_forget_before_deletes_only_older_requests(storage: Storage) -> None:
    await seed(storage, sign_in(1, when=at(1)), sign_in(2, when=at(2)), sign_in(3, when=at(3)))

    assert await storage.write(lambda r: r.sign_in_requests.forget_before(at(2))) == 1
    assert ids(await storage.read(lambda r: r.sign_in_requests.recent(limit=10))) == [3, 2]


async def test_a_taken_id_is_refused(storage: Storage) -> None:
    await seed(storage, sign_in(1))

    with pytest.raises(KeyError):
        await seed(storage, sign_in(1))


async def test_received_requests_are_listed_oldest_first_until_handled(
    storage: Storage,
) -> None:
    waiting = [sign_in(n, user_id=None, outcome=SignInOutcome.RECEIVED,
                       email=f"Zoë{n}@example.com") for n in (1, 3, 4)]
    await seed(storage, waiting[0], sign_in(2), *waiting[1:])

    assert_same(await storage.read(lambda r: r.sign_in_requests.received(limit=10)), waiting)
    assert ids(await storage.read(lambda r: r.sign_in_requests.received(limit=2))) == [1, 3]

    handled = waiting[0].handled(SignInOutcome.MAILED, user_id=7, link_id=9)
    await storage.write(lambda r: r.sign_in_requests.update(handled))

    assert ids(await storage.read(lambda r: r.sign_in_requests.received(limit=10))) == [3, 4]
    [got] = [r for r in await storage.read(lambda r: r.sign_in_requests.recent(limit=10))
             if r.id == 1]
    assert_same(got, handled)
    assert got.email is None  # the email asked for is not kept once handled


async def test_updating_an_unknown_request_is_refused(storage: Storage) -> None:
    with pytest.raises(KeyError):
        await storage.write(lambda r: r.sign_in_requests.update(sign_in(5)))
