"""The server applies a settings change with what the database holds when it applies it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hero_assistance.adapters.memory import MemoryStorage
from hero_assistance.apps.server.config import ServerConfig, load_config, write_config
from hero_assistance.apps.server.settings import AppliedSettings, SettingsHolder
from hero_assistance.domain.project import ProjectSettings

pytestmark = pytest.mark.anyio


async def test_a_late_report_of_an_older_change_leaves_the_newest_in_force(
        tmp_path: Path) -> None:
    # Two admins rename the project: "First" commits, then "Second"; the report of
    # "First" reaches the server last. Before, it was applied as it came: live routing
    # and server.json kept "First", and the next start renamed the project back.
    write_config(tmp_path, ServerConfig(project_name="Acme", overlay="loopback"))
    storage = MemoryStorage(ProjectSettings(name="Acme"))
    await storage.write(lambda r: r.project.save(ProjectSettings(name="Second")))
    holder = SettingsHolder()
    applied = AppliedSettings(holder, tmp_path, storage)

    await applied.settings_changed(ProjectSettings(name="Second"))
    await applied.settings_changed(ProjectSettings(name="First"))

    assert holder.get() == ProjectSettings(name="Second")
    assert load_config(tmp_path).project_name == "Second"
