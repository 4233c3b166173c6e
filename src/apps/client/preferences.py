"""The person's own settings of the Support tab, kept in the client's config directory.

``preferences.json`` sits next to the followed-projects file: which desktop
notifications the tab shows. Per person (the OS user whose client this is), on this
machine: the tab asks the browser's permission per origin anyway (L-16).
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from ._files import locked, read_json, write_json_atomically
from .errors import CorruptConfigError
from .followed import default_config_dir

PREFERENCES_FILE = "preferences.json"
FILE_VERSION = 1


class NotificationPreferences(msgspec.Struct, frozen=True, kw_only=True,
                              forbid_unknown_fields=True):
    """Which desktop notifications to show while the tab is not focused."""

    enabled: bool = False  # off until the person turns them on (and the browser agrees)
    new_tickets: bool = True  # new tickets in my queues (staff)
    replies: bool = True  # customer replies on my tickets or my teams' (staff), or
    # replies from support on my own tickets (customers)


class _PreferencesFile(msgspec.Struct, kw_only=True):
    version: int = FILE_VERSION
    notifications: NotificationPreferences = NotificationPreferences()


class Preferences:
    """The preferences of one config directory (default: the user's)."""

    def __init__(self, config_dir: Path | None = None) -> None:
        self.config_dir = config_dir if config_dir is not None else default_config_dir()
        self.path = self.config_dir / PREFERENCES_FILE

    def notifications(self) -> NotificationPreferences:
        """The notification settings (defaults when nothing was saved)."""
        return self._read().notifications

    def set_notifications(self, value: NotificationPreferences) -> NotificationPreferences:
        """Replace the notification settings."""
        with locked(self.path):
            content = self._read()
            content.notifications = value
            write_json_atomically(self.path, content)
        return value

    def _read(self) -> _PreferencesFile:
        content = read_json(self.path, _PreferencesFile, _PreferencesFile())
        if content.version != FILE_VERSION:
            raise CorruptConfigError(self.path, f"unknown version {content.version}")
        return content
