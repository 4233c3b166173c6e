"""Storage contract: magic links (hashes only, looked up by token, device and user)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hero_assistance.domain.magic_links import hash_secret
from hero_assistance.domain.ports import Repositories, Storage

from ._factories import address, assert_same, at, ids, link, seed, user

pytestmark = pytest.mark.anyio


async def test_a_pending_link_round_trips_every_field(storage: Storage) -> None:
    pending = link(1, 1, device_addr=address(7), device_label="Zoë\u2019s phone",
                   created_at=at(3, micro=456789))
    await seed(storage, user(1), pending)

    got = await storage.read(lambda r: r.magic_links.get(1))

    assert_same(got, pending)
    assert got is not None
    assert got.consumed_at is None
    assert got.revoked is False


async def test_a_spent_link_round_trips_attempts_consumption_and_withdrawal(
    storage: Storage,
) -> None:
    spent = link(1, 1, attempts=4, consumed_at=at(10, micro=1), revoked=True)
    await seed(storage, user(1), spent)

    assert_same(await storage.read(lambda r: r.magic_links.get(1)), spent)


async def test_absent_links_are_none(storage: Storage) -> None:
    await seed(storage, user(1), link(1, 1))

    assert await storage.read(lambda r: r.magic_links.get(2)) is None
    assert await storage.read(
        lambda r: r.magic_links.by_token_hash(hash_secret("token-2"))) is None


async def test_by_token_hash_finds_the_link_of_that_token(storage: Storage) -> None:
    wanted = link(2, 1)
    await seed(storage, user(1), link(1, 1), wanted, link(3, 1))

    got = await storage.read(lambda r: r.magic_links.by_token_hash(hash_secret("token-2")))

    assert_same(got, wanted)


async def test_for_device_for_user_and_all_list_by_id(storage: Storage) -> None:
    phone, laptop = address(1), address(2)
    await seed(
        storage, user(1), user(2),
        link(3, 1, device_addr=phone, created_at=at(1)),
        link(1, 2, device_addr=laptop, created_at=at(3)),
        link(4, 2, device_addr=phone, created_at=at(0)),
        link(2, 1, device_addr=phone, created_at=at(2)),
    )

    def lists(r: Repositories) -> dict[str, list[int]]:
        return {
            "phone": ids(r.magic_links.for_device(phone)),
            "laptop": ids(r.magic_links.for_device(laptop)),
            "elsewhere": ids(r.magic_links.for_device(address(3))),
            "user 1": ids(r.magic_links.for_user(1)),
            "user 2": ids(r.magic_links.for_user(2)),
            "user 3": ids(r.magic_links.for_user(3)),
            "all": ids(r.magic_links.all()),
        }

    assert await storage.read(lists) == {
        "phone": [2, 3, 4],
        "laptop": [1],
        "elsewhere": [],
        "user 1": [2, 3],
        "user 2": [1, 4],
        "user 3": [],
        "all": [1, 2, 3, 4],
    }


async def test_update_records_wrong_codes_consumption_and_withdrawal(storage: Storage) -> None:
    original = link(1, 1)
    await seed(storage, user(1), original, link(2, 1))
    later = original.with_wrong_attempt().with_wrong_attempt().consumed(at(12, micro=5))

    await storage.write(lambda r: r.magic_links.update(later))
    await storage.write(lambda r: r.magic_links.update(later.withdrawn()))

    assert_same(await storage.read(lambda r: r.magic_links.get(1)),
                replace(later, revoked=True))
    assert_same(await storage.read(lambda r: r.magic_links.get(2)), link(2, 1))


async def test_next_id_is_max_plus_one_and_advances_inside_a_write(storage: Storage) -> None:
    assert await storage.read(lambda r: r.magic_links.next_id()) == 1
    await seed(storage, user(1), link(4, 1))

    def issue_two(r: Repositories) -> list[int]:
        first = r.magic_links.next_id()
        r.magic_links.add(link(first, 1))
        second = r.magic_links.next_id()
        r.magic_links.add(link(second, 1))
        return [first, second]

    assert await storage.read(lambda r: r.magic_links.next_id()) == 5
    assert await storage.write(issue_two) == [5, 6]
    assert ids(await storage.read(lambda r: r.magic_links.all())) == [4, 5, 6]
