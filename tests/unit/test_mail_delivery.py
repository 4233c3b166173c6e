"""The mail queue's delivery: retries with back-off, permanent failures, deadlines, bounds."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hero_assistance.domain.errors import Conflict, Forbidden, NotFound
from hero_assistance.domain.mail_queue import MailKind, MailStatus, QueuedMail, RetryPolicy
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.services import MailDelivery

from .conftest import Cast, Harness

pytestmark = pytest.mark.anyio


async def _queue(h: Harness, count: int = 1, *, not_after: timedelta | None = None,
                 to: str = "carol@acme.example") -> list[QueuedMail]:
    """Queue ``count`` notification-like mails the way a use case would."""
    now = h.clock.now()

    def add(repos: Repositories) -> list[QueuedMail]:
        made = []
        for _ in range(count):
            mail_id = repos.mail_queue.next_id()
            mail = QueuedMail(
                id=mail_id, kind=MailKind.SIGN_IN, recipient=to, subject=f"Mail {mail_id}",
                text=f"text {mail_id}", html=f"<p>html {mail_id}</p>",
                headers=(("In-Reply-To", "<ticket-1@acme.example>"),),
                message_key=f"test.{mail_id}", created_at=now, queued_at=now,
                not_after=None if not_after is None else now + not_after,
                next_attempt_at=now,
            )
            repos.mail_queue.add(mail)
            made.append(mail)
        return made

    return await h.storage.write(add)


async def _mail(h: Harness, mail_id: int) -> QueuedMail:
    mail = await h.read(lambda r: r.mail_queue.get(mail_id))
    assert mail is not None
    return mail


async def test_a_due_mail_is_sent_once_with_its_headers_and_stable_message_key(
    harness: Harness,
) -> None:
    [queued] = await _queue(harness)
    report = await harness.deliver()
    assert (report.sent, report.deferred, report.failed, report.more_due) == (1, 0, 0, False)
    [sent] = harness.mailer.sent
    assert (sent.to, sent.subject, sent.text, sent.message_key, sent.headers) == (
        queued.recipient, queued.subject, queued.text, "test.1", queued.headers)
    done = await _mail(harness, queued.id)
    assert (done.status, done.attempts, done.sent_at) == (
        MailStatus.SENT, 1, harness.clock.now())
    assert not done.has_body
    assert (await harness.deliver()).sent == 0
    assert len(harness.mailer.sent) == 1


async def test_an_outage_is_retried_with_doubling_back_off_then_sent_with_the_same_key(
    harness: Harness,
) -> None:
    [queued] = await _queue(harness)
    harness.mailer.reachable = False
    waits = []
    for _ in range(8):
        await harness.deliver()
        mail = await _mail(harness, queued.id)
        wait = mail.next_attempt_at - harness.clock.now()
        waits.append(wait.total_seconds())
        harness.clock.advance(wait)
    assert waits == [10, 20, 40, 80, 160, 320, 600, 600]
    assert harness.mailer.attempts == 8
    harness.mailer.reachable = True
    assert (await harness.deliver()).sent == 1
    [sent] = harness.mailer.sent
    assert sent.message_key == queued.message_key
    assert (await _mail(harness, queued.id)).attempts == 9


async def test_a_permanent_refusal_fails_the_mail_without_retrying(harness: Harness) -> None:
    [queued] = await _queue(harness, to="gone@acme.example")
    harness.mailer.refused.add("gone@acme.example")
    report = await harness.deliver()
    assert (report.sent, report.failed) == (0, 1)
    failed = await _mail(harness, queued.id)
    assert failed.status is MailStatus.FAILED
    assert "550" in (failed.last_error or "")
    assert failed.has_body  # no deadline: the operator may retry it later
    harness.tick(24 * 3600)
    await harness.deliver()
    assert harness.mailer.attempts == 1


async def test_a_mail_with_a_deadline_is_given_up_at_its_deadline_and_drops_its_body(
    harness: Harness,
) -> None:
    [queued] = await _queue(harness, not_after=timedelta(minutes=15))
    harness.mailer.reachable = False
    while (mail := await _mail(harness, queued.id)).status is MailStatus.PENDING:
        harness.clock.advance(max(mail.next_attempt_at - harness.clock.now(), timedelta(0)))
        await harness.deliver()
    assert mail.status is MailStatus.FAILED
    assert not mail.has_body
    assert "deadline" in (mail.last_error or "") or "out of time" in (mail.last_error or "")
    # Its last attempt came no later than the first delay before the deadline.
    assert mail.last_attempt_at is not None
    assert mail.last_attempt_at <= queued.created_at + timedelta(minutes=15, seconds=-10)
    assert mail.last_attempt_at >= queued.created_at + timedelta(minutes=14)


async def test_a_mail_picked_up_after_its_deadline_is_failed_without_an_attempt(
    harness: Harness,
) -> None:
    [queued] = await _queue(harness, not_after=timedelta(minutes=1))
    harness.tick(61)
    assert (await harness.deliver()).failed == 1
    mail = await _mail(harness, queued.id)
    assert (mail.status, mail.attempts, mail.has_body) == (MailStatus.FAILED, 0, False)
    assert harness.mailer.attempts == 0


async def test_retrying_stops_after_the_give_up_period(harness: Harness) -> None:
    policy = RetryPolicy(first_delay=timedelta(minutes=1), longest_delay=timedelta(hours=1),
                         give_up_after=timedelta(hours=6))
    delivery = MailDelivery(harness.storage, harness.clock, harness.mailer, policy=policy)
    [queued] = await _queue(harness)
    harness.mailer.reachable = False
    for _ in range(50):
        mail = await _mail(harness, queued.id)
        if mail.status is not MailStatus.PENDING:
            break
        harness.clock.advance(max(mail.next_attempt_at - harness.clock.now(), timedelta(0)))
        await delivery.deliver_due()
    assert mail.status is MailStatus.FAILED
    assert "6 hours" in (mail.last_error or "")
    assert harness.clock.now() - queued.created_at <= timedelta(hours=6)


async def test_a_pass_is_bounded_and_says_when_more_is_due(harness: Harness) -> None:
    await _queue(harness, 25)
    first = await harness.deliver()
    assert (first.sent, first.more_due) == (20, True)
    second = await harness.deliver()
    assert (second.sent, second.more_due, second.next_due_at) == (5, False, None)
    assert [m.subject for m in harness.mailer.sent] == [f"Mail {n}" for n in range(1, 26)]


async def test_a_stopping_worker_finishes_the_mail_in_hand_and_leaves_the_rest(
    harness: Harness,
) -> None:
    await _queue(harness, 5)
    answers = iter([True, True, False])
    report = await harness.delivery.deliver_due(keep_going=lambda: next(answers))
    assert report.sent == 2
    pending = await harness.read(lambda r: r.mail_queue.listing(status=MailStatus.PENDING))
    assert len(pending) == 3
    assert report.next_due_at == harness.clock.now()


async def test_next_due_at_tells_the_worker_when_to_wake(harness: Harness) -> None:
    await _queue(harness)
    harness.mailer.reachable = False
    report = await harness.deliver()
    assert report.next_due_at == harness.clock.now() + timedelta(seconds=10)


async def test_an_unreadable_body_fails_the_mail_with_a_reason(harness: Harness) -> None:
    [queued] = await _queue(harness)
    # What the SQLite adapter reads when the body was sealed under another key.
    await harness.storage.write(lambda r: r.mail_queue.update(
        replace(queued, text=None, html=None)))
    assert (await harness.deliver()).failed == 1
    mail = await _mail(harness, queued.id)
    assert "key" in (mail.last_error or "")
    assert harness.mailer.attempts == 0


# -- the operator's view ---------------------------------------------------------------


async def test_admins_list_count_and_retry_failed_mail(cast: Cast, harness: Harness) -> None:
    await _queue(harness)
    [gone] = await _queue(harness, to="gone@acme.example")
    harness.mailer.refused = {"gone@acme.example"}
    await harness.deliver()
    admin = cast.admin.caller
    counts = await harness.mail_ops.counts(admin)
    assert counts[MailStatus.FAILED] == 1
    failed = await harness.mail_ops.listing(admin, status=MailStatus.FAILED)
    assert [m.id for m in failed] == [gone.id]
    assert not hasattr(failed[0], "text")  # the operator sees envelopes, never bodies
    harness.mailer.refused = set()
    retried = await harness.mail_ops.retry(admin, gone.id)
    assert retried.status is MailStatus.PENDING
    assert (await harness.deliver()).sent == 1
    with pytest.raises(Conflict, match="only failed mail"):
        await harness.mail_ops.retry(admin, gone.id)
    with pytest.raises(NotFound):
        await harness.mail_ops.retry(admin, 9999)
    for who in (cast.a, cast.b, cast.agent):
        with pytest.raises(Forbidden):
            await harness.mail_ops.listing(who.caller)
        with pytest.raises(Forbidden):
            await harness.mail_ops.retry(who.caller, gone.id)


async def test_a_failed_sign_in_mail_cannot_be_retried_it_has_no_body(
    cast: Cast, harness: Harness,
) -> None:
    [queued] = await _queue(harness, not_after=timedelta(minutes=15))
    harness.mailer.refused = {queued.recipient}
    await harness.deliver()
    with pytest.raises(Conflict, match="no longer has its body"):
        await harness.mail_ops.retry(cast.admin.caller, queued.id)


def test_retry_delays_must_make_sense() -> None:
    with pytest.raises(ValueError, match="positive"):
        RetryPolicy(first_delay=timedelta(0))
    with pytest.raises(ValueError, match="longest"):
        RetryPolicy(first_delay=timedelta(minutes=5), longest_delay=timedelta(minutes=1))
    assert RetryPolicy().delay_after(1000) == timedelta(minutes=10)
