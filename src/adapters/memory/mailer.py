"""A mailer that keeps what it sends, and can play an unreachable mail server."""

from __future__ import annotations

from ...domain.errors import Unavailable
from ...domain.ports import OutgoingMail


class MemoryMailer:
    """Collects mail in ``sent``; with ``reachable = False`` it fails like a dead server."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []
        self.reachable = True

    async def send(self, mail: OutgoingMail) -> None:
        """Keep the mail, or raise ``Unavailable`` while unreachable."""
        if not self.reachable:
            raise Unavailable("the mail server is not reachable; try again later")
        self.sent.append(mail)
