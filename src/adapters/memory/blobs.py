"""Content-addressed bytes in a dict."""

from __future__ import annotations

import hashlib


class MemoryBlobStore:
    """Keeps each blob once under its sha256, checking that the name fits the bytes."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, sha256: str, data: bytes) -> None:
        """Store ``data``; refuse a name that is not its digest."""
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("blob name does not match its content")
        self.blobs.setdefault(sha256, data)

    async def get(self, sha256: str) -> bytes | None:
        """The bytes, or ``None``."""
        return self.blobs.get(sha256)

    async def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return sha256 in self.blobs
