"""The list of followed projects, kept as JSON in the user's config directory.

``followed-projects.json`` holds one entry per project: a unique label, the server's
address and when it was added. Every change is a locked read-change-write with an
atomic replace, so a crash or a second process never leaves half a file; a file that
cannot be read is reported (:class:`~.errors.CorruptConfigError`), never overwritten.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import platformdirs

from ._files import locked, read_json, write_json_atomically
from .errors import (
    AlreadyFollowedError,
    CorruptConfigError,
    DuplicateLabelError,
    InvalidLabelError,
    InvalidServerAddressError,
    UnknownLabelError,
)
from .server_address import ServerAddress

APP_NAME = "hero_assistance"
FOLLOWED_FILE = "followed-projects.json"
FILE_VERSION = 1
LABEL_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
"""A label is 1 to 40 letters, digits, ``.``, ``_`` or ``-``, starting with a letter or digit."""


def default_config_dir() -> Path:
    """The user's config directory for this app (``~/.config/hero_assistance`` on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def check_label(label: str) -> str:
    """``label`` if it is usable as a project label; raises :class:`InvalidLabelError`."""
    if not LABEL_PATTERN.fullmatch(label):
        raise InvalidLabelError(
            f"{label!r} is not a usable label: use 1 to 40 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit")
    return label


class FollowedProject(msgspec.Struct, frozen=True, kw_only=True):
    """One followed project: its label, its server and when it was added."""

    label: str
    server: str
    added_at: datetime

    @property
    def address(self) -> ServerAddress:
        """The server's address, parsed."""
        return ServerAddress.parse(self.server)


class _FollowedFile(msgspec.Struct, kw_only=True):
    version: int = FILE_VERSION
    projects: list[FollowedProject] = []


class FollowedProjects:
    """The followed-projects file of one config directory (default: the user's)."""

    def __init__(self, config_dir: Path | None = None) -> None:
        self.config_dir = config_dir if config_dir is not None else default_config_dir()
        self.path = self.config_dir / FOLLOWED_FILE

    def load(self) -> list[FollowedProject]:
        """Every followed project, in the order they were added."""
        return list(self._read().projects)

    def get(self, label: str) -> FollowedProject:
        """The project with this label; raises :class:`UnknownLabelError`."""
        for project in self._read().projects:
            if project.label == label:
                return project
        raise UnknownLabelError(f"no followed project is labelled {label!r}")

    def add(self, label: str, server: str | ServerAddress, *,
            added_at: datetime | None = None) -> FollowedProject:
        """Follow ``server`` as ``label``; the label and the server must both be new."""
        check_label(label)
        address = server if isinstance(server, ServerAddress) else ServerAddress.parse(server)
        with locked(self.path):
            current = self._read()
            for project in current.projects:
                if project.label == label:
                    raise DuplicateLabelError(
                        f"the label {label!r} is already used for {project.server}")
                if project.server == address.base_url:
                    raise AlreadyFollowedError(
                        f"{address} is already followed as {project.label!r}")
            added = FollowedProject(label=label, server=address.base_url,
                                    added_at=added_at or datetime.now(UTC))
            write_json_atomically(self.path, _FollowedFile(projects=[*current.projects, added]))
        return added

    def remove(self, label: str) -> FollowedProject:
        """Stop following ``label``; raises :class:`UnknownLabelError`."""
        with locked(self.path):
            current = self._read()
            kept = [p for p in current.projects if p.label != label]
            if len(kept) == len(current.projects):
                raise UnknownLabelError(f"no followed project is labelled {label!r}")
            write_json_atomically(self.path, _FollowedFile(projects=kept))
        return next(p for p in current.projects if p.label == label)

    def _read(self) -> _FollowedFile:
        content = read_json(self.path, _FollowedFile, _FollowedFile())
        if content.version != FILE_VERSION:
            raise CorruptConfigError(self.path, f"unknown version {content.version}")
        seen: set[str] = set()
        for project in content.projects:
            if project.label in seen or not LABEL_PATTERN.fullmatch(project.label):
                raise CorruptConfigError(self.path, f"bad or repeated label {project.label!r}")
            seen.add(project.label)
            try:
                ServerAddress.parse(project.server)
            except InvalidServerAddressError as exc:
                raise CorruptConfigError(self.path, str(exc)) from exc
        return content
