"""Identifying a device from memory: no read per request, and never a stale answer.

The server shares one ``KnownDevices`` between ``Accounts`` (which identifies) and
``DeviceEnrollment`` (which binds and revokes); every change to who a device is must
take effect at the device's next request, exactly as with a read per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import pytest

from hero_assistance.domain.errors import Forbidden
from hero_assistance.domain.identity import CallerIdentity, Role, UnboundDevice
from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.services import Accounts, DeviceEnrollment, KnownDevices

from .conftest import Harness, Person, link_url

pytestmark = pytest.mark.anyio

T = TypeVar("T")


class CountedStorage:
    """The harness's storage, counting reads; a read can be held until released."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.reads = 0
        self.hold: anyio.Event | None = None
        self.reading = anyio.Event()

    async def read(self, work: Callable[[Repositories], T]) -> T:
        self.reads += 1
        result = await self.inner.read(work)
        self.reading.set()
        if self.hold is not None:
            await self.hold.wait()
        return result

    async def write(self, work: Callable[[Repositories], T]) -> T:
        return await self.inner.write(work)


@pytest.fixture
def known() -> KnownDevices:
    return KnownDevices()


@pytest.fixture
def storage(harness: Harness, known: KnownDevices) -> CountedStorage:
    """Rewire the harness as the server is wired: one memory for both services."""
    counted = CountedStorage(harness.storage)
    harness.accounts = Accounts(counted, harness.clock, known)
    harness.devices = DeviceEnrollment(counted, harness.clock, harness.secrets, link_url,
                                       known=known)
    return counted


async def test_a_device_identified_a_moment_ago_costs_no_read(
        harness: Harness, storage: CountedStorage) -> None:
    agent = await harness.agent()
    first = await harness.accounts.identify(agent.addr)
    reads = storage.reads

    for _ in range(5):
        harness.tick(1)
        assert await harness.accounts.identify(agent.addr) == first
    assert storage.reads == reads
    harness.tick(10)  # the memory is short: it is read again after its lifetime
    assert await harness.accounts.identify(agent.addr) == first
    assert storage.reads == reads + 1


async def test_a_revoked_device_is_unbound_at_its_next_request(
        harness: Harness, storage: CountedStorage) -> None:
    customer = await harness.customer()
    await harness.accounts.identify(customer.addr)

    await harness.devices.revoke_device(customer.caller, customer.addr)

    assert await harness.accounts.identify(customer.addr) == UnboundDevice(
        device_addr=customer.addr)
    assert storage.reads > 0


async def test_disabling_a_user_locks_out_every_remembered_device_at_once(
        harness: Harness, storage: CountedStorage) -> None:
    customer = await harness.customer()
    phone = await harness.second_device(customer)
    admin = await harness.admin()
    for address in (customer.addr, phone.device_addr):
        await harness.accounts.identify(address)

    await harness.accounts.update_user(admin.caller, customer.id, disabled=True)

    for address in (customer.addr, phone.device_addr):
        with pytest.raises(Forbidden):
            await harness.accounts.identify(address)
    await harness.accounts.update_user(admin.caller, customer.id, disabled=False)
    assert (await harness.identify(phone.device_addr)).user_id == customer.id
    assert storage.reads > 0


async def test_a_new_role_applies_at_the_next_request(harness: Harness,
                                                      storage: CountedStorage) -> None:
    customer = await harness.customer()
    admin = await harness.admin()
    await harness.accounts.identify(customer.addr)

    await harness.accounts.update_user(admin.caller, customer.id, role=Role.AGENT)

    assert (await harness.identify(customer.addr)).role is Role.AGENT
    assert storage.reads > 0


async def test_last_seen_is_still_written_once_a_minute(harness: Harness,
                                                        storage: CountedStorage) -> None:
    customer = await harness.customer()

    async def last_seen(person: Person) -> object:
        binding = await harness.read(lambda r: r.devices.get(person.addr))
        assert binding is not None
        return binding.last_seen

    bound_at = await last_seen(customer)
    for _ in range(5):
        harness.tick(9)
        await harness.accounts.identify(customer.addr)
    assert await last_seen(customer) == bound_at
    harness.tick(15)  # 60 s since the binding wrote last_seen
    await harness.accounts.identify(customer.addr)
    assert await last_seen(customer) == harness.clock.now()
    assert storage.reads > 0


async def test_an_answer_read_before_a_change_is_not_remembered(
        harness: Harness, storage: CountedStorage) -> None:
    customer = await harness.customer()
    admin = await harness.admin()
    harness.tick(11)  # what the binding left in memory has expired
    hold = anyio.Event()
    storage.hold, storage.reading = hold, anyio.Event()
    answers: list[CallerIdentity] = []

    async def slow_identify() -> None:
        answers.append(await harness.identify(customer.addr))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(slow_identify)
        await storage.reading.wait()  # it has read the user as a customer, and waits
        storage.hold = None
        await harness.accounts.update_user(admin.caller, customer.id, role=Role.AGENT)
        hold.set()  # the answer read before the change arrives after it

    assert answers[0].role is Role.CUSTOMER  # that request came before the change
    assert (await harness.identify(customer.addr)).role is Role.AGENT
