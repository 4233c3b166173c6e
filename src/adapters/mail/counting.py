"""A mailer that counts what the mailer it wraps delivered and what failed."""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.errors import Unavailable
from ...domain.ports import Mailer, OutgoingMail


@dataclass(slots=True)
class MailTally:
    """Deliveries so far; ``failing`` while the latest attempt failed."""

    sent: int = 0
    failed: int = 0
    consecutive_failures: int = 0
    last_error: str = ""

    @property
    def failing(self) -> bool:
        """Whether the most recent attempt failed (and none has succeeded since)."""
        return self.consecutive_failures > 0


class CountingMailer:
    """The :class:`~hero_assistance.domain.ports.Mailer` port around another mailer,
    keeping a :class:`MailTally` for metrics and ``health``."""

    def __init__(self, inner: Mailer) -> None:
        self._inner = inner
        self.tally = MailTally()

    async def send(self, mail: OutgoingMail) -> None:
        """Send through the wrapped mailer; count the outcome; re-raise its refusal."""
        try:
            await self._inner.send(mail)
        except Unavailable as exc:
            self.tally.failed += 1
            self.tally.consecutive_failures += 1
            self.tally.last_error = exc.message
            raise
        self.tally.sent += 1
        self.tally.consecutive_failures = 0
        self.tally.last_error = ""
