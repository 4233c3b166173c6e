"""Online backup to a file, while the writer keeps writing."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from ._connection import BUSY_TIMEOUT_MS


def backup_file(source: Path, target: Path) -> None:
    """Copy the database at ``source`` to ``target`` atomically (blocking; run on a thread).

    ``Connection.backup`` with the default ``pages=-1`` copies every page in one step
    inside one read transaction: in WAL mode that is a consistent snapshot and the
    writer is never blocked. The copy is written beside the target, switched to a
    rollback journal so it is one self-contained file, flushed, and then renamed over
    the target, so a crash never leaves a half-written backup under the target's name.
    """
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(partial, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    _fsync(partial)
    partial.replace(target)
    _fsync_directory(target.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
