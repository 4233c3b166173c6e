"""Storage contract: device bindings (overlay address -> user)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hero_assistance.domain.identity import DeviceBinding
from hero_assistance.domain.ports import Repositories, Storage

from ._factories import address, assert_same, at, device, presence, seed, user

pytestmark = pytest.mark.anyio


def _addresses(bindings: list[DeviceBinding]) -> list[str]:
    return [b.address for b in bindings]


async def test_a_binding_round_trips_every_field(storage: Storage) -> None:
    binding = device(address(1), 1, label="Zoë's ThinkPad “work”",
                     bound_at=at(5, micro=123), last_seen=at(9, micro=987654))
    await seed(storage, user(1), binding)

    assert_same(await storage.read(lambda r: r.devices.get(address(1))), binding)


async def test_an_unbound_address_is_none(storage: Storage) -> None:
    await seed(storage, user(1), device(address(1), 1))

    assert await storage.read(lambda r: r.devices.get(address(2))) is None


async def test_for_user_lists_only_that_users_devices_by_bound_time_then_address(
    storage: Storage,
) -> None:
    a, b, c, d = address(0xA), address(0xB), address(0xC), address(0xD)
    await seed(
        storage, user(1), user(2),
        device(c, 1, bound_at=at(3)),
        device(b, 1, bound_at=at(1)),
        device(d, 2, bound_at=at(0)),
        device(a, 1, bound_at=at(3)),  # same moment as c: the address decides
    )

    mine = await storage.read(lambda r: r.devices.for_user(1))

    assert _addresses(mine) == [b, a, c]
    assert _addresses(await storage.read(lambda r: r.devices.for_user(2))) == [d]
    assert await storage.read(lambda r: r.devices.for_user(3)) == []
    assert_same(mine[0], device(b, 1, bound_at=at(1)))


async def test_all_lists_every_binding_by_user_then_bound_time(storage: Storage) -> None:
    a, b, c = address(0xA), address(0xB), address(0xC)
    await seed(storage, user(1), user(2),
               device(a, 2, bound_at=at(0)), device(b, 1, bound_at=at(2)),
               device(c, 1, bound_at=at(1)))

    assert _addresses(await storage.read(lambda r: r.devices.all())) == [c, b, a]


async def test_update_changes_label_and_last_seen(storage: Storage) -> None:
    binding = device(address(1), 1)
    await seed(storage, user(1), binding)
    touched = replace(binding, label="renamed", last_seen=at(99, micro=42))

    await storage.write(lambda r: r.devices.update(touched))

    assert_same(await storage.read(lambda r: r.devices.get(address(1))), touched)


async def test_remove_unbinds_and_tolerates_an_unknown_address(storage: Storage) -> None:
    await seed(storage, user(1), device(address(1), 1), device(address(2), 1))

    def revoke(r: Repositories) -> None:
        r.devices.remove(address(1))
        r.devices.remove(address(9))

    await storage.write(revoke)

    assert await storage.read(lambda r: r.devices.get(address(1))) is None
    assert _addresses(await storage.read(lambda r: r.devices.for_user(1))) == [address(2)]


async def test_a_revoked_address_can_be_bound_again_to_another_user(storage: Storage) -> None:
    await seed(storage, user(1), user(2), device(address(1), 1))
    rebound = device(address(1), 2, label="second life", bound_at=at(50))

    def rebind(r: Repositories) -> None:
        r.devices.remove(address(1))
        r.devices.add(rebound)

    await storage.write(rebind)

    assert_same(await storage.read(lambda r: r.devices.get(address(1))), rebound)
    assert await storage.read(lambda r: r.devices.for_user(1)) == []


async def test_revoking_a_device_that_has_presence_removes_both(storage: Storage) -> None:
    # The device-revocation use case removes the binding first, then the presence.
    await seed(storage, user(1), device(address(1), 1), presence(address(1), 1))

    def revoke(r: Repositories) -> None:
        r.devices.remove(address(1))
        r.presence.remove(address(1))

    await storage.write(revoke)

    assert await storage.read(lambda r: r.devices.get(address(1))) is None
    assert await storage.read(lambda r: r.presence.get(address(1))) is None
