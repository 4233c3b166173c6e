"""Mail bodies at rest: sealed with AES-256-GCM (``cryptography``), bound to their row.

The database alone never yields a queued body: reading it needs the key, which the
server keeps in a 0600 file beside the database, never in it (D-15). The row's id and
message key are the associated data, so a sealed body copied into another row does not
open there.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_NONCE_BYTES = 12  # random per seal: 2**-32 collision odds only after ~2**32 bodies per key
_VERSION = b"\x01"


class BodySeal:
    """Seals and opens mail bodies with one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"a mail body key is {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(key)

    @classmethod
    def ephemeral(cls) -> BodySeal:
        """A seal whose key dies with the process (tests and throwaway stores)."""
        return cls(os.urandom(KEY_BYTES))

    def seal(self, plain: bytes, *, context: bytes) -> bytes:
        """Version byte, nonce, then ciphertext and tag."""
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, plain, context)

    def open(self, sealed: bytes, *, context: bytes) -> bytes | None:
        """The plain body, or ``None`` if it was sealed under another key or altered."""
        if len(sealed) <= 1 + _NONCE_BYTES or sealed[:1] != _VERSION:
            return None
        nonce, body = sealed[1:1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, body, context)
        except InvalidTag:
            return None
