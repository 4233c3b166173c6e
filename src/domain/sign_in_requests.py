"""Sign-in requests and the limits that keep them from being turned against a person.

Three rules (D-15):

- **Per device**: one device may ask ``per_device`` times an hour, whatever the emails.
- **Per device and email**: one device may ask ``per_device_and_email`` times an hour
  for one email: that device's *share* of the mailbox. Both refusals say "this
  device", are counted for every email alike and never reveal who is enrolled.
- **Per mailbox**: an address receives at most ``mails_per_email`` sign-in mails an
  hour, handed out as whole shares, first come first served: at most
  ``mails_per_email // per_device_and_email`` devices get mail for one address in an
  hour, and a device that got one keeps the rest of its share whatever the others do.
  A device that finds every share taken gets the same answer as everyone and no mail.

So a few other devices can neither flood a mailbox (the cap) nor use up the owner's
device's share (shares are per device); only as many devices as there are shares,
all asking within the hour before the owner does, keep the owner's device from a link
for that hour (``limitations/L-07``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from .ratelimit import Limit

MAIL_WINDOW = timedelta(hours=1)


class SignInOutcome(StrEnum):
    """What one accepted request led to (only the operator sees this)."""

    RECEIVED = "received"
    """Recorded, not handled yet: the request path stops here, for every email."""
    MAILED = "mailed"
    """A link was made and its mail queued."""
    UNKNOWN = "unknown"
    """No account has that email."""
    DISABLED = "disabled"
    """The account is disabled."""
    MAILBOX_FULL = "mailbox_full"
    """Every share of that mailbox for this hour is taken by other devices."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SignInRequest:
    """One ``auth.request_link`` that passed the device's own limits.

    Recorded as ``RECEIVED`` with the ``email`` asked for; once handled, the email is
    dropped and ``user_id`` (enrolled emails only), the outcome and the ``link_id``
    (when a link was mailed) are kept. Unknown emails are not kept, only that they
    were unknown.
    """

    id: int
    at: datetime
    device_addr: str
    device_label: str
    email: str | None = None
    user_id: int | None = None
    outcome: SignInOutcome = SignInOutcome.RECEIVED
    link_id: int | None = None

    def handled(self, outcome: SignInOutcome, *, user_id: int | None,
                link_id: int | None = None) -> SignInRequest:
        """The record once the request was handled: the email asked for is dropped."""
        return replace(self, email=None, outcome=outcome, user_id=user_id, link_id=link_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class SignInLimits:
    """How often devices may ask, and how much mail one address may receive."""

    per_device: int = 10
    per_device_and_email: int = 2
    mails_per_email: int = 12

    def __post_init__(self) -> None:
        if min(self.per_device, self.per_device_and_email, self.mails_per_email) < 1:
            raise ValueError("sign-in limits must be at least 1")
        if self.mails_per_email < self.per_device_and_email:
            raise ValueError("mails_per_email_per_hour must be at least "
                             "requests_per_device_and_email_per_hour (one whole share)")

    @property
    def device_limit(self) -> Limit:
        """Requests from one device, any email."""
        return Limit(self.per_device, MAIL_WINDOW)

    @property
    def share_limit(self) -> Limit:
        """Requests from one device for one email."""
        return Limit(self.per_device_and_email, MAIL_WINDOW)

    @property
    def shares_per_email(self) -> int:
        """How many devices may get mail for one address within an hour."""
        return self.mails_per_email // self.per_device_and_email


def mailbox_admits(limits: SignInLimits, mailed: Sequence[SignInRequest],
                   device_addr: str) -> bool:
    """Whether one more sign-in mail may go to a mailbox, for this device.

    ``mailed`` are the requests that mailed this address within the last hour. A device
    already holding a share may use what is left of it; a new device needs a free share.
    """
    by_device: dict[str, int] = {}
    for request in mailed:
        by_device[request.device_addr] = by_device.get(request.device_addr, 0) + 1
    used = by_device.get(device_addr)
    if used is not None:
        return used < limits.per_device_and_email
    return len(by_device) < limits.shares_per_email
