"""Typed domain errors: one root, one class per kind of refusal.

Adapters map these kinds to wire codes (JSON-RPC application codes, HTTP statuses);
the message always says what was wrong in words a caller can act on.
"""

from __future__ import annotations


class DomainError(Exception):
    """Root of every error the domain raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value the caller sent breaks a rule (empty subject, bad email, ...)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class TooLarge(InvalidInput):
    """A body, attachment or image exceeds its cap."""


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it exists."""


class Forbidden(DomainError):
    """The caller is known but their role or ownership does not allow this."""


class DeviceNotBound(DomainError):
    """The device address is not bound to any user; only enrollment is open to it."""


class Conflict(DomainError):
    """The request clashes with the current state (duplicate email, bound address, ...)."""


class IllegalTransition(Conflict):
    """A ticket status move the status machine does not allow."""


class LinkRejected(DomainError):
    """A magic link or code that is unknown, expired, used up or locked."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"sign-in link refused: {reason}")
        self.reason = reason


class RateLimited(DomainError):
    """Too many requests of one kind in a window; retry after ``retry_after`` seconds."""

    def __init__(self, what: str, retry_after: float) -> None:
        super().__init__(f"too many {what}; retry in {max(1, round(retry_after))} s")
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A collaborator (mail server, storage) failed; the same call may succeed later."""


class MailRejected(DomainError):
    """The mail server refused a mail for good (unknown recipient, say): do not retry."""
