"""Send mail through an SMTP server with aiosmtplib (STARTTLS, implicit TLS or plain)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Literal

import aiosmtplib

from ...domain.errors import Unavailable
from ...domain.ports import OutgoingMail
from .message import build_message


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    """How to reach the mail server."""

    host: str
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = ""
    password: str = ""
    sender: str
    timeout_seconds: float = 20.0
    tls_context: ssl.SSLContext | None = None  # tests pass one trusting their own CA


class SmtpMailer:
    """Hands each message to the SMTP server; any failure is a retryable ``Unavailable``."""

    def __init__(self, settings: SmtpSettings) -> None:
        if not settings.host:
            raise ValueError("an SMTP mailer needs a host")
        self._settings = settings

    async def send(self, mail: OutgoingMail) -> None:
        """Deliver ``mail`` or raise ``Unavailable`` saying why not."""
        s = self._settings
        message = build_message(mail, sender=s.sender)
        try:
            await aiosmtplib.send(
                message, hostname=s.host, port=s.port,
                username=s.username or None, password=s.password or None,
                use_tls=s.security == "tls", start_tls=s.security == "starttls",
                timeout=s.timeout_seconds, tls_context=s.tls_context,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise Unavailable(
                f"the mail server {s.host}:{s.port} did not accept the email; try again later"
            ) from exc
