"""Storage contract: the project's settings."""

from __future__ import annotations

import pytest

from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.project import ProjectSettings

from .conftest import PROJECT

pytestmark = pytest.mark.anyio


async def test_a_fresh_store_has_the_project_it_was_started_with(storage: Storage) -> None:
    got = await storage.read(lambda r: r.project.settings())

    assert got == PROJECT
    assert got.customers_see_all_tickets is False


async def test_saved_settings_are_read_back(storage: Storage) -> None:
    shared = ProjectSettings(name="Ünïcode Corp — “Support”", customers_see_all_tickets=True)

    await storage.write(lambda r: r.project.save(shared))

    got = await storage.read(lambda r: r.project.settings())
    assert got == shared
    assert got.customers_see_all_tickets is True


async def test_settings_can_be_switched_back(storage: Storage) -> None:
    await storage.write(lambda r: r.project.save(
        ProjectSettings(name="Shared", customers_see_all_tickets=True)))

    await storage.write(lambda r: r.project.save(ProjectSettings(name="Private")))

    assert await storage.read(lambda r: r.project.settings()) == ProjectSettings(
        name="Private", customers_see_all_tickets=False)


async def test_a_write_sees_settings_it_saved_earlier_in_the_same_write(
    storage: Storage,
) -> None:
    def rename(r: Repositories) -> ProjectSettings:
        r.project.save(ProjectSettings(name="Renamed"))
        return r.project.settings()

    assert await storage.write(rename) == ProjectSettings(name="Renamed")
