"""Project-wide settings."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROJECT_NAME_LENGTH = 80


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectSettings:
    """The name people see and the switches that change policy for the whole project."""

    name: str
    # One customer organisation sharing a project: customers see every ticket.
    customers_see_all_tickets: bool = False
