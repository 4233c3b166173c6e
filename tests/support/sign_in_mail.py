"""Read a sign-in email the way a mail client does: both parts, one link, one code."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

CODE_PATTERN = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b")


@dataclass(frozen=True, slots=True)
class SignInMail:
    """What a sign-in email holds, read the way a mail client reads it."""

    message: EmailMessage
    text: str
    html: str
    link: str
    code: str


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def read_sign_in_mail(data: bytes) -> SignInMail:
    """Parse with ``policy.default``; both parts must carry the same link and code."""
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert html is not None
    text, markup = str(plain.get_content()), str(html.get_content())
    links = re.findall(r"https?://\S+/auth/link/[A-Za-z0-9_-]+", text)
    assert len(links) == 1, text
    parser = _Hrefs()
    parser.feed(markup)
    assert parser.hrefs == links, (parser.hrefs, links)
    codes = CODE_PATTERN.findall(text)
    assert len(codes) == 1, text
    assert CODE_PATTERN.findall(markup) == codes
    return SignInMail(message=message, text=text, html=markup, link=links[0], code=codes[0])


def token_of(link: str) -> str:
    """The secret part of a sign-in link."""
    return link.rsplit("/", 1)[-1]


def asked_from(mail: SignInMail) -> str | None:
    """The address of the device that asked, as the email names it."""
    found = re.search(r"The device that asked has the address (\S+)", mail.text)
    return found.group(1) if found else None


def newest_sign_in_code(outbox: Path, address: str, *, device: str | None = None,
                        timeout: float = 10.0) -> str:
    """The code of the newest sign-in email to ``address`` (asked for by ``device``, if
    given) in a server's outbox.

    The server answers ``auth.request_link`` before its mail worker writes the email,
    so this waits (polling, up to ``timeout`` seconds) for one to appear.
    """
    deadline = time.monotonic() + timeout
    while True:
        for path in sorted(outbox.glob("*.eml"), reverse=True):  # names sort by UTC time
            mail = read_sign_in_mail(path.read_bytes())
            if mail.message["To"] == address and device in (None, asked_from(mail)):
                return mail.code
        if time.monotonic() > deadline:
            raise AssertionError(f"no sign-in email to {address} in {outbox}")
        time.sleep(0.02)
