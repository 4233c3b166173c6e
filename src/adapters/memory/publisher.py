"""An event publisher that records what was published and forwards it to listeners."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ...domain.events import Event


class RecordingPublisher:
    """Keeps every published event in order; listeners are called synchronously."""

    def __init__(self) -> None:
        self.published: list[Event] = []
        self._listeners: list[Callable[[Event], None]] = []

    def listen(self, listener: Callable[[Event], None]) -> None:
        """Call ``listener`` for each event published from now on."""
        self._listeners.append(listener)

    def publish(self, events: Sequence[Event]) -> None:
        """Record and forward."""
        for event in events:
            self.published.append(event)
            for listener in self._listeners:
                listener(event)
