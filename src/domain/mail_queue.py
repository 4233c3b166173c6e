"""The durable mail queue: what waits to be sent, what was sent, what failed for good.

A mail is queued in the same transaction as the change that causes it, so none is lost
when the server stops; a worker sends what is due and records the outcome. The queue is
generic: a queued mail carries its kind, recipient, subject, body and extra headers,
fully composed — the worker never composes anything, it hands the mail to the
:class:`~hero_assistance.domain.ports.Mailer` port.

Each mail has a stable ``message_key`` (the local part of its ``Message-ID``), so a
retry after an unclear answer from the mail server is recognisable as the same message.
The body is kept only while it may still be needed: once sent, or once its deadline has
passed, it is dropped and only the envelope stays as a record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import Conflict
from .outgoing_mail import OutgoingMail

MAX_ERROR_LENGTH = 300


class MailKind(StrEnum):
    """Why a mail was queued (the notifications issue adds its own kinds)."""

    SIGN_IN = "sign_in"


class MailStatus(StrEnum):
    """Where a queued mail stands."""

    PENDING = "pending"
    """Waiting for its next attempt."""
    SENT = "sent"
    """The mail server accepted it."""
    FAILED = "failed"
    """Refused for good, past its deadline, or retried for too long."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """When to try again after a temporary failure, and when to stop trying.

    The n-th retry waits ``first_delay * 2**(n-1)``, at most ``longest_delay``; a mail
    still not sent ``give_up_after`` its creation is marked failed.
    """

    first_delay: timedelta = timedelta(seconds=10)
    longest_delay: timedelta = timedelta(minutes=10)
    give_up_after: timedelta = timedelta(days=3)

    def __post_init__(self) -> None:
        if self.first_delay <= timedelta(0) or self.longest_delay < self.first_delay:
            raise ValueError("retry delays must be positive, the longest at least the first")

    def delay_after(self, attempts: int) -> timedelta:
        """How long to wait after ``attempts`` failed attempts (``attempts >= 1``)."""
        doublings = min(max(attempts - 1, 0), 40)  # 2**40 first delays exceed any longest
        return min(self.first_delay * (1 << doublings), self.longest_delay)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuedMail:
    """One mail in the queue, with its delivery record.

    ``text`` and ``html`` are ``None`` once the body was dropped (sent, past
    ``not_after``) or when the stored body cannot be read any more. ``queued_at`` is
    when it last became pending (creation, or an operator's retry): the retry period
    counts from there.
    """

    id: int
    kind: MailKind
    recipient: str
    subject: str
    text: str | None
    html: str | None
    headers: tuple[tuple[str, str], ...] = ()
    message_key: str
    created_at: datetime
    queued_at: datetime
    not_after: datetime | None = None
    status: MailStatus = MailStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None

    @property
    def has_body(self) -> bool:
        """Whether the body is still kept (and readable)."""
        return self.text is not None and self.html is not None

    def is_due(self, now: datetime) -> bool:
        """Pending and its next attempt is now or earlier."""
        return self.status is MailStatus.PENDING and self.next_attempt_at <= now

    def outgoing(self) -> OutgoingMail:
        """The mail as the ``Mailer`` port sends it."""
        if self.text is None or self.html is None:
            raise ValueError(f"mail {self.id} has no body to send")
        return OutgoingMail(to=self.recipient, subject=self.subject, text=self.text,
                            html=self.html, message_key=self.message_key,
                            headers=self.headers)

    def past_deadline(self, now: datetime, policy: RetryPolicy) -> str | None:
        """Why it is too late to send this mail, or ``None``."""
        if self.not_after is not None and now >= self.not_after:
            return "not sent before its deadline (what it says has expired)"
        if now - self.queued_at >= policy.give_up_after:
            return f"not sent within {_span(policy.give_up_after)} of retries"
        return None

    def delivered(self, now: datetime) -> QueuedMail:
        """After the mail server accepted it: the body is no longer kept."""
        return replace(self, status=MailStatus.SENT, attempts=self.attempts + 1,
                       last_attempt_at=now, sent_at=now, last_error=None,
                       text=None, html=None)

    def deferred(self, now: datetime, error: str, policy: RetryPolicy) -> QueuedMail:
        """After a temporary failure: try again later, or give up once too late.

        A mail with a deadline is tried one last time no later than ``first_delay``
        before it, so the back-off never skips its final chance.
        """
        attempts = self.attempts + 1
        tried = replace(self, attempts=attempts, last_attempt_at=now,
                        last_error=_bounded(error))
        next_at = now + policy.delay_after(attempts)
        if self.not_after is not None:
            next_at = min(next_at, self.not_after - policy.first_delay)
        too_late = tried.past_deadline(next_at, policy)
        if next_at <= now or too_late is not None:
            return tried.given_up(now, f"{error} (then {too_late or 'out of time'})")
        return replace(tried, next_attempt_at=next_at)

    def rejected(self, now: datetime, error: str) -> QueuedMail:
        """After a permanent refusal (the recipient does not exist, say).

        A mail without a deadline keeps its body so an operator can retry it once the
        cause is fixed; one with a deadline (a sign-in link) drops it at once: the
        operator sends a fresh link instead.
        """
        failed = replace(self, status=MailStatus.FAILED, attempts=self.attempts + 1,
                         last_attempt_at=now, last_error=_bounded(error))
        return failed if self.not_after is None else replace(failed, text=None, html=None)

    def given_up(self, now: datetime, reason: str) -> QueuedMail:
        """Too late to send (deadline or retry period over): failed, body dropped."""
        return replace(self, status=MailStatus.FAILED, last_error=_bounded(reason),
                       last_attempt_at=self.last_attempt_at or now, text=None, html=None)

    def retried(self, now: datetime) -> QueuedMail:
        """An operator asks for another try of a failed mail, now."""
        if self.status is not MailStatus.FAILED:
            raise Conflict(f"mail {self.id} is {self.status.value}; only failed mail is retried")
        if not self.has_body:
            raise Conflict(f"mail {self.id} no longer has its body (it expired); "
                           "it cannot be sent again")
        if self.not_after is not None and now >= self.not_after:
            raise Conflict(f"mail {self.id} is past its deadline; it cannot be sent again")
        return replace(self, status=MailStatus.PENDING, next_attempt_at=now, queued_at=now)


def _bounded(error: str) -> str:
    text = " ".join(error.split())
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} hours" if hours < 48 else f"{hours / 24:g} days"
