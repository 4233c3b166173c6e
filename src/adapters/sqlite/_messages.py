"""Repositories of what people write: messages, their revisions, attachment metadata."""

# SQL text here is assembled from constant fragments only; every value is a ? parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from datetime import datetime

from ...domain.attachments import Attachment
from ...domain.messages import Message, MessageRevision, Visibility
from ...domain.tickets import Ticket
from ._ticket_query import TICKET_COLUMNS
from ._tickets import decode_list, encode_list, ticket_from_row
from ._times import to_key, to_key_or_none, to_time, to_time_or_none
from .errors import MissingRow, execute_checked

_MESSAGE = (
    "id, ticket_id, parent_id, author_id, body, visibility, attachments, created_at, edited_at"
)
_GET = f"SELECT {_MESSAGE} FROM messages WHERE id = ?"
_ADD = f"INSERT INTO messages ({_MESSAGE}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_UPDATE = (
    "UPDATE messages SET ticket_id = ?, parent_id = ?, author_id = ?, body = ?, "
    "visibility = ?, attachments = ?, created_at = ?, edited_at = ? WHERE id = ?"
)
_FOR_TICKET_ALL = (
    f"SELECT {_MESSAGE} FROM messages WHERE ticket_id = ? AND id > ? ORDER BY id LIMIT ?"
)
_FOR_TICKET_PUBLIC = (
    f"SELECT {_MESSAGE} FROM messages WHERE ticket_id = ? AND id > ? "
    "AND visibility = 'public' ORDER BY id LIMIT ?"
)
_ADD_REVISION = (
    "INSERT INTO message_revisions (message_id, number, body, editor_id, replaced_at) "
    "VALUES (?, ?, ?, ?, ?)"
)
_REVISIONS = (
    "SELECT message_id, number, body, editor_id, replaced_at FROM message_revisions "
    "WHERE message_id = ? ORDER BY number"
)

_MessageRow = tuple[int, int, int | None, int, str, str, str, int, int | None]


def _message(row: _MessageRow) -> Message:
    return Message(
        id=row[0], ticket_id=row[1], parent_id=row[2], author_id=row[3], body=row[4],
        visibility=Visibility(row[5]), attachments=decode_list(row[6]),
        created_at=to_time(row[7]), edited_at=to_time_or_none(row[8]),
    )


def _values(m: Message) -> tuple[object, ...]:
    return (
        m.ticket_id, m.parent_id, m.author_id, m.body, m.visibility.value,
        encode_list(m.attachments), to_key(m.created_at), to_key_or_none(m.edited_at),
    )


class SqliteMessages:
    """Messages and the bodies they had before each edit."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def next_id(self) -> int:
        """One more than the highest id (safe: there is one writer)."""
        sql = "SELECT COALESCE(MAX(id), 0) + 1 FROM messages"
        return int(self._c.execute(sql).fetchone()[0])

    def get(self, message_id: int) -> Message | None:
        """The message, or ``None``."""
        row = self._c.execute(_GET, (message_id,)).fetchone()
        return None if row is None else _message(row)

    def add(self, message: Message) -> None:
        """Store a new message; a taken id raises ``DuplicateKey``, an unknown ticket
        ``MissingRow``."""
        execute_checked(self._c, _ADD, (message.id, *_values(message)))

    def update(self, message: Message) -> None:
        """Replace a stored message; an unknown id raises ``MissingRow``."""
        cur = execute_checked(self._c, _UPDATE, (*_values(message), message.id))
        if cur.rowcount == 0:
            raise MissingRow(f"message {message.id!r} does not exist")

    def for_ticket(self, ticket_id: int, *, include_internal: bool, after_id: int = 0,
                   limit: int = 200) -> list[Message]:
        """A ticket's messages in id order, after ``after_id``, at most ``limit``."""
        sql = _FOR_TICKET_ALL if include_internal else _FOR_TICKET_PUBLIC
        return [_message(row) for row in self._c.execute(sql, (ticket_id, after_id, limit))]

    def add_revision(self, revision: MessageRevision) -> None:
        """Keep a body a message had before an edit."""
        execute_checked(self._c, _ADD_REVISION, (
            revision.message_id, revision.number, revision.body, revision.editor_id,
            to_key(revision.replaced_at),
        ))

    def revisions(self, message_id: int) -> list[MessageRevision]:
        """A message's earlier bodies, oldest first."""
        return [
            MessageRevision(message_id=r[0], number=r[1], body=r[2], editor_id=r[3],
                            replaced_at=to_time(r[4]))
            for r in self._c.execute(_REVISIONS, (message_id,))
        ]


_ATTACHMENT = "sha256, mime, size, width, height, created_at"
_ATTACHMENT_GET = f"SELECT {_ATTACHMENT} FROM attachments WHERE sha256 = ?"
_ATTACHMENT_ADD = f"INSERT INTO attachments ({_ATTACHMENT}) VALUES (?, ?, ?, ?, ?, ?)"
_UPLOADER_ADD = (
    "INSERT INTO attachment_uploaders (sha256, user_id, uploaded_at) VALUES (?, ?, ?) "
    "ON CONFLICT (sha256, user_id) DO NOTHING"
)
_IS_UPLOADER = "SELECT 1 FROM attachment_uploaders WHERE sha256 = ? AND user_id = ?"
_REFERENCING = (
    f"SELECT {TICKET_COLUMNS} FROM tickets AS t WHERE t.id IN ("
    "SELECT m.ticket_id FROM message_attachments AS a JOIN messages AS m ON m.id = a.message_id "
    "WHERE a.sha256 = ?{visible}) ORDER BY t.id"
)
_REFERENCING_ALL = _REFERENCING.format(visible="")
_REFERENCING_PUBLIC = _REFERENCING.format(visible=" AND m.visibility = 'public'")


class SqliteAttachments:
    """Attachment metadata, who uploaded what, and which messages reference what."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def totals(self) -> tuple[int, int]:
        """How many attachments are stored and their bytes (for metrics; not in the port)."""
        count, size = self._c.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM attachments").fetchone()
        return int(count), int(size)

    def get(self, sha256: str) -> Attachment | None:
        """The metadata, or ``None``."""
        r = self._c.execute(_ATTACHMENT_GET, (sha256,)).fetchone()
        if r is None:
            return None
        return Attachment(sha256=r[0], mime=r[1], size=r[2], width=r[3], height=r[4],
                          created_at=to_time(r[5]))

    def add(self, attachment: Attachment) -> None:
        """Store metadata; a known sha256 raises ``DuplicateKey``."""
        a = attachment
        execute_checked(self._c, _ATTACHMENT_ADD, (
            a.sha256, a.mime, a.size, a.width, a.height, to_key(a.created_at),
        ))

    def add_uploader(self, sha256: str, user_id: int, at: datetime) -> None:
        """Remember that a user uploaded a stored attachment (the first time counts)."""
        execute_checked(self._c, _UPLOADER_ADD, (sha256, user_id, to_key(at)))

    def is_uploader(self, sha256: str, user_id: int) -> bool:
        """Whether the user uploaded it."""
        return self._c.execute(_IS_UPLOADER, (sha256, user_id)).fetchone() is not None

    def referencing_tickets(self, sha256: str, *, include_internal: bool) -> list[Ticket]:
        """Tickets with a message that attaches it, by id."""
        sql = _REFERENCING_ALL if include_internal else _REFERENCING_PUBLIC
        return [ticket_from_row(row) for row in self._c.execute(sql, (sha256,))]
