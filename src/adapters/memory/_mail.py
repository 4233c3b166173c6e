"""In-memory repositories of the mail queue and the sign-in request log."""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime

from ...domain.mail_queue import MailStatus, QueuedMail
from ...domain.sign_in_requests import SignInOutcome, SignInRequest


def _require_absent(table: Container[object], key: object, what: str) -> None:
    if key in table:
        raise KeyError(f"{what} {key!r} already exists")


class MemoryMailQueue:
    """Queued mail by id."""

    def __init__(self, mails: dict[int, QueuedMail]) -> None:
        self._mails = mails

    def next_id(self) -> int:
        """One more than the highest id."""
        return max(self._mails, default=0) + 1

    def get(self, mail_id: int) -> QueuedMail | None:
        """The mail, or ``None``."""
        return self._mails.get(mail_id)

    def add(self, mail: QueuedMail) -> None:
        """Queue a new mail; a taken id or message key raises ``KeyError``."""
        _require_absent(self._mails, mail.id, "mail")
        if any(m.message_key == mail.message_key for m in self._mails.values()):
            raise KeyError(f"message key {mail.message_key!r} already exists")
        self._mails[mail.id] = mail

    def update(self, mail: QueuedMail) -> None:
        """Replace a queued mail; an unknown id raises ``KeyError``."""
        if mail.id not in self._mails:
            raise KeyError(f"mail {mail.id!r} does not exist")
        self._mails[mail.id] = mail

    def due(self, now: datetime, *, limit: int) -> list[QueuedMail]:
        """Pending mail due by ``now``, soonest first."""
        found = sorted((m for m in self._mails.values() if m.is_due(now)),
                       key=lambda m: (m.next_attempt_at, m.id))
        return found[:limit]

    def next_due_at(self) -> datetime | None:
        """The earliest next attempt of any pending mail."""
        return min((m.next_attempt_at for m in self._mails.values()
                    if m.status is MailStatus.PENDING), default=None)

    def listing(self, *, status: MailStatus | None = None, limit: int = 100
                ) -> list[QueuedMail]:
        """Newest first, optionally of one status."""
        found = [m for _, m in sorted(self._mails.items(), reverse=True)
                 if status is None or m.status is status]
        return found[:limit]

    def counts(self) -> dict[MailStatus, int]:
        """Mails per status."""
        counted: dict[MailStatus, int] = {}
        for mail in self._mails.values():
            counted[mail.status] = counted.get(mail.status, 0) + 1
        return counted


class MemorySignInRequests:
    """The sign-in request log."""

    def __init__(self, requests: dict[int, SignInRequest]) -> None:
        self._requests = requests

    def next_id(self) -> int:
        """One more than the highest id."""
        return max(self._requests, default=0) + 1

    def add(self, request: SignInRequest) -> None:
        """Record a request; a taken id raises ``KeyError``."""
        _require_absent(self._requests, request.id, "sign-in request")
        self._requests[request.id] = request

    def update(self, request: SignInRequest) -> None:
        """Replace a recorded request; an unknown id raises ``KeyError``."""
        if request.id not in self._requests:
            raise KeyError(f"sign-in request {request.id!r} does not exist")
        self._requests[request.id] = request

    def received(self, *, limit: int) -> list[SignInRequest]:
        """Requests not handled yet, oldest first."""
        return [r for _, r in sorted(self._requests.items())
                if r.outcome is SignInOutcome.RECEIVED][:limit]

    def mailed_since(self, user_id: int | None, since: datetime) -> list[SignInRequest]:
        """Requests after ``since`` that mailed ``user_id``, oldest first."""
        if user_id is None:
            return []
        return [r for _, r in sorted(self._requests.items())
                if r.user_id == user_id and r.at > since
                and r.outcome is SignInOutcome.MAILED]

    def recent(self, *, limit: int) -> list[SignInRequest]:
        """Newest first."""
        return [r for _, r in sorted(self._requests.items(), reverse=True)][:limit]

    def forget_before(self, moment: datetime) -> int:
        """Delete requests made before ``moment``."""
        old = [key for key, r in self._requests.items() if r.at < moment]
        for key in old:
            del self._requests[key]
        return len(old)
