"""Storage contract: request keys (D-18) — stored per user and key, their result
recorded later, old ones purged in bounded batches, nothing kept by a failed unit."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.request_keys import RequestKey

from ._factories import assert_same, at

pytestmark = pytest.mark.anyio


def key(user_id: int = 1, name: str = "k" * 16, *, minutes: float = 0,
        outcome: bytes | None = None) -> RequestKey:
    return RequestKey(user_id=user_id, key=name, method="message.post", digest="d" * 64,
                      created_at=at(minutes, micro=7), outcome=outcome)


async def test_a_key_round_trips_with_and_without_its_result(storage: Storage) -> None:
    pending, done = key(1, "a" * 16), key(1, "b" * 64, outcome=b'{"id":1,"body":"\\u00e9"}')
    await storage.write(lambda r: (r.request_keys.add(pending), r.request_keys.add(done)))

    assert_same(await storage.read(lambda r: r.request_keys.get(1, "a" * 16)), pending)
    assert_same(await storage.read(lambda r: r.request_keys.get(1, "b" * 64)), done)
    assert await storage.read(lambda r: r.request_keys.get(1, "c" * 16)) is None


async def test_keys_belong_to_a_user(storage: Storage) -> None:
    mine, theirs = key(1, outcome=b"1"), replace(key(2, outcome=b"2"), method="ticket.create")
    await storage.write(lambda r: (r.request_keys.add(mine), r.request_keys.add(theirs)))

    assert_same(await storage.read(lambda r: r.request_keys.get(1, "k" * 16)), mine)
    assert_same(await storage.read(lambda r: r.request_keys.get(2, "k" * 16)), theirs)


async def test_the_same_key_twice_for_a_user_is_refused_and_the_first_kept(
    storage: Storage,
) -> None:
    first = key(1, outcome=b"first")
    await storage.write(lambda r: r.request_keys.add(first))

    with pytest.raises(KeyError):
        await storage.write(lambda r: r.request_keys.add(key(1, outcome=b"second")))
    assert_same(await storage.read(lambda r: r.request_keys.get(1, "k" * 16)), first)


async def test_settle_records_the_result_of_a_stored_key_only(storage: Storage) -> None:
    await storage.write(lambda r: r.request_keys.add(key(1)))

    assert await storage.write(lambda r: r.request_keys.settle(1, "k" * 16, b"[1,2]"))
    assert not await storage.write(lambda r: r.request_keys.settle(1, "x" * 16, b"[3]"))
    assert not await storage.write(lambda r: r.request_keys.settle(2, "k" * 16, b"[3]"))
    found = await storage.read(lambda r: r.request_keys.get(1, "k" * 16))
    assert found is not None
    assert found.outcome == b"[1,2]"
    assert await storage.read(lambda r: r.request_keys.get(1, "x" * 16)) is None


async def test_a_failed_unit_of_work_keeps_no_key(storage: Storage) -> None:
    class Boom(Exception):
        pass

    def add_then_fail(repos: Repositories) -> None:
        repos.request_keys.add(key(1))
        raise Boom

    with pytest.raises(Boom):
        await storage.write(add_then_fail)
    assert await storage.read(lambda r: r.request_keys.get(1, "k" * 16)) is None


async def test_purge_forgets_old_keys_oldest_first_at_most_limit(storage: Storage) -> None:
    keys = [key(1, f"{n:016d}", minutes=n) for n in range(10)]

    def add_all(repos: Repositories) -> None:
        for record in keys:
            repos.request_keys.add(record)

    await storage.write(add_all)

    assert await storage.write(lambda r: r.request_keys.purge_before(at(6), limit=4)) == 4
    left = [await storage.read(lambda r, k=k: r.request_keys.get(1, k.key)) for k in keys]
    assert [k is not None for k in left] == [False] * 4 + [True] * 6
    assert await storage.write(lambda r: r.request_keys.purge_before(at(6), limit=4)) == 2
    assert await storage.write(lambda r: r.request_keys.purge_before(at(6), limit=4)) == 0
    # A key made exactly at the moment is not older than it.
    assert await storage.read(lambda r: r.request_keys.get(1, f"{6:016d}")) is not None
