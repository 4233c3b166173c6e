"""Turn an ``OutgoingMail`` into a MIME message with plain-text and HTML parts."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ...domain.ports import OutgoingMail


def build_message(mail: OutgoingMail, *, sender: str) -> EmailMessage:
    """A multipart/alternative message, plain text first as RFC 2046 prefers."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rsplit("@", 1)[-1].strip(">") or "hero-assistance.local"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message
