"""Delivering queued mail, and the operator's view of the queue.

:class:`MailDelivery` is what the server's mail worker runs: one bounded pass over the
mail that is due, each handed to the ``Mailer`` port and its outcome recorded in its
own write (sent, to be retried with back-off, or failed for good). It sends what the
queue holds and composes nothing. :class:`MailOperations` lists the queue and retries
failed mail for admins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..errors import MailRejected, NotFound, Unavailable
from ..identity import Caller
from ..mail_queue import MailKind, MailStatus, QueuedMail, RetryPolicy
from ..policy import require_admin
from ..ports import Clock, Mailer, MailSignal, Repositories, Storage

DELIVERY_BATCH = 20
UNREADABLE_BODY = ("the stored body cannot be read with this server's key "
                   "(was the database restored without its key file?)")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryPass:
    """What one pass did, and when the next one is needed."""

    sent: int = 0
    deferred: int = 0
    failed: int = 0
    more_due: bool = False
    next_due_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MailRecord:
    """A queued mail as the operator sees it: the envelope and its record, no body."""

    id: int
    kind: MailKind
    recipient: str
    subject: str
    message_key: str
    status: MailStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    not_after: datetime | None
    has_body: bool


def record_of(mail: QueuedMail) -> MailRecord:
    """The operator's view of one queued mail."""
    return MailRecord(
        id=mail.id, kind=mail.kind, recipient=mail.recipient, subject=mail.subject,
        message_key=mail.message_key, status=mail.status, attempts=mail.attempts,
        created_at=mail.created_at, next_attempt_at=mail.next_attempt_at,
        last_attempt_at=mail.last_attempt_at, last_error=mail.last_error,
        sent_at=mail.sent_at, not_after=mail.not_after, has_body=mail.has_body,
    )


class MailDelivery:
    """Sends the mail that is due, a bounded batch per pass."""

    def __init__(self, storage: Storage, clock: Clock, mailer: Mailer, *,
                 policy: RetryPolicy | None = None, batch: int = DELIVERY_BATCH) -> None:
        if batch < 1:
            raise ValueError("a delivery pass sends at least one mail")
        self._storage = storage
        self._clock = clock
        self._mailer = mailer
        self._policy = policy or RetryPolicy()
        self._batch = batch

    async def deliver_due(self, *, keep_going: Callable[[], bool] = lambda: True
                          ) -> DeliveryPass:
        """Send up to one batch of due mail, oldest due first.

        ``keep_going`` is asked before each mail: a stopping server finishes the mail in
        hand and leaves the rest pending for its next start.
        """
        now = self._clock.now()
        batch = self._batch
        due = await self._storage.read(lambda r: r.mail_queue.due(now, limit=batch))
        counts = {MailStatus.SENT: 0, MailStatus.PENDING: 0, MailStatus.FAILED: 0}
        for mail in due:
            if not keep_going():
                break
            outcome = await self._deliver(mail)
            counts[outcome] += 1
        next_due = await self._storage.read(lambda r: r.mail_queue.next_due_at())
        return DeliveryPass(sent=counts[MailStatus.SENT], deferred=counts[MailStatus.PENDING],
                            failed=counts[MailStatus.FAILED], more_due=len(due) >= batch,
                            next_due_at=next_due)

    async def _deliver(self, mail: QueuedMail) -> MailStatus:
        now = self._clock.now()
        too_late = mail.past_deadline(now, self._policy)
        if too_late is not None:
            return await self._record(mail, mail.given_up(now, too_late))
        if not mail.has_body:
            return await self._record(mail, mail.given_up(now, UNREADABLE_BODY))
        try:
            await self._mailer.send(mail.outgoing())
        except MailRejected as exc:
            return await self._record(mail, mail.rejected(self._clock.now(), exc.message))
        except Unavailable as exc:
            return await self._record(mail, mail.deferred(self._clock.now(), exc.message,
                                                          self._policy))
        return await self._record(mail, mail.delivered(self._clock.now()))

    async def _record(self, before: QueuedMail, after: QueuedMail) -> MailStatus:
        def save(repos: Repositories) -> None:
            current = repos.mail_queue.get(before.id)
            # Only the attempt this pass made is recorded: an operator's change in the
            # meantime (a retry, say) is not overwritten.
            if current is not None and current.status is MailStatus.PENDING and (
                    current.attempts == before.attempts):
                repos.mail_queue.update(after)

        await self._storage.write(save)
        return after.status


class MailOperations:
    """The operator's view of the mail queue: listing, counting, retrying failed mail."""

    def __init__(self, storage: Storage, clock: Clock,
                 mail_signal: MailSignal | None = None) -> None:
        self._storage = storage
        self._clock = clock
        self._signal = mail_signal

    async def listing(self, caller: Caller, *, status: MailStatus | None = None,
                      limit: int = 100) -> list[MailRecord]:
        """The newest mail first, optionally of one status (admins only)."""
        require_admin(caller)
        mails = await self._storage.read(
            lambda r: r.mail_queue.listing(status=status, limit=limit))
        return [record_of(mail) for mail in mails]

    async def counts(self, caller: Caller) -> dict[MailStatus, int]:
        """How many mails are pending, sent and failed (admins only)."""
        require_admin(caller)
        found = await self._storage.read(lambda r: r.mail_queue.counts())
        return {status: found.get(status, 0) for status in MailStatus}

    async def retry(self, caller: Caller, mail_id: int) -> MailRecord:
        """Send a failed mail again, now (admins only)."""
        require_admin(caller)
        now = self._clock.now()

        def again(repos: Repositories) -> QueuedMail:
            mail = repos.mail_queue.get(mail_id)
            if mail is None:
                raise NotFound(f"mail {mail_id} does not exist")
            retried = mail.retried(now)
            repos.mail_queue.update(retried)
            return retried

        retried = await self._storage.write(again)
        if self._signal is not None:
            self._signal.mail_queued()
        return record_of(retried)
