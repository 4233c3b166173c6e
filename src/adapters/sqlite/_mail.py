"""Repositories of the mail queue (bodies sealed at rest) and the sign-in request log."""

# SQL text here is assembled from constant fragments only; every value is a ? parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from datetime import datetime

import msgspec

from ...domain.mail_queue import MailKind, MailStatus, QueuedMail
from ...domain.sign_in_requests import SignInOutcome, SignInRequest
from ._sealing import BodySeal
from ._times import to_key, to_key_or_none, to_time, to_time_or_none
from .errors import MissingRow, execute_checked


class _Body(msgspec.Struct, frozen=True):
    text: str
    html: str


_BODY_ENCODER = msgspec.json.Encoder()
_BODY_DECODER = msgspec.json.Decoder(_Body)
_HEADERS_DECODER = msgspec.json.Decoder(list[tuple[str, str]])

_MAIL = (
    "id, kind, recipient, subject, body, headers, message_key, created_at, queued_at, "
    "not_after, status, attempts, next_attempt_at, last_attempt_at, last_error, sent_at"
)
_MAIL_GET = f"SELECT {_MAIL} FROM mail_queue WHERE id = ?"
_MAIL_ADD = f"INSERT INTO mail_queue ({_MAIL}) VALUES ({', '.join('?' * 16)})"
_MAIL_UPDATE = (
    "UPDATE mail_queue SET kind = ?, recipient = ?, subject = ?, body = ?, headers = ?, "
    "message_key = ?, created_at = ?, queued_at = ?, not_after = ?, status = ?, "
    "attempts = ?, next_attempt_at = ?, last_attempt_at = ?, last_error = ?, sent_at = ? "
    "WHERE id = ?"
)
_MAIL_DUE = (
    f"SELECT {_MAIL} FROM mail_queue WHERE status = 'pending' AND next_attempt_at <= ? "
    "ORDER BY next_attempt_at, id LIMIT ?"
)
_MAIL_NEXT_DUE = "SELECT MIN(next_attempt_at) FROM mail_queue WHERE status = 'pending'"
_MAIL_LIST = (
    f"SELECT {_MAIL} FROM mail_queue WHERE (?1 IS NULL OR status = ?1) ORDER BY id DESC "
    "LIMIT ?2"
)
_MAIL_COUNTS = "SELECT status, COUNT(*) FROM mail_queue GROUP BY status"

_MailRow = tuple[int, str, str, str, bytes | None, str, str, int, int, int | None, str, int,
                 int, int | None, str | None, int | None]


def _context(mail_id: int, message_key: str) -> bytes:
    return f"hero-assistance mail {mail_id} {message_key}".encode()


class SqliteMailQueue:
    """Queued mail; bodies are sealed on the way in and opened on the way out."""

    def __init__(self, conn: sqlite3.Connection, seal: BodySeal) -> None:
        self._c = conn
        self._seal = seal

    def _mail(self, row: _MailRow) -> QueuedMail:
        text = html = None
        if row[4] is not None:
            opened = self._seal.open(row[4], context=_context(row[0], row[6]))
            if opened is not None:  # else: sealed under another key; it reads as no body
                body = _BODY_DECODER.decode(opened)
                text, html = body.text, body.html
        return QueuedMail(
            id=row[0], kind=MailKind(row[1]), recipient=row[2], subject=row[3], text=text,
            html=html, headers=tuple(_HEADERS_DECODER.decode(row[5])), message_key=row[6],
            created_at=to_time(row[7]), queued_at=to_time(row[8]),
            not_after=to_time_or_none(row[9]), status=MailStatus(row[10]), attempts=row[11],
            next_attempt_at=to_time(row[12]), last_attempt_at=to_time_or_none(row[13]),
            last_error=row[14], sent_at=to_time_or_none(row[15]),
        )

    def _values(self, mail: QueuedMail) -> tuple[object, ...]:
        body = None
        if mail.text is not None and mail.html is not None:
            plain = _BODY_ENCODER.encode(_Body(text=mail.text, html=mail.html))
            body = self._seal.seal(plain, context=_context(mail.id, mail.message_key))
        return (
            mail.kind.value, mail.recipient, mail.subject, body,
            _BODY_ENCODER.encode([list(pair) for pair in mail.headers]).decode(),
            mail.message_key, to_key(mail.created_at), to_key(mail.queued_at),
            to_key_or_none(mail.not_after), mail.status.value, mail.attempts,
            to_key(mail.next_attempt_at), to_key_or_none(mail.last_attempt_at),
            mail.last_error, to_key_or_none(mail.sent_at),
        )

    def next_id(self) -> int:
        """One more than the highest id (safe: there is one writer)."""
        return int(self._c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM mail_queue")
                   .fetchone()[0])

    def get(self, mail_id: int) -> QueuedMail | None:
        """The mail, or ``None``."""
        row = self._c.execute(_MAIL_GET, (mail_id,)).fetchone()
        return None if row is None else self._mail(row)

    def add(self, mail: QueuedMail) -> None:
        """Queue a new mail; a taken id or message key raises ``DuplicateKey``."""
        execute_checked(self._c, _MAIL_ADD, (mail.id, *self._values(mail)))

    def update(self, mail: QueuedMail) -> None:
        """Replace a queued mail; an unknown id raises ``MissingRow``."""
        cur = execute_checked(self._c, _MAIL_UPDATE, (*self._values(mail), mail.id))
        if cur.rowcount == 0:
            raise MissingRow(f"mail {mail.id!r} does not exist")

    def due(self, now: datetime, *, limit: int) -> list[QueuedMail]:
        """Pending mail due by ``now``, soonest first."""
        return [self._mail(row) for row in self._c.execute(_MAIL_DUE, (to_key(now), limit))]

    def next_due_at(self) -> datetime | None:
        """The earliest next attempt of any pending mail."""
        return to_time_or_none(self._c.execute(_MAIL_NEXT_DUE).fetchone()[0])

    def listing(self, *, status: MailStatus | None = None, limit: int = 100
                ) -> list[QueuedMail]:
        """Newest first, optionally of one status."""
        params = (None if status is None else status.value, limit)
        return [self._mail(row) for row in self._c.execute(_MAIL_LIST, params)]

    def counts(self) -> dict[MailStatus, int]:
        """Mails per status."""
        return {MailStatus(status): int(n) for status, n in self._c.execute(_MAIL_COUNTS)}


