"""A mailer that keeps what it sends, and can play an unreachable or refusing server."""

from __future__ import annotations

import asyncio

from ...domain.errors import MailRejected, Unavailable
from ...domain.ports import OutgoingMail


class MemoryMailer:
    """Collects mail in ``sent``.

    With ``reachable = False`` it fails like a dead server (``Unavailable``); mail to an
    address in ``refused`` is rejected for good (``MailRejected``). ``attempts`` counts
    every call, whatever became of it; ``delay_seconds`` makes each call take that long,
    like a slow server.
    """

    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []
        self.reachable = True
        self.refused: set[str] = set()
        self.attempts = 0
        self.delay_seconds = 0.0

    async def send(self, mail: OutgoingMail) -> None:
        """Keep the mail, or fail the way a real server would."""
        self.attempts += 1
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if not self.reachable:
            raise Unavailable("the mail server is not reachable; try again later")
        if mail.to in self.refused:
            raise MailRejected(f"550 no such mailbox: {mail.to}")
        self.sent.append(mail)
