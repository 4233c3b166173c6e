"""Small JSON files in the client's config directory: locked, atomically replaced."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import msgspec

from .errors import CorruptConfigError

T = TypeVar("T")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s sibling ``.lock`` file (between processes too).

    The CLI and the local service may both edit the list; the lock makes each
    read-change-write whole.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_json(path: Path, kind: type[T], empty: T) -> T:
    """Decode ``path`` as ``kind``; ``empty`` if it does not exist; refuses a broken file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return empty
    except OSError as exc:
        raise CorruptConfigError(path, exc.strerror or str(exc)) from exc
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.DecodeError as exc:
        raise CorruptConfigError(path, str(exc)) from exc


def write_json_atomically(path: Path, value: object) -> None:
    """Replace ``path`` with ``value`` as JSON: readers see the old file or the new one.

    The new content is written to a temporary file in the same directory, flushed to
    disk, then renamed over the old one; the directory is synced so the rename sticks.
    """
    data = msgspec.json.format(msgspec.json.encode(value), indent=2) + b"\n"
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
