"""Magic-link rules: a secret link plus a short code that bind the device that asked.

The secrets themselves never reach storage: only their SHA-256 hashes do. A link is
tied to the requesting device address, expires, is used at most once and dies after a
bounded number of wrong codes.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .errors import InvalidInput, LinkRejected

LINK_LIFETIME = timedelta(minutes=15)
MAX_CODE_ATTEMPTS = 5
TOKEN_BYTES = 32  # 256 bits; the design asks for at least 128
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
CODE_LENGTH = 8


def hash_secret(secret: str) -> str:
    """The only form in which a token or code is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalize_code(raw: str) -> str:
    """Accept a code as people type it: any case, with spaces or dashes."""
    code = "".join(ch for ch in raw.upper() if ch not in " -")
    if not code:
        raise InvalidInput("code", "must not be empty")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise InvalidInput("code", f"must be {CODE_LENGTH} letters and digits from the email")
    return code


def format_code(code: str) -> str:
    """Show a code in two groups of four, as the email prints it."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


@dataclass(frozen=True, slots=True, kw_only=True)
class MagicLink:
    """A pending sign-in for one device address."""

    id: int
    user_id: int
    device_addr: str
    device_label: str
    token_hash: str
    code_hash: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    consumed_at: datetime | None = None
    revoked: bool = False

    def is_pending(self, now: datetime) -> bool:
        """Still usable: not consumed, revoked, expired or locked."""
        return self.refusal(now) is None

    def refusal(self, now: datetime) -> str | None:
        """Why the link cannot be used now, or ``None`` when it can."""
        if self.consumed_at is not None:
            return "it has already been used"
        if self.revoked:
            return "it was withdrawn; ask for a new one"
        if now >= self.expires_at:
            return "it has expired; ask for a new one"
        if self.attempts >= MAX_CODE_ATTEMPTS:
            return "too many wrong codes; ask for a new one"
        return None

    def ensure_usable(self, now: datetime) -> None:
        """Raise ``LinkRejected`` unless the link can be used now."""
        reason = self.refusal(now)
        if reason is not None:
            raise LinkRejected(reason)

    def matches_code(self, code: str) -> bool:
        """Constant-time comparison of a typed code with the stored hash."""
        return hmac.compare_digest(hash_secret(code), self.code_hash)

    def with_wrong_attempt(self) -> MagicLink:
        """The link after one more wrong code."""
        return replace(self, attempts=self.attempts + 1)

    def consumed(self, now: datetime) -> MagicLink:
        """The link after it bound its device."""
        return replace(self, consumed_at=now)

    def withdrawn(self) -> MagicLink:
        """The link after an admin expired it or a newer link replaced it."""
        return replace(self, revoked=True)


def new_link(
    *,
    link_id: int,
    user_id: int,
    device_addr: str,
    device_label: str,
    token: str,
    code: str,
    now: datetime,
    lifetime: timedelta = LINK_LIFETIME,
) -> MagicLink:
    """A fresh pending link; ``token`` and ``code`` are hashed here and nowhere kept."""
    return MagicLink(
        id=link_id,
        user_id=user_id,
        device_addr=device_addr,
        device_label=device_label,
        token_hash=hash_secret(token),
        code_hash=hash_secret(code),
        created_at=now,
        expires_at=now + lifetime,
    )
