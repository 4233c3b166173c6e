"""An email as the ``Mailer`` port sends it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingMail:
    """An email with a plain-text and an HTML part.

    ``message_key``, when given, is the local part of the ``Message-ID`` (the mailer adds
    its own domain), so every attempt at the same queued mail carries the same id.
    ``headers`` are extra header fields (``In-Reply-To``, ``List-Unsubscribe`` …); they
    never replace the ones the mailer sets itself.
    """

    to: str
    subject: str
    text: str
    html: str
    message_key: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
