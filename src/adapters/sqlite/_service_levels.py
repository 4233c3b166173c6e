"""The business calendar (``business_calendar``) and policies (``service_level_targets``)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from itertools import groupby

from ...domain.business_calendar import BusinessCalendar, WorkingHours
from ...domain.service_levels import ServiceLevelPolicy, Target, TargetKind, by_priority
from ...domain.tickets import Priority

_CALENDAR_GET = "SELECT zone, hours, holidays FROM business_calendar WHERE id = 1"
_CALENDAR_PUT = (
    "INSERT INTO business_calendar (id, zone, hours, holidays) VALUES (1, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET zone = excluded.zone, hours = excluded.hours, "
    "holidays = excluded.holidays"
)
_TARGETS = "SELECT priority, kind, minutes, business FROM service_level_targets ORDER BY priority"
_TARGETS_CLEAR = "DELETE FROM service_level_targets WHERE priority = ?"
_TARGET_ADD = (
    "INSERT INTO service_level_targets (priority, kind, minutes, business) VALUES (?, ?, ?, ?)"
)


class SqliteServiceLevels:
    """What an admin set up for service levels; small tables, read whole."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def calendar(self) -> BusinessCalendar | None:
        """The stored calendar, or ``None``."""
        row = self._c.execute(_CALENDAR_GET).fetchone()
        if row is None:
            return None
        hours = tuple(WorkingHours(int(d), int(s), int(e)) for d, s, e in json.loads(row[1]))
        holidays = tuple(date.fromisoformat(day) for day in json.loads(row[2]))
        return BusinessCalendar(zone=row[0], hours=hours, holidays=holidays)

    def save_calendar(self, calendar: BusinessCalendar) -> None:
        """Replace the calendar."""
        hours = json.dumps([[h.weekday, h.start, h.end] for h in calendar.hours])
        holidays = json.dumps([day.isoformat() for day in calendar.holidays])
        self._c.execute(_CALENDAR_PUT, (calendar.zone, hours, holidays))

    def policies(self) -> list[ServiceLevelPolicy]:
        """Every stored policy, most urgent first."""
        rows = self._c.execute(_TARGETS).fetchall()
        found = []
        for priority, targets in groupby(rows, key=lambda r: r[0]):
            chosen = sorted((Target(TargetKind(kind), int(minutes), bool(business))
                             for _, kind, minutes, business in targets),
                            key=lambda t: list(TargetKind).index(t.kind))
            found.append(ServiceLevelPolicy(priority=Priority(priority), targets=tuple(chosen)))
        return by_priority(found)

    def save_policy(self, policy: ServiceLevelPolicy) -> None:
        """Replace the targets of the policy's priority."""
        self._c.execute(_TARGETS_CLEAR, (policy.priority.value,))
        self._c.executemany(_TARGET_ADD, [
            (policy.priority.value, t.kind.value, t.minutes, int(t.business))
            for t in policy.targets])

    def remove_policy(self, priority: Priority) -> bool:
        """Drop the priority's targets; whether there were any."""
        return self._c.execute(_TARGETS_CLEAR, (priority.value,)).rowcount > 0
