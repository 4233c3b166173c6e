"""The project's settings as the running server applies them.

:class:`SettingsHolder` is what live event routing reads on every publish.
:class:`AppliedSettings` is the settings observer of the project-settings use case: it
updates the holder at once and writes the new name into ``server.json``, so the file
the operator edits never goes stale (the file is read again, and wins, at the next
``serve``: decisions/D-15).
"""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
import anyio.to_thread

from ...domain.ports import Storage
from ...domain.project import ProjectSettings
from .config import ConfigError, update_project_name

_log = logging.getLogger("hero_assistance.server")


class SettingsHolder:
    """Holds the current settings; the runtime loads them and replaces them on change."""

    def __init__(self) -> None:
        self._current: ProjectSettings | None = None

    def set(self, settings: ProjectSettings) -> None:
        """Replace the settings (after start-up or an admin's change)."""
        self._current = settings

    def get(self) -> ProjectSettings:
        """The current settings; the runtime loads them before serving."""
        if self._current is None:
            raise RuntimeError("project settings were not loaded before serving")
        return self._current


class AppliedSettings:
    """Applies changed settings at once: live routing, and the name in ``server.json``."""

    def __init__(self, holder: SettingsHolder, data_dir: Path, storage: Storage) -> None:
        self._holder = holder
        self._data_dir = data_dir
        self._storage = storage
        self._applying = anyio.Lock()

    async def settings_changed(self, settings: ProjectSettings) -> None:
        """Use the newest settings from now on, and keep ``server.json`` in step.

        Two changes can commit A, B and be reported B, A: each report applies what the
        database holds now, one at a time, so the last one applied is the newest and
        the file cannot keep the older name (the next start would rename it back).
        """
        del settings  # what this report carried may be older than what is committed
        async with self._applying:
            newest = await self._storage.read(lambda r: r.project.settings())
            await self._apply(newest)

    async def _apply(self, settings: ProjectSettings) -> None:
        self._holder.set(settings)
        try:
            await anyio.to_thread.run_sync(update_project_name, self._data_dir, settings.name)
        except (ConfigError, OSError) as exc:
            # The database has the new name already; the file would put the old one
            # back at the next start, so say so loudly.
            _log.error("the project is now named %r, but server.json could not be "
                       "updated (%s): set project_name there by hand, or the next start "
                       "renames it back", settings.name, exc)
