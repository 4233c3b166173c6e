"""All repositories over one connection: what a unit of work receives."""

from __future__ import annotations

import sqlite3

from ._accounts import SqliteDevices, SqliteMagicLinks, SqliteProject, SqliteUsers
from ._live import SqliteEvents, SqlitePresence
from ._mail import SqliteMailQueue, SqliteSignInRequests
from ._messages import SqliteAttachments, SqliteMessages
from ._request_keys import SqliteRequestKeys
from ._sealing import BodySeal
from ._service_levels import SqliteServiceLevels
from ._tickets import SqliteTickets
from ._workspace import SqliteCanned, SqliteReads, SqliteTeams


class SqliteRepositories:
    """The :class:`~hero_assistance.domain.ports.Repositories` of one connection.

    Built once per connection and reused by every unit of work run on it; the
    repositories hold nothing but the connection (and the store's body seal), so there
    is no state to leak between jobs.
    """

    __slots__ = (
        "attachments", "canned", "devices", "events", "magic_links", "mail_queue", "messages",
        "presence", "project", "reads", "request_keys", "service_levels",
        "sign_in_requests", "teams", "tickets",
        "users",
    )

    def __init__(self, conn: sqlite3.Connection, *, seal: BodySeal) -> None:
        self.users = SqliteUsers(conn)
        self.devices = SqliteDevices(conn)
        self.magic_links = SqliteMagicLinks(conn)
        self.tickets = SqliteTickets(conn)
        self.messages = SqliteMessages(conn)
        self.attachments = SqliteAttachments(conn)
        self.presence = SqlitePresence(conn)
        self.events = SqliteEvents(conn)
        self.project = SqliteProject(conn)
        self.mail_queue = SqliteMailQueue(conn, seal)
        self.sign_in_requests = SqliteSignInRequests(conn)
        self.teams = SqliteTeams(conn)
        self.reads = SqliteReads(conn)
        self.canned = SqliteCanned(conn)
        self.request_keys = SqliteRequestKeys(conn)
        self.service_levels = SqliteServiceLevels(conn)
