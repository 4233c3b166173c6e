"""Request keys: a client's name for one write, so that a repeat is answered, not redone.

A client that sent a write and heard nothing back (the link dropped after the server
committed, a timeout) cannot know whether it landed. It sends the same write again with
the same ``request_key``: the server finds the key it stored with the first write and
answers with that write's result instead of writing again (D-18). Keys belong to the
caller's user, so the same key chosen by two users names two different writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from .errors import Conflict, InvalidInput

MIN_KEY_LENGTH: Final = 16
MAX_KEY_LENGTH: Final = 64
KEY_ALPHABET: Final = "A-Z a-z 0-9 - _ . ~"
KEY_PATTERN: Final = rf"^[A-Za-z0-9._~-]{{{MIN_KEY_LENGTH},{MAX_KEY_LENGTH}}}$"
"""What a key looks like: URL-safe characters only (a UUID, base64url of 12+ random
bytes, a ULID all fit), so a key never needs escaping in a log line or a URL."""

KEEP_KEYS: Final = timedelta(hours=24)
"""How long a key is remembered after its write, at least: a client that retries for
longer (an outbox that waited a day) gets its write done again."""

_KEY = re.compile(KEY_PATTERN)

ReuseReason = Literal["other_params", "result_lost"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestKey:
    """A write done under a key: who, which method, a digest of its params, its result.

    ``outcome`` is the write's result as the wire encoded it; ``None`` between the
    commit of the write and the moment its result is recorded.
    """

    user_id: int
    key: str
    method: str
    digest: str
    created_at: datetime
    outcome: bytes | None = None


class RequestKeyReused(Conflict):
    """A key that cannot answer this call: it was used for a write with other params
    (``other_params``), or its write committed and its result was never recorded
    (``result_lost``: the server stopped in between; the write is done)."""

    def __init__(self, reason: ReuseReason) -> None:
        if reason == "other_params":
            message = "request_key was already used for a different write"
        else:
            message = ("request_key: that write was done, but its result was lost when the "
                       "server stopped; read the current state instead")
        super().__init__(message)
        self.reason: ReuseReason = reason


def clean_request_key(key: str) -> str:
    """``key`` if it is a valid request key, else ``InvalidInput`` saying why."""
    if not MIN_KEY_LENGTH <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput("request_key",
                           f"must be {MIN_KEY_LENGTH} to {MAX_KEY_LENGTH} characters")
    if not _KEY.fullmatch(key):  # fullmatch: ``$`` alone lets a final newline through
        raise InvalidInput("request_key", f"may hold only the characters {KEY_ALPHABET}")
    return key


def answer_for(found: RequestKey, method: str, digest: str) -> bytes:
    """The result a repeat of ``found`` gets, or why it gets none."""
    if found.method != method or found.digest != digest:
        raise RequestKeyReused("other_params")
    if found.outcome is None:
        raise RequestKeyReused("result_lost")
    return found.outcome
