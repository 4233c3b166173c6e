"""The project's secret key: 32 random bytes in a 0600 file of the data directory.

The database never holds this key; whoever has only the database (a backup, a copy)
cannot read what is sealed with it. Keys for each purpose are derived from it, so one
file serves every use and none of them can be turned into another.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_BYTES = 32


class KeyFileError(Exception):
    """The key file exists but cannot be used (wrong size, unreadable)."""


def read_or_create_key(path: Path) -> bytes:
    """The key in ``path``; a new random one (written 0600, atomically) if there is none."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return _create(path)
    except OSError as exc:
        raise KeyFileError(f"{path} cannot be read: {exc.strerror}") from exc
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path} holds {len(key)} bytes, not the {KEY_BYTES} of a key; "
                           "restore it from the backup it came with")
    return key


def _create(path: Path) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        # link, not rename: a key another process wrote first is never replaced.
        try:
            os.link(temp, path)
        except FileExistsError:
            return read_or_create_key(path)
    finally:
        temp.unlink(missing_ok=True)
    return key


def derive_key(master: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose (HMAC-SHA256 of the purpose under the master key)."""
    return hmac.new(master, f"hero-assistance/{purpose}".encode(), hashlib.sha256).digest()
