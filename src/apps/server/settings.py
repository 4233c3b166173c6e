"""The project's settings as the live event routing reads them on every publish."""

from __future__ import annotations

from ...domain.project import ProjectSettings


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
