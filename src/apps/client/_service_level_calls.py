"""The server's service-level methods (issue 15), typed: the business calendar, each
priority's policy and a ticket's promises.

:class:`~.methods.ProjectMethods` inherits these; the transport is its ``_call``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import msgspec

from ...adapters.support_rpc import wire
from ...adapters.support_rpc import wire_service_levels as sl
from ...domain.tickets import Priority

T = TypeVar("T")


class ServiceLevelMethods:
    """The service-level server methods; subclasses implement :meth:`_call`."""

    async def _call(self, method: str, params: msgspec.Struct | None, result: type[T]) -> T:
        raise NotImplementedError

    async def service_level_settings(self) -> sl.ServiceLevelSettingsView:
        """The business calendar and each priority's targets (staff)."""
        return await self._call("sla.settings", None, sl.ServiceLevelSettingsView)

    async def set_calendar(self, zone: str, hours: Iterable[sl.WorkingHoursParams],
                           holidays: Iterable[str] = ()) -> sl.CalendarView:
        """Replace the business calendar (admins)."""
        params = sl.CalendarParams(zone=zone, hours=list(hours), holidays=list(holidays))
        return await self._call("sla.set_calendar", params, sl.CalendarView)

    async def set_policy(self, priority: Priority, targets: Iterable[sl.TargetParams]
                         ) -> sl.PolicyView | None:
        """Set a priority's targets (admins); none removes its policy."""
        params = sl.PolicyParams(priority=priority, targets=list(targets))
        return await self._call("sla.set_policy", params, sl.PolicyView | None)  # type: ignore[arg-type]

    async def ticket_service_level(self, ticket_id: int) -> sl.TicketServiceLevelView:
        """Where a ticket's promises stand now."""
        return await self._call("ticket.service_level", wire.TicketRef(ticket_id=ticket_id),
                                sl.TicketServiceLevelView)