_REQUEST = "id, at, device_addr, device_label, email, user_id, outcome, link_id"
_REQUEST_ADD = f"INSERT INTO sign_in_requests ({_REQUEST}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_REQUEST_UPDATE = (
    "UPDATE sign_in_requests SET at = ?, device_addr = ?, device_label = ?, email = ?, "
    "user_id = ?, outcome = ?, link_id = ? WHERE id = ?"
)
_REQUEST_RECEIVED = (
    f"SELECT {_REQUEST} FROM sign_in_requests WHERE outcome = 'received' ORDER BY id LIMIT ?"
)
_REQUEST_MAILED = (
    f"SELECT {_REQUEST} FROM sign_in_requests WHERE user_id = ? AND at > ? "
    "AND outcome = 'mailed' ORDER BY id"
)
_REQUEST_RECENT = f"SELECT {_REQUEST} FROM sign_in_requests ORDER BY id DESC LIMIT ?"
_REQUEST_FORGET = "DELETE FROM sign_in_requests WHERE at < ?"

_RequestRow = tuple[int, int, str, str, str | None, int | None, str, int | None]


def _request(row: _RequestRow) -> SignInRequest:
    return SignInRequest(id=row[0], at=to_time(row[1]), device_addr=row[2],
                         device_label=row[3], email=row[4], user_id=row[5],
                         outcome=SignInOutcome(row[6]), link_id=row[7])


def _request_values(r: SignInRequest) -> tuple[object, ...]:
    return (to_key(r.at), r.device_addr, r.device_label, r.email, r.user_id, r.outcome.value,
            r.link_id)


class SqliteSignInRequests:
    """The sign-in request log."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def next_id(self) -> int:
        """One more than the highest id (safe: there is one writer)."""
        sql = "SELECT COALESCE(MAX(id), 0) + 1 FROM sign_in_requests"
        return int(self._c.execute(sql).fetchone()[0])

    def add(self, request: SignInRequest) -> None:
        """Record a request; a taken id raises ``DuplicateKey``."""
        execute_checked(self._c, _REQUEST_ADD, (request.id, *_request_values(request)))

    def update(self, request: SignInRequest) -> None:
        """Replace a recorded request; an unknown id raises ``MissingRow``."""
        cur = execute_checked(self._c, _REQUEST_UPDATE, (*_request_values(request),
                                                         request.id))
        if cur.rowcount == 0:
            raise MissingRow(f"sign-in request {request.id!r} does not exist")

    def received(self, *, limit: int) -> list[SignInRequest]:
        """Requests not handled yet, oldest first."""
        return [_request(row) for row in self._c.execute(_REQUEST_RECEIVED, (limit,))]

    def mailed_since(self, user_id: int | None, since: datetime) -> list[SignInRequest]:
        """Requests after ``since`` that mailed ``user_id``, oldest first (``None``, an
        unknown email, matches no row)."""
        rows = self._c.execute(_REQUEST_MAILED, (user_id, to_key(since)))
        return [_request(row) for row in rows]

    def recent(self, *, limit: int) -> list[SignInRequest]:
        """Newest first."""
        return [_request(row) for row in self._c.execute(_REQUEST_RECENT, (limit,))]

    def forget_before(self, moment: datetime) -> int:
        """Delete requests made before ``moment``."""
        return int(self._c.execute(_REQUEST_FORGET, (to_key(moment),)).rowcount)
