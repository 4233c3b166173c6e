"""Presence: heartbeats, who is on a ticket, and expiry of silent devices."""

from __future__ import annotations

from dataclasses import replace

from ..errors import InvalidInput
from ..events import EventKind, NewEvent
from ..identity import Caller, CallerIdentity
from ..policy import ensure_can_see, presence_visible_to, require_bound
from ..ports import Clock, EventPublisher, Repositories, Storage
from ..presence import (
    PRESENCE_TIMEOUT,
    Presence,
    PresenceState,
    TicketWatcher,
    watchers_of,
)
from ._snapshots import presence_data


class PresenceBoard:
    """Use cases on presence. Presence changes are live events, not durable ones."""

    def __init__(self, storage: Storage, clock: Clock, publisher: EventPublisher) -> None:
        self._storage = storage
        self._clock = clock
        self._publisher = publisher

    async def heartbeat(self, caller: Caller, *, state: PresenceState = PresenceState.ONLINE,
                        viewing_ticket_id: int | None = None, typing: bool = False) -> Presence:
        """Record what this device shows; tell others only when that changed."""
        who = require_bound(caller)
        if typing and viewing_ticket_id is None:
            raise InvalidInput("typing", "needs the ticket being answered (viewing_ticket_id)")
        now = self._clock.now()

        def put(repos: Repositories) -> tuple[Presence, list[NewEvent]]:
            settings = repos.project.settings()
            requester: int | None = None
            if viewing_ticket_id is not None:
                ticket = ensure_can_see(who, repos.tickets.get(viewing_ticket_id),
                                        viewing_ticket_id, settings)
                requester = ticket.requester_id
            previous = repos.presence.get(who.device_addr)
            presence = Presence(
                device_addr=who.device_addr, user_id=who.user_id, role=who.role, state=state,
                viewing_ticket_id=viewing_ticket_id, typing=typing, last_seen=now,
            )
            repos.presence.put(presence)
            if previous is not None and previous.is_live(now) and previous.same_signal(presence):
                return presence, []
            events = [_presence_event(presence, requester)]
            if previous is not None and previous.viewing_ticket_id not in (
                None, viewing_ticket_id
            ):
                # The device left a ticket: those watching that ticket must hear it too.
                old_ticket = repos.tickets.get(previous.viewing_ticket_id)
                left = replace(presence, viewing_ticket_id=previous.viewing_ticket_id,
                               state=PresenceState.OFFLINE, typing=False)
                old_requester = old_ticket.requester_id if old_ticket else None
                events.append(_presence_event(left, old_requester))
            return presence, events

        presence, events = await self._storage.write(put)
        self._publisher.publish([event.live() for event in events])
        return presence

    async def on_ticket(self, caller: Caller, ticket_id: int) -> list[TicketWatcher]:
        """Who is viewing or typing on a ticket, as far as the caller may know."""
        who = require_bound(caller)
        now = self._clock.now()

        def look(repos: Repositories) -> list[TicketWatcher]:
            settings = repos.project.settings()
            ticket = ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id, settings)
            visible = [
                p for p in repos.presence.on_ticket(ticket_id)
                if presence_visible_to(who, p, ticket.requester_id, settings)
            ]
            return watchers_of(ticket_id, visible, now)

        return await self._storage.read(look)

    async def expire(self) -> list[Presence]:
        """Drop devices silent for longer than the timeout and tell those who watched."""
        now = self._clock.now()

        def sweep(repos: Repositories) -> tuple[list[Presence], list[NewEvent]]:
            gone = [p for p in repos.presence.all() if now - p.last_seen >= PRESENCE_TIMEOUT]
            events: list[NewEvent] = []
            for p in gone:
                repos.presence.remove(p.device_addr)
                ticket = (
                    repos.tickets.get(p.viewing_ticket_id)
                    if p.viewing_ticket_id is not None else None
                )
                offline = replace(p, state=PresenceState.OFFLINE, typing=False, last_seen=now)
                events.append(_presence_event(offline, ticket.requester_id if ticket else None))
            return gone, events

        gone, events = await self._storage.write(sweep)
        self._publisher.publish([event.live() for event in events])
        return gone

    async def sign_off(self, caller: CallerIdentity) -> None:
        """A device closed its connection: it is offline now, not after the timeout."""
        now = self._clock.now()

        def remove(repos: Repositories) -> list[NewEvent]:
            previous = repos.presence.get(caller.device_addr)
            if previous is None:
                return []
            repos.presence.remove(caller.device_addr)
            ticket = (
                repos.tickets.get(previous.viewing_ticket_id)
                if previous.viewing_ticket_id is not None else None
            )
            offline = replace(previous, state=PresenceState.OFFLINE, typing=False, last_seen=now)
            return [_presence_event(offline, ticket.requester_id if ticket else None)]

        events = await self._storage.write(remove)
        self._publisher.publish([event.live() for event in events])


def _presence_event(presence: Presence, requester_id: int | None) -> NewEvent:
    # Customers learn only about staff on their tickets: a customer's own presence is
    # routed as a staff-only event.
    return NewEvent(
        kind=EventKind.PRESENCE_CHANGED, ticket_id=presence.viewing_ticket_id,
        requester_id=requester_id, internal=not presence.role.is_staff,
        occurred_at=presence.last_seen, data={"presence": presence_data(presence)},
    )
