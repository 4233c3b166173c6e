"""Live delivery of events: the hub that routes them, subscriptions, resumable streams.

:class:`EventHub` implements the domain's ``EventPublisher`` port. A WebSocket handler
serving ``events.subscribe`` opens an :class:`EventStream` (replay after ``since``,
then live) and closes its socket with :attr:`SubscriptionClosed.reason` when the hub
ends the subscription.
"""

from .hub import DEFAULT_QUEUE_SIZE, EventHub, HubStats
from .stream import EventStream, stream
from .subscription import CloseCause, Subscription, SubscriptionClosed

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "CloseCause",
    "EventHub",
    "EventStream",
    "HubStats",
    "Subscription",
    "SubscriptionClosed",
    "stream",
]
