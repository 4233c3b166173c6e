"""Canned replies: saved texts with placeholders, filled in when an agent inserts one.

Placeholders are ``{{name}}`` (spaces inside the braces allowed). Filling is one pass
over the template: a value that itself looks like a placeholder (a customer named
"{{agent.name}}") is inserted as it is, never expanded again. Unknown placeholders stay
in the text, so a typo shows instead of vanishing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .identity import clean_label
from .tickets import clean_body

MAX_CANNED_TITLE_LENGTH = 80
MAX_CANNED_PER_USER = 500  # shared ones plus one's own, as listed

PLACEHOLDER = re.compile(r"\{\{\s*([a-z]+(?:\.[a-z_]+)*)\s*\}\}")

PLACEHOLDERS: Mapping[str, str] = {
    "customer.name": "the requester's display name",
    "customer.email": "the requester's email address",
    "ticket.id": "the ticket's number",
    "ticket.subject": "the ticket's subject",
    "agent.name": "your display name",
    "project.name": "the project's name",
}
"""Every placeholder the server fills, and what it stands for."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CannedReply:
    """A saved reply: shared with every staff member, or personal to its owner."""

    id: int
    owner_id: int
    shared: bool
    title: str
    body: str
    created_at: datetime
    updated_at: datetime


def clean_canned_title(raw: str) -> str:
    """A canned reply's title: one line, at most 80 characters."""
    return clean_label("title", raw, MAX_CANNED_TITLE_LENGTH)


def clean_canned_body(raw: str) -> str:
    """A canned reply's text: like a message body, and not empty."""
    return clean_body(raw, required=True)


def placeholders_in(template: str) -> list[str]:
    """The placeholder names a template uses, in order of first use."""
    return list(dict.fromkeys(m[1] for m in PLACEHOLDER.finditer(template)))


def fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with every known placeholder replaced by its value (one pass)."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match[1])
        return match[0] if found is None else found

    return PLACEHOLDER.sub(value, template)
