"""The sign-in email: a link to the server's own page and a short code.

The device label comes from the unbound device that asked, so the email shows it as
that device's own words, quoted and attributed, next to the address it asked from —
never as something the project vouches for.
"""

from __future__ import annotations

from html import escape

from .identity import shown_label
from .magic_links import format_code
from .outgoing_mail import OutgoingMail


def requester_words(device_label: str) -> str:
    """How a requester's label is quoted wherever someone else reads it."""
    return f"\u201c{shown_label(device_label)}\u201d"


def compose_sign_in_mail(*, to: str, project_name: str, link_url: str, code: str,
                         device_label: str, device_addr: str, minutes: int,
                         message_key: str | None = None) -> OutgoingMail:
    """Plain-text and HTML parts saying the same thing; every value escaped in HTML."""
    shown = format_code(code)
    lifetime = f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"
    words = requester_words(device_label)
    subject = f"Sign in to {project_name} support"
    text = (
        f"Someone asked to sign in to {project_name} support as {to}.\n\n"
        f"The device that asked has the address {device_addr}\n"
        f"and calls itself {words} (its own words, not checked by anyone).\n\n"
        f"Open this link and press the button to bind that device:\n{link_url}\n\n"
        f"Or enter this code on that device: {shown}\n\n"
        f"Both expire in {lifetime} and work once. If this was not you, "
        f"ignore this email: nothing happens without the link or the code.\n"
    )
    html = (
        "<!doctype html><html><body style=\"font-family:sans-serif\">"
        f"<p>Someone asked to sign in to <b>{escape(project_name)}</b> support as "
        f"{escape(to)}.</p>"
        f"<p>The device that asked has the address <code>{escape(device_addr)}</code> "
        f"and calls itself {escape(words)} (its own words, not checked by anyone).</p>"
        f"<p><a href=\"{escape(link_url, quote=True)}\">Open the sign-in page</a> "
        "and press the button to bind that device.</p>"
        f"<p>Or enter this code on that device: <code style=\"font-size:1.4em\">"
        f"{escape(shown)}</code></p>"
        f"<p>Both expire in {lifetime} and work once. If this was not you, ignore "
        "this email: nothing happens without the link or the code.</p>"
        "</body></html>"
    )
    return OutgoingMail(to=to, subject=subject, text=text, html=html,
                        message_key=message_key)
