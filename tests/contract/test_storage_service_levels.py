"""Storage contract: the business calendar and the service-level policies."""

from __future__ import annotations

from datetime import date

import pytest

from hero_assistance.domain.business_calendar import WorkingHours, clean_calendar
from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.service_levels import Target, TargetKind, clean_policy
from hero_assistance.domain.tickets import Priority

pytestmark = pytest.mark.anyio

FIRST, NEXT, RESOLVE = TargetKind.FIRST_RESPONSE, TargetKind.NEXT_RESPONSE, TargetKind.RESOLUTION
OFFICE = clean_calendar(
    zone="Europe/Amsterdam",
    hours=[WorkingHours(d, 540, 1020) for d in range(4)] + [
        WorkingHours(4, 540, 720), WorkingHours(4, 780, 1440)],
    holidays=[date(2026, 12, 25), date(2026, 4, 6)])


async def test_a_new_project_has_no_calendar_and_no_policies(storage: Storage) -> None:
    assert await storage.read(lambda r: r.service_levels.calendar()) is None
    assert await storage.read(lambda r: r.service_levels.policies()) == []


async def test_the_calendar_round_trips_and_is_replaced_whole(storage: Storage) -> None:
    await storage.write(lambda r: r.service_levels.save_calendar(OFFICE))
    assert await storage.read(lambda r: r.service_levels.calendar()) == OFFICE
    other = clean_calendar(zone="UTC", hours=[WorkingHours(6, 0, 1440)])
    await storage.write(lambda r: r.service_levels.save_calendar(other))
    got = await storage.read(lambda r: r.service_levels.calendar())
    assert got == other
    assert got is not None
    assert got.holidays == ()


async def test_policies_come_most_urgent_first_with_targets_in_order(storage: Storage) -> None:
    low = clean_policy(Priority.LOW, [Target(RESOLVE, 7 * 24 * 60, business=False)])
    urgent = clean_policy(Priority.URGENT, [Target(RESOLVE, 480), Target(FIRST, 60),
                                            Target(NEXT, 120)])
    high = clean_policy(Priority.HIGH, [Target(FIRST, 240, business=False)])

    def save(r: Repositories) -> None:
        for policy in (low, urgent, high):
            r.service_levels.save_policy(policy)

    await storage.write(save)
    assert await storage.read(lambda r: r.service_levels.policies()) == [urgent, high, low]


async def test_saving_a_priority_again_replaces_its_targets(storage: Storage) -> None:
    before = clean_policy(Priority.HIGH, [Target(FIRST, 240), Target(RESOLVE, 960)])
    after = clean_policy(Priority.HIGH, [Target(NEXT, 30, business=False)])
    await storage.write(lambda r: r.service_levels.save_policy(before))
    await storage.write(lambda r: r.service_levels.save_policy(after))
    assert await storage.read(lambda r: r.service_levels.policies()) == [after]


async def test_removing_a_policy_says_whether_there_was_one(storage: Storage) -> None:
    policy = clean_policy(Priority.NORMAL, [Target(FIRST, 480)])
    await storage.write(lambda r: r.service_levels.save_policy(policy))
    assert await storage.write(lambda r: r.service_levels.remove_policy(Priority.NORMAL))
    assert not await storage.write(lambda r: r.service_levels.remove_policy(Priority.NORMAL))
    assert await storage.read(lambda r: r.service_levels.policies()) == []


async def test_a_failed_unit_of_work_keeps_the_old_calendar_and_policies(
    storage: Storage,
) -> None:
    policy = clean_policy(Priority.URGENT, [Target(FIRST, 60)])

    def first(r: Repositories) -> None:
        r.service_levels.save_calendar(OFFICE)
        r.service_levels.save_policy(policy)

    await storage.write(first)

    def broken(r: Repositories) -> None:
        r.service_levels.save_calendar(clean_calendar(zone="UTC", hours=[WorkingHours(0, 0, 60)]))
        r.service_levels.remove_policy(Priority.URGENT)
        raise RuntimeError("crash in the middle")

    with pytest.raises(RuntimeError):
        await storage.write(broken)
    assert await storage.read(lambda r: r.service_levels.calendar()) == OFFICE
    assert await storage.read(lambda r: r.service_levels.policies()) == [policy]
