"""Turn an ``OutgoingMail`` into a MIME message with plain-text and HTML parts."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ...domain.errors import MailRejected
from ...domain.ports import OutgoingMail

# Set here from the mail itself; extra headers may not replace them.
_OWN_HEADERS = frozenset({"from", "to", "cc", "bcc", "subject", "date", "message-id",
                          "mime-version", "content-type", "content-transfer-encoding"})


def message_domain(sender: str) -> str:
    """The domain part of ``Message-ID`` s: the sender's, or a reserved placeholder."""
    domain = sender.rsplit("@", 1)[-1].strip(" <>") if "@" in sender else ""
    return domain or "hero-assistance.invalid"


def _check_extra(name: str) -> None:
    if name.lower() in _OWN_HEADERS:
        raise ValueError(f"the {name} header is set by the mailer itself")


def build_message(mail: OutgoingMail, *, sender: str) -> EmailMessage:
    """A multipart/alternative message, plain text first as RFC 2046 prefers.

    A queued mail's ``message_key`` becomes ``<key@sender's domain>``, the same on every
    attempt; a mail without one gets a fresh id. A header the mail cannot carry (a
    line break in a value, say) raises ``MailRejected``: retrying would not help.
    """
    message = EmailMessage()
    domain = message_domain(sender)
    try:
        message["From"] = sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = (f"<{mail.message_key}@{domain}>" if mail.message_key
                                 else make_msgid(domain=domain))
        for name, value in mail.headers:
            _check_extra(name)
            message[name] = value
    except ValueError as exc:
        raise MailRejected(f"the mail cannot be built: {exc}") from exc
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message
