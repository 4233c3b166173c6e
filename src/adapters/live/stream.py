"""Resume a live feed after a gap: replay the durable log, then go live, without
losing or repeating an event.

The order of operations is what makes it gap-free. The stream subscribes to the hub
*first*, so everything published from then on is buffered; only then does it read
the durable log after ``since``. Any event committed before the subscription is in
the log; any event published after it is in the buffer; events in both are
recognised by their ``seq`` and delivered once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from types import TracebackType

from ...domain.errors import InvalidInput
from ...domain.events import Event, EventKind
from ...domain.identity import CallerIdentity
from ...domain.services.feed import MAX_REPLAY, EventFeed
from .hub import DEFAULT_QUEUE_SIZE, EventHub
from .subscription import Subscription


class EventStream:
    """Everything ``who`` may see after ``since``: replayed events, then live ones.

    Durable events come exactly once, in ``seq`` order: the replayed ones first, then
    live ones with a ``seq`` past the point the replay reached (those at or before it
    were already replayed, or deliberately skipped by the same filters). Live-only
    events (presence, ``seq`` is ``None``) are passed through as they come; they are
    not in the log, so nothing published before the subscription is replayed for them.

    The subscription is made when the stream is constructed. Iterate with
    ``async for``; it ends quietly after :meth:`close` and raises
    :class:`~.subscription.SubscriptionClosed` if the hub ends the subscription
    (slow consumer, lost access, shutdown), even in the middle of the replay. Use it
    as ``async with`` so the subscription is always released. ``replay_page`` is how
    many events one read of the log may return.
    """

    def __init__(self, hub: EventHub, feed: EventFeed, who: CallerIdentity, *, since: int,
                 ticket_ids: frozenset[int] | None = None,
                 kinds: frozenset[EventKind] | None = None,
                 queue_size: int = DEFAULT_QUEUE_SIZE, replay_page: int = MAX_REPLAY) -> None:
        # Checked before subscribing, so a refused request leaves no subscription behind.
        if since < 0:
            raise InvalidInput("since", "must not be negative")
        if not 1 <= replay_page <= MAX_REPLAY:
            raise InvalidInput("replay_page", f"must be between 1 and {MAX_REPLAY}")
        self._feed = feed
        self._who = who
        self._replay_page_size = replay_page
        self._subscription = hub.subscribe(who, ticket_ids=ticket_ids, kinds=kinds,
                                           queue_size=queue_size)
        self._cursor = since  # how far the durable log has been read
        self._log_complete = False
        self._replayed: deque[Event] = deque()

    @property
    def subscription(self) -> Subscription:
        """The live subscription underneath (its ``close_reason`` says why it ended)."""
        return self._subscription

    @property
    def replaying(self) -> bool:
        """Whether events still come from the durable log rather than live."""
        return bool(self._replayed) or not self._log_complete

    @property
    def replayed_through(self) -> int:
        """The ``seq`` the replay has read up to; live durable events at or before it
        are dropped as already covered."""
        return self._cursor

    def close(self) -> None:
        """Stop: unsubscribe and end iteration."""
        self._subscription.close()

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        """The next replayed event while the replay lasts, then the next live one."""
        replayed = await self.next_replayed()
        if replayed is not None:
            return replayed
        while True:
            event = await self._subscription.__anext__()
            # The replay already covered every durable event up to the cursor: those
            # it yielded, and those the policy or the filters left out.
            if event.seq is None or event.seq > self._cursor:
                return event

    async def next_replayed(self) -> Event | None:
        """The next event of the replay, reading the log as needed; ``None`` once the
        replay is over (live events, queued meanwhile, then come from ``async for``)."""
        while True:
            if self._subscription.closed:
                # Raises at once: ends quietly after close(), else with the hub's reason.
                return await self._subscription.__anext__()
            if self._replayed:
                return self._replayed.popleft()
            if self._log_complete:
                return None
            await self._replay_page()

    def go_live(self, receiver: Callable[[Event], None]) -> bool:
        """Once replayed and caught up, hand later events straight to ``receiver``.

        ``False`` while replayed or queued live events are still to be taken with
        ``async for`` (or the stream has ended). After ``True``, ``receiver`` gets every
        later event inside the hub's publish, with the same rule as iteration (durable
        events the replay covered are left out), and ``async for`` yields nothing more:
        it just ends when the subscription does. See :meth:`Subscription.deliver_to`.
        """
        subscription = self._subscription
        if self.replaying or subscription.pending or subscription.closed:
            return False
        cursor = self._cursor

        def forward(event: Event) -> None:
            if event.seq is None or event.seq > cursor:
                receiver(event)

        subscription.deliver_to(forward)
        return True

    async def _replay_page(self) -> None:
        page = await self._feed.replay(self._who, self._cursor, limit=self._replay_page_size)
        self._cursor = page.up_to
        self._log_complete = page.complete
        self._replayed.extend(e for e in page.events if self._subscription.wants(e))


def stream(hub: EventHub, feed: EventFeed, who: CallerIdentity, *, since: int,
           ticket_ids: frozenset[int] | None = None,
           kinds: frozenset[EventKind] | None = None,
           queue_size: int = DEFAULT_QUEUE_SIZE, replay_page: int = MAX_REPLAY) -> EventStream:
    """Subscribe now, then replay after ``since`` and continue live (see :class:`EventStream`).

    ``replay_page`` is how many events one read of the log may return.
    """
    return EventStream(hub, feed, who, since=since, ticket_ids=ticket_ids, kinds=kinds,
                       queue_size=queue_size, replay_page=replay_page)
