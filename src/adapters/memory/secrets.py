"""Predictable secrets for tests: unique, shaped like real ones, and countable."""

from __future__ import annotations


class CountingSecrets:
    """Hands out ``token-1``, ``token-2``, ... and codes built from a counter."""

    def __init__(self) -> None:
        self._count = 0
        self.tokens: list[str] = []
        self.codes: list[str] = []

    def token(self) -> str:
        """A unique token (not secret: this adapter is for tests)."""
        self._count += 1
        value = f"token-{self._count:04d}-{'x' * 24}"
        self.tokens.append(value)
        return value

    def code(self, alphabet: str, length: int) -> str:
        """A unique code over ``alphabet``."""
        self._count += 1
        n = self._count
        chars = []
        for _ in range(length):
            n, digit = divmod(n, len(alphabet))
            chars.append(alphabet[digit])
        value = "".join(reversed(chars))
        self.codes.append(value)
        return value
