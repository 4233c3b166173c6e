"""Write, number the events in the same transaction, publish them once durable."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..events import Event, NewEvent
from ..ports import EventPublisher, Repositories, Storage

T = TypeVar("T")

WorkWithEvents = Callable[[Repositories], tuple[T, list[NewEvent]]]


async def write_and_publish(storage: Storage, publisher: EventPublisher,
                            work: WorkWithEvents[T]) -> T:
    """Run ``work`` as one unit of work and publish its events after the commit.

    The events are appended to the durable log inside the same transaction as the
    change, so a subscriber that replays with ``since`` sees exactly what committed.
    """

    def run(repos: Repositories) -> tuple[T, list[Event]]:
        result, new_events = work(repos)
        return result, [repos.events.append(event) for event in new_events]

    result, events = await storage.write(run)
    if events:
        publisher.publish(events)
    return result
