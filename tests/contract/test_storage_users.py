"""Storage contract: the user repository."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hero_assistance.domain.identity import Role, UserStatus
from hero_assistance.domain.ports import Repositories, Storage

from ._factories import assert_same, at, ids, seed, user

pytestmark = pytest.mark.anyio


async def test_a_user_round_trips_every_field(storage: Storage) -> None:
    admin = user(1, email="zoë.admin@example.com", role=Role.ADMIN,
                 status=UserStatus.INVITED, display_name='Zoë "Z" O\'Brien-Łukasz',
                 created_at=at(0, micro=1))
    await seed(storage, admin)

    got = await storage.read(lambda r: r.users.get(1))

    assert_same(got, admin)


async def test_an_absent_user_is_none(storage: Storage) -> None:
    await seed(storage, user(1))

    assert await storage.read(lambda r: r.users.get(2)) is None
    assert await storage.read(lambda r: r.users.by_email("nobody@example.com")) is None


async def test_by_email_finds_the_user_with_that_email(storage: Storage) -> None:
    first, second = user(1), user(2, email="second@example.com", role=Role.AGENT)
    await seed(storage, first, second)

    got = await storage.read(lambda r: r.users.by_email("second@example.com"))

    assert_same(got, second)


async def test_update_replaces_every_changed_field(storage: Storage) -> None:
    original = user(1, role=Role.CUSTOMER, status=UserStatus.INVITED)
    await seed(storage, original, user(2))
    changed = replace(original, display_name="Renamed", role=Role.ADMIN,
                      status=UserStatus.DISABLED)

    await storage.write(lambda r: r.users.update(changed))

    assert_same(await storage.read(lambda r: r.users.get(1)), changed)
    assert_same(await storage.read(lambda r: r.users.get(2)), user(2))


async def test_list_is_ordered_by_id_and_filters_by_role_and_status(storage: Storage) -> None:
    people = [
        user(4, role=Role.AGENT, status=UserStatus.ACTIVE),
        user(1, role=Role.ADMIN, status=UserStatus.ACTIVE),
        user(3, role=Role.CUSTOMER, status=UserStatus.INVITED),
        user(2, role=Role.AGENT, status=UserStatus.DISABLED),
        user(5, role=Role.CUSTOMER, status=UserStatus.ACTIVE),
    ]
    await seed(storage, *people)

    def lists(r: Repositories) -> dict[str, list[int]]:
        return {
            "all": ids(r.users.list()),
            "agents": ids(r.users.list(role=Role.AGENT)),
            "active": ids(r.users.list(status=UserStatus.ACTIVE)),
            "active customers": ids(r.users.list(role=Role.CUSTOMER,
                                                 status=UserStatus.ACTIVE)),
            "invited admins": ids(r.users.list(role=Role.ADMIN, status=UserStatus.INVITED)),
        }

    assert await storage.read(lists) == {
        "all": [1, 2, 3, 4, 5],
        "agents": [2, 4],
        "active": [1, 4, 5],
        "active customers": [5],
        "invited admins": [],
    }
    listed = await storage.read(lambda r: r.users.list())
    for got, expected in zip(listed, sorted(people, key=lambda u: u.id), strict=True):
        assert_same(got, expected)


async def test_next_id_is_one_on_an_empty_store(storage: Storage) -> None:
    assert await storage.read(lambda r: r.users.next_id()) == 1


async def test_next_id_is_one_past_the_highest_id(storage: Storage) -> None:
    await seed(storage, user(1), user(7), user(3))

    assert await storage.read(lambda r: r.users.next_id()) == 8


async def test_next_id_moves_on_after_each_add_inside_one_write(storage: Storage) -> None:
    def enroll_three(r: Repositories) -> list[int]:
        taken = []
        for _ in range(3):
            new_id = r.users.next_id()
            r.users.add(user(new_id))
            taken.append(new_id)
        return taken

    assert await storage.write(enroll_three) == [1, 2, 3]
    assert ids(await storage.read(lambda r: r.users.list())) == [1, 2, 3]


async def test_a_second_user_with_the_same_email_is_refused(storage: Storage) -> None:
    await seed(storage, user(1, email="taken@example.com"))

    def enroll_twice(r: Repositories) -> None:
        r.users.add(user(2, email="other@example.com"))
        r.users.add(user(3, email="taken@example.com"))

    # The port names no error for a broken constraint; what matters is that the
    # write fails and keeps nothing of what it did.
    with pytest.raises(Exception):  # noqa: B017, PT011
        await storage.write(enroll_twice)

    assert ids(await storage.read(lambda r: r.users.list())) == [1]
