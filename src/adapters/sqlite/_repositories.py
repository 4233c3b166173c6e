"""All repositories over one connection: what a unit of work receives."""

from __future__ import annotations

import sqlite3

from ._accounts import SqliteDevices, SqliteMagicLinks, SqliteProject, SqliteUsers
from ._live import SqliteEvents, SqlitePresence
from ._messages import SqliteAttachments, SqliteMessages
from ._tickets import SqliteTickets


class SqliteRepositories:
    """The :class:`~hero_assistance.domain.ports.Repositories` of one connection.

    Built once per connection and reused by every unit of work run on it; the
    repositories hold nothing but the connection, so there is no state to leak between
    jobs.
    """

    __slots__ = (
        "attachments", "devices", "events", "magic_links", "messages", "presence",
        "project", "tickets", "users",
    )

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.users = SqliteUsers(conn)
        self.devices = SqliteDevices(conn)
        self.magic_links = SqliteMagicLinks(conn)
        self.tickets = SqliteTickets(conn)
        self.messages = SqliteMessages(conn)
        self.attachments = SqliteAttachments(conn)
        self.presence = SqlitePresence(conn)
        self.events = SqliteEvents(conn)
        self.project = SqliteProject(conn)
