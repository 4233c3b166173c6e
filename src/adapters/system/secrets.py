"""Secrets from the operating system's CSPRNG."""

from __future__ import annotations

import secrets

from ...domain.magic_links import TOKEN_BYTES


class SystemSecrets:
    """Tokens and codes from :mod:`secrets`."""

    def token(self) -> str:
        """A URL-safe token of ``TOKEN_BYTES`` random bytes (256 bits)."""
        return secrets.token_urlsafe(TOKEN_BYTES)

    def code(self, alphabet: str, length: int) -> str:
        """A code of ``length`` characters drawn uniformly from ``alphabet``."""
        return "".join(secrets.choice(alphabet) for _ in range(length))
