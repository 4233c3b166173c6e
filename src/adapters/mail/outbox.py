"""A mailer that writes each message as an ``.eml`` file (the demo default).

No mail server is needed: the files open in any mail client, and tests parse them.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import anyio.to_thread

from ...domain.errors import Unavailable
from ...domain.ports import OutgoingMail
from .message import build_message


class OutboxMailer:
    """Writes ``<outbox>/<UTC time>-<random>.eml`` atomically; failures are retryable."""

    def __init__(self, outbox: Path, *, sender: str) -> None:
        self.outbox = outbox
        self._sender = sender

    async def send(self, mail: OutgoingMail) -> None:
        """Write the message; a disk problem becomes ``Unavailable``."""
        data = bytes(build_message(mail, sender=self._sender))
        try:
            await anyio.to_thread.run_sync(self._write, data)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise Unavailable(f"could not write the email to the outbox: {reason}") from exc

    def _write(self, data: bytes) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        final = self.outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        temp = final.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                view = memoryview(data)
                while view:  # os.write may write less than asked (a full disk, a signal)
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            temp.replace(final)
        except BaseException:
            temp.unlink(missing_ok=True)  # no half-written leftovers in the outbox
            raise
