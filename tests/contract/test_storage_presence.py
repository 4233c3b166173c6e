"""Storage contract: the last heartbeat of each device."""

from __future__ import annotations

import pytest

from hero_assistance.domain.identity import Role
from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.presence import Presence, PresenceState

from ._factories import address, assert_same, at, device, presence, seed, ticket, user

pytestmark = pytest.mark.anyio

A, B, C, D = address(0xA), address(0xB), address(0xC), address(0xD)
SETUP = [
    user(1), user(2, role=Role.AGENT), ticket(1, 1), ticket(2, 1),
    device(A, 1), device(B, 2), device(C, 2), device(D, 1),
]


def _addresses(found: list[Presence]) -> list[str]:
    return [p.device_addr for p in found]


async def test_a_heartbeat_round_trips_every_field(storage: Storage) -> None:
    typing = presence(A, 1, role=Role.CUSTOMER, state=PresenceState.AWAY, viewing=2,
                      typing=True, last_seen=at(3, micro=654321))
    idle = presence(B, 2, role=Role.AGENT, state=PresenceState.OFFLINE, viewing=None,
                    typing=False, last_seen=at(4, micro=1))
    await seed(storage, *SETUP, typing, idle)

    got = await storage.read(lambda r: (r.presence.get(A), r.presence.get(B)))

    assert_same(got, (typing, idle))


async def test_a_device_without_heartbeat_is_none(storage: Storage) -> None:
    await seed(storage, *SETUP, presence(A, 1))

    assert await storage.read(lambda r: r.presence.get(B)) is None


async def test_put_replaces_the_previous_heartbeat_of_the_device(storage: Storage) -> None:
    await seed(storage, *SETUP, presence(A, 1, viewing=1, typing=True, last_seen=at(1)))
    newer = presence(A, 1, state=PresenceState.AWAY, viewing=None, last_seen=at(2))

    await storage.write(lambda r: r.presence.put(newer))

    assert_same(await storage.read(lambda r: r.presence.all()), [newer])


async def test_remove_forgets_a_device_and_tolerates_an_unknown_one(storage: Storage) -> None:
    await seed(storage, *SETUP, presence(A, 1), presence(B, 2))

    def sign_off(r: Repositories) -> None:
        r.presence.remove(A)
        r.presence.remove(C)

    await storage.write(sign_off)

    assert _addresses(await storage.read(lambda r: r.presence.all())) == [B]


async def test_all_and_on_ticket_are_sorted_by_device_address(storage: Storage) -> None:
    await seed(storage, *SETUP,
               presence(D, 1, viewing=1), presence(B, 2, viewing=1, typing=True),
               presence(C, 2, viewing=2), presence(A, 1, viewing=None))

    def lists(r: Repositories) -> dict[str, list[str]]:
        return {
            "all": _addresses(r.presence.all()),
            "ticket 1": _addresses(r.presence.on_ticket(1)),
            "ticket 2": _addresses(r.presence.on_ticket(2)),
            "ticket 3": _addresses(r.presence.on_ticket(3)),
        }

    assert await storage.read(lists) == {
        "all": [A, B, C, D],
        "ticket 1": [B, D],
        "ticket 2": [C],
        "ticket 3": [],
    }


async def test_moving_to_another_ticket_leaves_the_first(storage: Storage) -> None:
    await seed(storage, *SETUP, presence(A, 1, viewing=1))

    await storage.write(lambda r: r.presence.put(presence(A, 1, viewing=2, last_seen=at(9))))

    assert await storage.read(lambda r: r.presence.on_ticket(1)) == []
    assert _addresses(await storage.read(lambda r: r.presence.on_ticket(2))) == [A]
