"""How far the user has read each ticket, per followed project.

``read-markers.json`` sits next to the followed-projects file and maps
``label → ticket id → id of the last message read``. Markers only move forward, so
two windows marking the same ticket cannot make it unread again.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from ._files import locked, read_json, write_json_atomically
from .errors import CorruptConfigError
from .followed import default_config_dir

READ_MARKERS_FILE = "read-markers.json"
FILE_VERSION = 1


class _MarkersFile(msgspec.Struct, kw_only=True):
    version: int = FILE_VERSION
    projects: dict[str, dict[int, int]] = {}


class ReadMarkers:
    """The read markers of one config directory (default: the user's)."""

    def __init__(self, config_dir: Path | None = None) -> None:
        self.config_dir = config_dir if config_dir is not None else default_config_dir()
        self.path = self.config_dir / READ_MARKERS_FILE

    def of(self, label: str) -> dict[int, int]:
        """``ticket id → last message id read`` for one project."""
        return dict(self._read().projects.get(label, {}))

    def mark_read(self, label: str, ticket_id: int, message_id: int) -> int:
        """Record that ``message_id`` (and all before it) was read; returns the marker."""
        if ticket_id < 1 or message_id < 0:
            raise ValueError("ticket and message ids are positive")
        with locked(self.path):
            content = self._read()
            markers = content.projects.setdefault(label, {})
            marker = max(markers.get(ticket_id, 0), message_id)
            if marker != markers.get(ticket_id):
                markers[ticket_id] = marker
                write_json_atomically(self.path, content)
        return marker

    def forget(self, label: str) -> None:
        """Drop every marker of a project (when it is unfollowed)."""
        with locked(self.path):
            content = self._read()
            if content.projects.pop(label, None) is not None:
                write_json_atomically(self.path, content)

    def _read(self) -> _MarkersFile:
        content = read_json(self.path, _MarkersFile, _MarkersFile())
        if content.version != FILE_VERSION:
            raise CorruptConfigError(self.path, f"unknown version {content.version}")
        return content
