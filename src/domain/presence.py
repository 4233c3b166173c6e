"""Presence: which device is online, which ticket it shows, whether someone types.

Presence is kept per device and expires when heartbeats stop, so a crashed client
drops out on its own after ``PRESENCE_TIMEOUT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import InvalidInput
from .identity import Role

PRESENCE_TIMEOUT = timedelta(seconds=45)


class PresenceState(StrEnum):
    """What a device says about its person."""

    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


def parse_presence_state(raw: str) -> PresenceState:
    """Parse a presence state with a helpful message."""
    try:
        return PresenceState(raw)
    except ValueError:
        raise InvalidInput("state", f"{raw!r} is not one of online, away, offline") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Presence:
    """The last heartbeat of one device."""

    device_addr: str
    user_id: int
    role: Role
    state: PresenceState
    viewing_ticket_id: int | None
    typing: bool  # typing a reply on ``viewing_ticket_id``
    last_seen: datetime

    def is_live(self, now: datetime, timeout: timedelta = PRESENCE_TIMEOUT) -> bool:
        """Heard from recently and not signed off."""
        return self.state is not PresenceState.OFFLINE and now - self.last_seen < timeout

    def same_signal(self, other: Presence) -> bool:
        """Whether two heartbeats say the same thing (so no one needs telling)."""
        return (
            self.state is other.state
            and self.viewing_ticket_id == other.viewing_ticket_id
            and self.typing == other.typing
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketWatcher:
    """One person on a ticket, merged over their devices."""

    user_id: int
    role: Role
    typing: bool
    last_seen: datetime


def watchers_of(ticket_id: int, presences: list[Presence], now: datetime) -> list[TicketWatcher]:
    """Who is viewing (and who is typing on) a ticket, one entry per person."""
    by_user: dict[int, TicketWatcher] = {}
    for p in presences:
        if p.viewing_ticket_id != ticket_id or not p.is_live(now):
            continue
        seen = by_user.get(p.user_id)
        if seen is None:
            by_user[p.user_id] = TicketWatcher(
                user_id=p.user_id, role=p.role, typing=p.typing, last_seen=p.last_seen
            )
        else:
            by_user[p.user_id] = TicketWatcher(
                user_id=p.user_id,
                role=p.role,
                typing=seen.typing or p.typing,
                last_seen=max(seen.last_seen, p.last_seen),
            )
    return sorted(by_user.values(), key=lambda w: (w.role.value, w.user_id))
