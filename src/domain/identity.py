"""Users, device bindings and the caller values the identity boundary produces."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import InvalidInput

MAX_EMAIL_LENGTH = 254
MAX_DISPLAY_NAME_LENGTH = 80
MAX_DEVICE_LABEL_LENGTH = 60
# Deliberately loose: one @, a dot in the domain, no spaces. Real validation is the
# magic link arriving; this only catches typos and junk early.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Shown to someone else, a label must not steer their terminal or reorder the text
# around it: controls, formatting (bidi overrides, isolates …), private-use and
# surrogate code points go. Zero-width (non-)joiners stay: scripts and emoji need them.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})
_KEPT_FORMAT = frozenset({"\u200c", "\u200d"})
_BREAKING = frozenset({"Zl", "Zp"})


class Role(StrEnum):
    """What a user may do in a project."""

    CUSTOMER = "customer"
    AGENT = "agent"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        """Agents and admins work tickets and read internal notes."""
        return self is not Role.CUSTOMER


class UserStatus(StrEnum):
    """Lifecycle of an account."""

    INVITED = "invited"
    ACTIVE = "active"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """One person, keyed on email, with one role in this project."""

    id: int
    email: str
    display_name: str
    role: Role
    status: UserStatus
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceBinding:
    """An overlay address bound to a user: that device now speaks as the user."""

    address: str
    user_id: int
    label: str
    bound_at: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerIdentity:
    """Who is calling: made only by the identity boundary, from the peer address."""

    user_id: int
    device_addr: str
    role: Role


@dataclass(frozen=True, slots=True, kw_only=True)
class UnboundDevice:
    """A device nobody has bound yet; it carries nothing but its address."""

    device_addr: str


Caller = CallerIdentity | UnboundDevice


def normalize_email(raw: str) -> str:
    """Return the canonical form of an email address or raise ``InvalidInput``."""
    email = raw.strip().lower()
    if not email:
        raise InvalidInput("email", "must not be empty")
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidInput("email", f"must be at most {MAX_EMAIL_LENGTH} characters")
    if not _EMAIL.match(email):
        raise InvalidInput("email", f"{raw.strip()!r} is not an email address")
    return email


def clean_label(field: str, raw: str, max_length: int) -> str:
    """Trim a human label, refusing empty, overlong or control-character text."""
    text = " ".join(raw.split())
    if not text:
        raise InvalidInput(field, "must not be empty")
    if len(text) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in text):  # C0, DEL and C1 alike
        raise InvalidInput(field, "must not contain control characters")
    return text


def shown_label(raw: str, max_length: int = MAX_DEVICE_LABEL_LENGTH) -> str:
    """Someone's own words, made safe to show to another person.

    Control and formatting characters are removed (line breaks become spaces),
    whitespace is collapsed and the text is cut to ``max_length`` characters with an
    ellipsis. Escaping for HTML is still the presenter's job.
    """
    kept = []
    for ch in raw:
        category = unicodedata.category(ch)
        if category in _BREAKING or ch in "\t\n\r\v\f":
            kept.append(" ")
        elif category not in _HIDDEN_CATEGORIES or ch in _KEPT_FORMAT:
            kept.append(ch)
    text = " ".join("".join(kept).split())
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text or "(no name)"


def clean_display_name(raw: str) -> str:
    """A display name as shown next to messages."""
    return clean_label("display_name", raw, MAX_DISPLAY_NAME_LENGTH)


def clean_device_label(raw: str) -> str:
    """A device label such as "laptop" or "phone"."""
    return clean_label("device_label", raw, MAX_DEVICE_LABEL_LENGTH)


def parse_role(raw: str) -> Role:
    """Parse a role name, with a message listing the valid ones."""
    try:
        return Role(raw)
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise InvalidInput("role", f"{raw!r} is not one of {valid}") from None
