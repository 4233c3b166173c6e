"""Messages on tickets: threads, public replies and internal notes, edit history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .errors import InvalidInput

MAX_ATTACHMENTS_PER_MESSAGE = 10


class Visibility(StrEnum):
    """Who may read a message."""

    PUBLIC = "public"  # the requester and staff
    INTERNAL = "internal"  # staff only: an internal note


def parse_visibility(raw: str) -> Visibility:
    """Parse a visibility name with a helpful message."""
    try:
        return Visibility(raw)
    except ValueError:
        raise InvalidInput("visibility", f"{raw!r} is not one of public, internal") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """A comment on a ticket, optionally replying to another message of the same ticket."""

    id: int
    ticket_id: int
    parent_id: int | None
    author_id: int
    body: str
    visibility: Visibility
    attachments: tuple[str, ...]  # sha256 hex of each attached image, in order
    created_at: datetime
    edited_at: datetime | None = None

    @property
    def is_internal(self) -> bool:
        """An internal note, never shown to customers."""
        return self.visibility is Visibility.INTERNAL

    def edited(self, body: str, now: datetime) -> Message:
        """The message with a new body."""
        return replace(self, body=body, edited_at=now)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageRevision:
    """A body a message had before an edit."""

    message_id: int
    number: int  # 1 for the original text, then 2, 3, ...
    body: str
    editor_id: int
    replaced_at: datetime


def ensure_parent_fits(parent: Message, ticket_id: int, visibility: Visibility) -> None:
    """A reply stays on its parent's ticket; a public reply never hangs under a note."""
    if parent.ticket_id != ticket_id:
        raise InvalidInput("parent_id", "belongs to another ticket")
    if parent.is_internal and visibility is Visibility.PUBLIC:
        raise InvalidInput("parent_id", "a public reply cannot answer an internal note")


def clean_attachment_refs(raw: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validate attachment references: sha256 hex, no repeats, bounded count."""
    refs: list[str] = []
    for item in raw:
        sha = item.strip().lower()
        if len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha):
            raise InvalidInput("attachments", f"{item!r} is not a sha256 attachment id")
        if sha not in refs:
            refs.append(sha)
    if len(refs) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise InvalidInput("attachments", f"at most {MAX_ATTACHMENTS_PER_MESSAGE} per message")
    return tuple(refs)
