"""Mail delivery behind the ``Mailer`` port."""

from .message import build_message
from .outbox import OutboxMailer

__all__ = ["OutboxMailer", "build_message"]
