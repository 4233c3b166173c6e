"""Timings of a project connection: timeouts, reconnect backoff, heartbeats."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class BackoffPolicy:
    """Exponential backoff with jitter between reconnect attempts.

    Attempt ``n`` (from 0) has a ceiling of ``min(maximum, initial * multiplier**n)``;
    the actual delay is drawn uniformly from ``[ceiling * (1 - jitter), ceiling]``, so
    clients that lost the same server at the same moment do not return in lockstep.
    """

    initial: float = 0.5
    maximum: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.initial <= self.maximum:
            raise ValueError("backoff needs 0 < initial <= maximum")
        if self.multiplier < 1:
            raise ValueError("backoff multiplier must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("backoff jitter is a fraction between 0 and 1")

    def ceiling(self, attempt: int) -> float:
        """The longest delay before attempt ``attempt`` (0-based)."""
        if attempt < 0:
            raise ValueError("attempt must not be negative")
        delay = self.initial
        for _ in range(attempt):
            delay *= self.multiplier
            if delay >= self.maximum:
                return self.maximum
        return min(delay, self.maximum)


class Backoff:
    """The delays of one connection's successive reconnect attempts.

    ``rng`` lets tests draw reproducible jitter; by default each ``Backoff`` has its
    own generator.
    """

    def __init__(self, policy: BackoffPolicy, rng: random.Random | None = None) -> None:
        self.policy = policy
        # Jitter spreads reconnects in time; it protects no secret.
        self._rng = rng or random.Random()  # noqa: S311
        self._attempt = 0

    @property
    def attempts(self) -> int:
        """How many delays were drawn since the last reset."""
        return self._attempt

    def next_delay(self) -> float:
        """The delay before the next attempt; each call moves one attempt on."""
        ceiling = self.policy.ceiling(self._attempt)
        self._attempt += 1
        floor = ceiling * (1 - self.policy.jitter)
        return self._rng.uniform(floor, ceiling)

    def reset(self) -> None:
        """Start again from the initial delay (after a connection that worked)."""
        self._attempt = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionSettings:
    """How one project connection behaves; the defaults suit the mycelium overlay."""

    connect_timeout: float = 5.0
    """Seconds to wait for a TCP connection (and the WebSocket handshake)."""
    call_timeout: float = 20.0
    """Seconds to wait for any one request's answer."""
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    """Delays between attempts to reach a server that went away."""
    heartbeat_interval: float = 15.0
    """Seconds between presence heartbeats (the server expires presence after 45 s)."""
    unbound_poll_interval: float = 5.0
    """While the device is not signed in, how often to ask whether it is now."""
    ping_interval: float = 20.0
    """WebSocket keep-alive pings; a server that stops answering them is unreachable."""
    event_buffer: int = 1000
    """Events held for a slow reader; past this the stream pauses (nothing is lost)."""

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "call_timeout", "heartbeat_interval",
                     "unbound_poll_interval", "ping_interval"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.event_buffer < 1:
            raise ValueError("event_buffer must be at least 1")
