"""Send mail through an SMTP server with aiosmtplib (STARTTLS, implicit TLS or plain)."""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass
from typing import Literal

import aiosmtplib

from ...domain.errors import MailRejected, Unavailable
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


def _permanent(exc: aiosmtplib.SMTPException) -> str | None:
    """The server's reason when it refused *this mail* for good (a 5xx reply), else None.

    Only the recipient and the message itself count: a 5xx to the sender, the greeting
    or the login says our configuration is wrong, which the operator can fix, so that
    mail is kept and retried.
    """
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = exc.recipients
        if refused and all(500 <= r.code < 600 for r in refused):
            return "; ".join(f"{r.code} {r.message}" for r in refused)
        return None
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError) and (
            500 <= exc.code < 600):
        return f"{exc.code} {exc.message}"
    return None


class SmtpMailer:
    """Hands each message to the SMTP server.

    A 5xx refusal of the recipient or the message is ``MailRejected``; anything else
    (down, 4xx, timeout, TLS or login trouble) is a retryable ``Unavailable``.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        if not settings.host:
            raise ValueError("an SMTP mailer needs a host")
        self._settings = settings

    async def send(self, mail: OutgoingMail) -> None:
        """Deliver ``mail`` or raise ``Unavailable`` / ``MailRejected`` saying why not."""
        s = self._settings
        message = build_message(mail, sender=s.sender)
        try:
            await aiosmtplib.send(
                message, hostname=s.host, port=s.port,
                username=s.username or None, password=s.password or None,
                use_tls=s.security == "tls", start_tls=s.security == "starttls",
                timeout=s.timeout_seconds, tls_context=s.tls_context,
            )
        except aiosmtplib.SMTPException as exc:
            reason = _permanent(exc)
            if reason is not None:
                raise MailRejected(
                    f"the mail server {s.host}:{s.port} refused the email for good: {reason}"
                ) from exc
            raise self._unavailable(exc) from exc
        except (OSError, TimeoutError) as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: BaseException) -> Unavailable:
        s = self._settings
        detail = type(exc).__name__
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            detail = without_password(f"{exc.code} {exc.message}", s)
        # The detail names what went wrong, never the credentials.
        return Unavailable(f"the mail server {s.host}:{s.port} did not accept the email "
                           f"({detail}); try again later")


async def probe_smtp(settings: SmtpSettings) -> str:
    """Connect, EHLO (and STARTTLS, and log in, as sending would), QUIT: no mail is sent.

    Returns the server's greeting line; raises ``Unavailable`` saying what failed.
    """
    s = settings
    client = aiosmtplib.SMTP(hostname=s.host, port=s.port, use_tls=s.security == "tls",
                             start_tls=s.security == "starttls", timeout=s.timeout_seconds,
                             tls_context=s.tls_context)
    try:
        response = await client.connect()
        await client.ehlo()
        if s.username:
            await client.login(s.username, s.password)
        await client.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        client.close()
        said = without_password(str(exc) or type(exc).__name__, s)
        raise Unavailable(f"{s.host}:{s.port}: {said}") from None  # the cause quotes too
    return response.message.splitlines()[0] if response.message else ""


def without_password(text: str, settings: SmtpSettings) -> str:
    """``text`` (a mail server's answer) without the password in any form a login sent
    it in: some servers quote the line they refuse, and AUTH LOGIN's and AUTH PLAIN's
    lines are the password in base64."""
    if not settings.password:
        return text
    password = settings.password.encode()
    user = settings.username.encode()
    forms = {settings.password, *(base64.b64encode(raw).decode() for raw in (
        password, b"\0" + user + b"\0" + password, user + b"\0" + user + b"\0" + password))}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "[password withheld]")
    return text
