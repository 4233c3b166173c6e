"""A settings observer that keeps every set of settings it was told about."""

from __future__ import annotations

from ...domain.project import ProjectSettings


class RecordingSettingsObserver:
    """``applied`` lists, in order, the settings each change made durable."""

    def __init__(self) -> None:
        self.applied: list[ProjectSettings] = []

    async def settings_changed(self, settings: ProjectSettings) -> None:
        """Record the new settings."""
        self.applied.append(settings)
