"""Use cases: each takes the caller and enforces policy itself.

Every write runs as one unit of work through the :class:`~hero_assistance.domain.ports.Storage`
port; events it records are published only after the write is durable.
"""

from ._known_devices import KnownDevices
from .accounts import Accounts, WhoAmI
from .attachments import AttachmentLibrary
from .devices import DeviceEnrollment, LinkPreview
from .feed import EventFeed, Replay
from .mail import DeliveryPass, MailDelivery, MailOperations, MailRecord
from .messages import Conversation
from .presence import PresenceBoard
from .project_settings import ProjectAdministration
from .tickets import KEEP, Keep, TicketDesk

__all__ = [
    "KEEP",
    "Accounts",
    "AttachmentLibrary",
    "Conversation",
    "DeliveryPass",
    "DeviceEnrollment",
    "EventFeed",
    "Keep",
    "KnownDevices",
    "LinkPreview",
    "MailDelivery",
    "MailOperations",
    "MailRecord",
    "PresenceBoard",
    "ProjectAdministration",
    "Replay",
    "TicketDesk",
    "WhoAmI",
]
