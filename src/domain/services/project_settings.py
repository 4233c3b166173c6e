"""The project's own settings: its name and the switch that widens what customers see.

Changing them is an admin's act with three effects, in order: the change and a
``project.updated`` event commit together (so a client that reconnects with ``since``
learns the new name too), live subscribers get the event, and the settings observer
(the server: its live routing, its ``server.json``) applies them at once.
"""

from __future__ import annotations

from dataclasses import replace

from ..events import EventKind, NewEvent
from ..identity import Caller, clean_label
from ..policy import require_settings_admin
from ..ports import Clock, EventPublisher, Repositories, SettingsObserver, Storage
from ..project import MAX_PROJECT_NAME_LENGTH, ProjectSettings
from ._publishing import write_and_publish


def settings_data(settings: ProjectSettings) -> dict[str, object]:
    """The JSON-ready snapshot a ``project.updated`` event carries."""
    return {"name": settings.name,
            "customers_see_all_tickets": settings.customers_see_all_tickets}


class ProjectAdministration:
    """Reading and changing the project's settings."""

    def __init__(self, storage: Storage, clock: Clock, publisher: EventPublisher,
                 observer: SettingsObserver | None = None) -> None:
        self._storage = storage
        self._clock = clock
        self._publisher = publisher
        self._observer = observer

    async def settings(self) -> ProjectSettings:
        """The current settings (public: ``project.info`` shows them to anyone)."""
        return await self._storage.read(lambda r: r.project.settings())

    async def update(self, caller: Caller, *, name: str | None = None,
                     customers_see_all_tickets: bool | None = None) -> ProjectSettings:
        """Rename the project and/or switch what customers see (admins only).

        A change that changes nothing records no event.
        """
        who = require_settings_admin(caller)
        clean_name = (clean_label("name", name, MAX_PROJECT_NAME_LENGTH)
                      if name is not None else None)
        now = self._clock.now()

        def change(repos: Repositories) -> tuple[tuple[ProjectSettings, bool], list[NewEvent]]:
            before = repos.project.settings()
            after = before
            if clean_name is not None:
                after = replace(after, name=clean_name)
            if customers_see_all_tickets is not None:
                after = replace(after, customers_see_all_tickets=customers_see_all_tickets)
            if after == before:
                return (after, False), []
            repos.project.save(after)
            return (after, True), [NewEvent(
                kind=EventKind.PROJECT_UPDATED, ticket_id=None, requester_id=None,
                internal=False, occurred_at=now,
                data={"project": settings_data(after), "actor_id": who.user_id},
            )]

        settings, changed = await write_and_publish(self._storage, self._publisher, change)
        if changed and self._observer is not None:
            await self._observer.settings_changed(settings)
        return settings
