"""Fixtures that give each contract test every adapter of its port in turn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hero_assistance.adapters.memory import MemoryBlobStore, MemoryStorage
from hero_assistance.domain.ports import BlobStore, Storage
from hero_assistance.domain.project import ProjectSettings
from tests.contract._upgrades import upgrade_fixtures, upgraded_and_emptied

PROJECT = ProjectSettings(name="Contract project")


# Every database an earlier release made (tests/data/schema), upgraded and emptied: the
# whole contract suite then runs on a schema that got where it is by migrating.
UPGRADED = [f"sqlite-upgraded-{path.stem}" for path in upgrade_fixtures()]


@pytest.fixture(params=["memory", "sqlite", *UPGRADED])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    """A fresh, empty store of each kind, its project named ``Contract project``."""
    if request.param == "memory":
        yield MemoryStorage(PROJECT)
        return
    from hero_assistance.adapters.sqlite import SqliteStorage  # noqa: PLC0415

    if request.param.startswith("sqlite-upgraded-"):
        fixture = request.param.removeprefix("sqlite-upgraded-")
        upgraded_and_emptied(fixture, tmp_path / "project.sqlite3")
    store = SqliteStorage(tmp_path / "project.sqlite3")
    await store.start(default_project=PROJECT)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=["memory", "files"])
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    """An empty blob store of each kind."""
    if request.param == "memory":
        yield MemoryBlobStore()
        return
    from hero_assistance.adapters.blobs import FileBlobStore  # noqa: PLC0415

    yield FileBlobStore(tmp_path / "blobs")
