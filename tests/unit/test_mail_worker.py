"""The server's mail worker: delivers soon after mail is queued, at start, and stops cleanly.

Real asyncio time for the worker's own waits (kept short), the in-memory adapters for
everything else.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from hero_assistance.adapters.memory import MemoryMailer, MemoryStorage
from hero_assistance.adapters.system import SystemClock
from hero_assistance.apps.server.mail_worker import MailWorker
from hero_assistance.domain.mail_queue import MailKind, MailStatus, QueuedMail, RetryPolicy
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.services import MailDelivery

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """The worker is written for asyncio."""
    return "asyncio"


async def _queue(storage: MemoryStorage, count: int = 1) -> None:
    now = SystemClock().now()

    def add(repos: Repositories) -> None:
        for _ in range(count):
            mail_id = repos.mail_queue.next_id()
            repos.mail_queue.add(QueuedMail(
                id=mail_id, kind=MailKind.SIGN_IN, recipient="carol@acme.example",
                subject=f"Mail {mail_id}", text="t", html="<p>h</p>",
                message_key=f"w.{mail_id}", created_at=now, queued_at=now,
                next_attempt_at=now))

    await storage.write(add)


async def _statuses(storage: MemoryStorage) -> list[MailStatus]:
    mails = await storage.read(lambda r: r.mail_queue.listing())
    return [m.status for m in reversed(mails)]


async def _until(check: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def _worker(storage: MemoryStorage, mailer: MemoryMailer) -> MailWorker:
    # A long idle poll: only the signal or the start can explain a quick delivery.
    return MailWorker(MailDelivery(storage, SystemClock(), mailer), SystemClock(),
                      idle_poll_seconds=60, wake_delay_seconds=0.01)


async def test_mail_queued_before_the_start_is_delivered_at_start() -> None:
    storage, mailer = MemoryStorage(), MemoryMailer()
    await _queue(storage, 3)
    worker = _worker(storage, mailer)
    worker.start()
    try:
        await _until(lambda: len(mailer.sent) == 3)
    finally:
        await worker.stop(grace_seconds=1)
    assert await _statuses(storage) == [MailStatus.SENT] * 3


async def test_queued_mail_is_delivered_soon_after_the_signal_not_at_the_next_poll() -> None:
    storage, mailer = MemoryStorage(), MemoryMailer()
    worker = _worker(storage, mailer)
    worker.start()
    try:
        await _until(lambda: worker.passes >= 1)  # the start pass found nothing
        await _queue(storage)
        started = time.monotonic()
        worker.mail_queued()
        await _until(lambda: len(mailer.sent) == 1, within=2)
        assert time.monotonic() - started < 2
    finally:
        await worker.stop(grace_seconds=1)


async def test_stopping_finishes_the_mail_in_hand_and_leaves_the_rest_pending() -> None:
    storage, mailer = MemoryStorage(), MemoryMailer()
    mailer.delay_seconds = 0.3
    await _queue(storage, 3)
    worker = _worker(storage, mailer)
    worker.start()
    await _until(lambda: mailer.attempts == 1)  # the first mail is being sent
    await worker.stop(grace_seconds=5)
    assert await _statuses(storage) == [MailStatus.SENT, MailStatus.PENDING,
                                        MailStatus.PENDING]
    assert mailer.attempts == 1


async def test_a_send_that_outlasts_the_grace_is_cut_and_its_mail_stays_queued() -> None:
    storage, mailer = MemoryStorage(), MemoryMailer()
    mailer.delay_seconds = 30
    await _queue(storage)
    worker = _worker(storage, mailer)
    worker.start()
    await _until(lambda: mailer.attempts == 1)
    started = time.monotonic()
    await worker.stop(grace_seconds=0.2)
    assert time.monotonic() - started < 5
    assert await _statuses(storage) == [MailStatus.PENDING]  # sent again at the next start


async def test_a_retry_is_attempted_when_it_falls_due() -> None:
    storage, mailer = MemoryStorage(), MemoryMailer()
    mailer.reachable = False
    await _queue(storage)
    delivery = MailDelivery(storage, SystemClock(), mailer, policy=RetryPolicy(
        first_delay=timedelta(seconds=0.2), longest_delay=timedelta(seconds=1)))
    worker = MailWorker(delivery, SystemClock(), idle_poll_seconds=60,
                        wake_delay_seconds=0.01)
    worker.start()
    try:
        await _until(lambda: mailer.attempts >= 1)
        mailer.reachable = True
        await _until(lambda: len(mailer.sent) == 1, within=3)
    finally:
        await worker.stop(grace_seconds=1)
