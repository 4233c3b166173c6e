"""What every server method receives: the caller, and the connection's abilities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ...domain.identity import Caller
from . import wire


class EventSubscriptions(Protocol):
    """Live event streams of one WebSocket connection."""

    async def subscribe(self, params: wire.SubscribeParams) -> wire.SubscribeResult:
        """Start a stream (replay after ``since``, then live) as notifications."""
        ...

    async def unsubscribe(self, subscription: str) -> bool:
        """Stop a stream; ``False`` if it was not running."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestContext:
    """The identity boundary's verdict and, on a WebSocket, its event streams."""

    caller: Caller
    subscriptions: EventSubscriptions | None = None
