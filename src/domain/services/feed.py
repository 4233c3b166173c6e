"""The event feed: replay what a caller may see after a sequence number."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput
from ..events import Event
from ..identity import Caller
from ..policy import event_visible_to, require_bound
from ..ports import Repositories, Storage
from ..project import ProjectSettings

MAX_REPLAY = 1000
SCAN_BATCH = 5000


@dataclass(frozen=True, slots=True, kw_only=True)
class Replay:
    """Events the caller may see, and the sequence number the scan reached.

    ``up_to`` can be past the last returned event (hidden events were skipped); a
    client resumes with ``since=up_to``. ``complete`` says the log's end was reached.
    """

    events: tuple[Event, ...]
    up_to: int
    complete: bool


class EventFeed:
    """Reads of the durable event log, filtered by policy."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def replay(self, caller: Caller, since: int, *, limit: int = MAX_REPLAY) -> Replay:
        """Up to ``limit`` visible events with ``seq > since``, in order."""
        who = require_bound(caller)
        if since < 0:
            raise InvalidInput("since", "must not be negative")
        if not 1 <= limit <= MAX_REPLAY:
            raise InvalidInput("limit", f"must be between 1 and {MAX_REPLAY}")

        def scan(repos: Repositories) -> Replay:
            settings = repos.project.settings()
            found: list[Event] = []
            cursor = since
            scanned = 0
            while True:
                batch = repos.events.after(cursor, limit=SCAN_BATCH)
                for event in batch:
                    cursor = event.seq or cursor
                    if event_visible_to(who, event, settings):
                        found.append(event)
                        if len(found) == limit:
                            break
                scanned += len(batch)
                done = len(batch) < SCAN_BATCH and len(found) < limit
                if done or len(found) == limit or scanned >= 10 * SCAN_BATCH:
                    return Replay(events=tuple(found), up_to=cursor, complete=done)

        return await self._storage.read(scan)

    async def last_seq(self) -> int:
        """The newest sequence number of the project."""
        return await self._storage.read(lambda r: r.events.last_seq())

    async def settings(self) -> ProjectSettings:
        """The settings live routing needs to apply the same policy as replay."""
        return await self._storage.read(lambda r: r.project.settings())
