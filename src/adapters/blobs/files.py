"""Content-addressed blobs as files: ``root/ab/cdef…`` named by the sha256 of the bytes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

import anyio.to_thread

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TEMP_PREFIX = ".incoming-"


class FileBlobStore:
    """The :class:`~hero_assistance.domain.ports.BlobStore` port over a directory.

    Each blob is one file under a two-hex-digit fan-out directory. A blob is written to
    a temporary file in its final directory, flushed, renamed into place and the
    directory flushed, so a reader (or a crash) sees either the whole blob or nothing.
    Blocking file work runs on a worker thread, never on the event loop.
    """

    def __init__(self, root: Path) -> None:
        """Keep blobs under ``root`` (created on first write)."""
        self._root = Path(root)

    @property
    def root(self) -> Path:
        """The directory that holds the blobs."""
        return self._root

    def path_of(self, sha256: str) -> Path:
        """Where a blob lives; refuses anything but lower-case sha256 hex (no path tricks)."""
        if _SHA256.match(sha256) is None:
            raise ValueError(f"{sha256!r} is not a lower-case sha256 hex digest")
        return self._root / sha256[:2] / sha256[2:]

    async def put(self, sha256: str, data: bytes) -> None:
        """Store ``data`` under its digest; a name that is not its digest is refused.

        Storing the same blob again is a no-op.
        """
        path = self.path_of(sha256)
        await anyio.to_thread.run_sync(_write_blob, path, sha256, data)

    async def get(self, sha256: str) -> bytes | None:
        """The bytes of a blob, or ``None`` if it is not stored."""
        try:
            path = self.path_of(sha256)
        except ValueError:
            return None
        return await anyio.to_thread.run_sync(_read_blob, path)

    async def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        try:
            path = self.path_of(sha256)
        except ValueError:
            return False
        return await anyio.to_thread.run_sync(path.is_file)


def _write_blob(path: Path, sha256: str, data: bytes) -> None:
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("blob name does not match its content")
    if path.is_file():
        return
    directory = path.parent
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        # The new fan-out directory must itself survive a crash, not only its file.
        _fsync_directory(directory.parent)
    fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=directory)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        temp.chmod(0o644)
        # Same bytes under the same name: if another writer got there first, replacing
        # its file changes nothing a reader could notice.
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_directory(directory)


def _read_blob(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
