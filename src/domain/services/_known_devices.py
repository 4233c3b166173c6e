"""Devices identified a moment ago: the identity boundary's answer without a read.

Every request and every WebSocket message asks "who is this device?"; asking storage
each time costs a database round trip per request. :class:`KnownDevices` remembers the
answer for bound devices of enabled users, and the use cases that change an answer
(revoking a device, disabling a user, changing a role, binding a device) forget it in
the same breath, so a change takes effect at the device's next request exactly as
without the memory. A short lifetime bounds the staleness of anything else.

Only bound callers are remembered: an unbound device or a disabled account is looked
up every time (those are rare, and must see a binding or re-enabling at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..identity import CallerIdentity

DEFAULT_LIFETIME = timedelta(seconds=10)
_SWEEP_ABOVE = 4096  # entries; beyond this, expired ones are dropped when adding


@dataclass(frozen=True, slots=True)
class _Known:
    caller: CallerIdentity
    last_seen: datetime  # as stored: decides when the next last_seen write is due
    until: datetime


class KnownDevices:
    """Recently identified bound devices; share one instance between the use cases.

    :meth:`generation` lets a lookup that awaited storage tell whether something was
    forgotten meanwhile, in which case its (possibly stale) answer is not remembered.
    """

    def __init__(self, lifetime: timedelta = DEFAULT_LIFETIME) -> None:
        self._lifetime = lifetime
        self._known: dict[str, _Known] = {}
        self._generation = 0

    def __len__(self) -> int:
        return len(self._known)

    @property
    def generation(self) -> int:
        """Changes whenever something is forgotten."""
        return self._generation

    def recall(self, address: str, now: datetime, *, refresh_after: timedelta
               ) -> CallerIdentity | None:
        """The remembered caller, unless expired or its ``last_seen`` is due a write."""
        known = self._known.get(address)
        if known is None:
            return None
        if now >= known.until or now - known.last_seen >= refresh_after:
            del self._known[address]
            return None
        return known.caller

    def remember(self, caller: CallerIdentity, *, last_seen: datetime, now: datetime,
                 generation: int) -> None:
        """Keep ``caller`` if nothing was forgotten since ``generation`` was read."""
        if generation != self._generation:
            return
        if len(self._known) > _SWEEP_ABOVE:
            self._known = {a: k for a, k in self._known.items() if now < k.until}
        self._known[caller.device_addr] = _Known(caller, last_seen, now + self._lifetime)

    def forget_device(self, address: str) -> None:
        """The device's binding changed (bound, revoked)."""
        self._generation += 1
        self._known.pop(address, None)

    def forget_user(self, user_id: int) -> None:
        """The user changed (disabled, re-enabled, new role, renamed): all their devices."""
        self._generation += 1
        for address in [a for a, k in self._known.items() if k.caller.user_id == user_id]:
            del self._known[address]
