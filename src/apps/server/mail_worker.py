"""The server's mail worker: delivers the durable mail queue in the background.

It runs one bounded delivery pass at a time: at start (mail queued before a restart or
a crash is read from the database), shortly after a use case queued mail
(``mail_queued``; after the request's answer has left), and when the earliest retry
falls due — with a slow poll as a safety net. Stopping lets
the mail in hand finish (within a grace period) and leaves the rest pending for the
next start; a mail cut off mid-send is sent again then, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from ...domain.ports import Clock
from ...domain.services import DeliveryPass, MailDelivery

_log = logging.getLogger("hero_assistance.server.mail")
IDLE_POLL_SECONDS = 30.0
AFTER_FAILURE_SECONDS = 5.0
WAKE_DELAY_SECONDS = 0.05


class MailWorker:
    """Implements the ``MailSignal`` port; :meth:`run` is the background task."""

    def __init__(self, delivery: MailDelivery, clock: Clock, *,
                 idle_poll_seconds: float = IDLE_POLL_SECONDS,
                 wake_delay_seconds: float = WAKE_DELAY_SECONDS) -> None:
        self._delivery = delivery
        self._clock = clock
        self._idle_poll = idle_poll_seconds
        self._wake_delay = wake_delay_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._preparers: list[Callable[[], Awaitable[bool]]] = []
        self.passes = 0

    def prepare_with(self, preparer: Callable[[], Awaitable[bool]]) -> None:
        """Run ``preparer`` at the start of every pass, before delivery.

        A preparer turns what use cases recorded into queued mail (sign-in requests into
        links and their mail, say) and returns ``True`` when more is left for the next
        pass. Composing stays with the use cases; the worker only runs them.
        """
        self._preparers.append(preparer)

    def mail_queued(self) -> None:
        """New mail is in the queue: deliver it now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Start the background task (once, on the running loop)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="mail-worker")

    async def stop(self, grace_seconds: float) -> None:
        """Let the mail in hand finish (up to ``grace_seconds``), then end the task."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace_seconds)
        except TimeoutError:
            _log.warning("mail worker still sending after %.0f s; stopping it, the mail "
                         "stays queued", grace_seconds)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        """Deliver until stopped."""
        while self._keep_going():
            self._wake.clear()
            try:
                more_prepared = False
                for prepare in self._preparers:
                    more_prepared = await prepare() or more_prepared
                report = await self._delivery.deliver_due(keep_going=self._keep_going)
            except Exception:  # noqa: BLE001 - the worker must outlive a failed pass
                _log.exception("mail delivery pass failed")
                delay = AFTER_FAILURE_SECONDS
            else:
                self.passes += 1
                self._log(report)
                if report.more_due or more_prepared:
                    continue
                delay = self._until(report.next_due_at)
                if not (report.sent or report.deferred or report.failed):
                    # Due mail this pass could not take (changed meanwhile): no spinning.
                    delay = max(delay, 1.0)
            if not self._keep_going():
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()
                # Woken by a request that just queued mail: let its answer leave first
                # (and a burst gather), so delivery does not share the request's time.
                await asyncio.sleep(self._wake_delay)

    def _keep_going(self) -> bool:
        return not self._stopping

    def _until(self, moment: datetime | None) -> float:
        if moment is None:
            return self._idle_poll
        wait = (moment - self._clock.now()).total_seconds()
        return min(max(wait, 0.0), self._idle_poll)

    @staticmethod
    def _log(report: DeliveryPass) -> None:
        if report.deferred or report.failed:
            _log.warning("mail: %d sent, %d to retry, %d failed for good",
                         report.sent, report.deferred, report.failed)
        elif report.sent:
            _log.info("mail: %d sent", report.sent)
