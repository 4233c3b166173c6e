"""The live event hub: the :class:`~hero_assistance.domain.ports.EventPublisher` the
server hands to its use cases, and the place WebSocket handlers subscribe.

``publish`` runs synchronously right after a commit, on the event loop: it never
awaits and never blocks. Each event is offered only to the subscriptions the routing
index names for it, and of those only to callers the domain policy allows
(:func:`~hero_assistance.domain.policy.event_visible_to`). A subscriber that cannot
keep up is closed, not waited for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ...domain.errors import InvalidInput
from ...domain.events import Event, EventKind
from ...domain.identity import CallerIdentity
from ...domain.policy import event_visible_to
from ...domain.project import ProjectSettings
from ._routing import RoutingIndex
from .subscription import CloseCause, Subscription

DEFAULT_QUEUE_SIZE = 1000


@dataclass(slots=True)
class HubStats:
    """Running counters, for tests and metrics: they show what routing costs.

    ``candidates`` counts policy evaluations (subscriptions the index offered for an
    event); with interest-based routing it tracks ``deliveries``, not the number of
    subscribers.
    """

    publishes: int = 0
    events: int = 0
    candidates: int = 0
    deliveries: int = 0
    overflows: int = 0


class EventHub:
    """Routes committed events to the live subscriptions that asked for them and may see them.

    ``settings`` returns the project's current settings; it is called once per
    :meth:`publish` (the server keeps what it returns up to date). The hub belongs to
    one event loop and is not thread-safe.
    """

    def __init__(self, settings: Callable[[], ProjectSettings]) -> None:
        self._settings = settings
        self._index = RoutingIndex()
        self.stats = HubStats()

    def __len__(self) -> int:
        """The number of open subscriptions."""
        return len(self._index)

    def subscribe(self, who: CallerIdentity, *, ticket_ids: frozenset[int] | None = None,
                  kinds: frozenset[EventKind] | None = None,
                  queue_size: int = DEFAULT_QUEUE_SIZE) -> Subscription:
        """Start receiving live events.

        ``ticket_ids=None`` means every ticket ``who`` may see (this follows the
        project setting as it changes); ``kinds=None`` means every kind. Events about
        tickets ``who`` may not see are never delivered, whatever was asked for.
        """
        if ticket_ids is not None and not ticket_ids:
            raise InvalidInput("ticket_ids", "must name at least one ticket (omit it for all)")
        if kinds is not None and not kinds:
            raise InvalidInput("kinds", "must name at least one kind (omit it for all)")
        if queue_size < 1:
            raise InvalidInput("queue_size", "must be at least 1")
        sub = Subscription(who, ticket_ids=ticket_ids, kinds=kinds, queue_size=queue_size,
                           on_close=self._index.remove)
        self._index.add(sub)
        return sub

    def publish(self, events: Sequence[Event]) -> None:
        """Offer each event to its allowed, interested subscribers; never blocks.

        Durable events must be published in ``seq`` order (after their commit, as the
        use cases do); live-only events (``seq`` is ``None``) are routed the same way.
        """
        if not events or not self._index:
            return
        settings = self._settings()
        stats = self.stats
        stats.publishes += 1
        for event in events:
            stats.events += 1
            for sub in self._index.candidates(event, settings):
                stats.candidates += 1
                if not event_visible_to(sub.who, event, settings):
                    continue
                if sub.offer(event):
                    stats.deliveries += 1
                elif not sub.closed:
                    stats.overflows += 1
                    sub.end(f"slow consumer: more than {sub.queue_size} events queued",
                            CloseCause.SLOW_CONSUMER)

    def drop_user(self, user_id: int, reason: str) -> int:
        """Close every subscription of ``user_id`` (disabled, role changed...).

        Returns how many were closed. Their consumers get ``SubscriptionClosed`` with
        ``reason`` and cause ``ACCESS_CHANGED``.
        """
        subs = self._index.of_user(user_id)
        for sub in subs:
            sub.end(reason, CloseCause.ACCESS_CHANGED)
        return len(subs)

    def drop_device(self, device_addr: str, reason: str) -> int:
        """Close every subscription made from ``device_addr`` (device revoked)."""
        subs = self._index.of_device(device_addr)
        for sub in subs:
            sub.end(reason, CloseCause.ACCESS_CHANGED)
        return len(subs)

    def close_all(self, reason: str = "server shutting down") -> int:
        """Close every subscription (server shutdown); returns how many were open."""
        subs = tuple(self._index)
        for sub in subs:
            sub.end(reason, CloseCause.SHUTDOWN)
        return len(subs)
