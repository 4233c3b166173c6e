"""Read a sign-in email the way a mail client does: both parts, one link, one code."""

from __future__ import annotations

import re
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


def newest_sign_in_code(outbox: Path, address: str) -> str:
    """The code of the newest sign-in email to ``address`` in a server's outbox."""
    for path in sorted(outbox.glob("*.eml"), reverse=True):  # names sort by UTC time
        mail = read_sign_in_mail(path.read_bytes())
        if mail.message["To"] == address:
            return mail.code
    raise AssertionError(f"no sign-in email to {address} in {outbox}")
