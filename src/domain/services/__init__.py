"""Use cases: each takes the caller and enforces policy itself.

Every write runs as one unit of work through the :class:`~hero_assistance.domain.ports.Storage`
port; events it records are published only after the write is durable.
"""

from ._known_devices import KnownDevices
from .accounts import Accounts, WhoAmI
from .attachments import AttachmentLibrary
from .canned import CannedReplies
from .devices import DeviceEnrollment, LinkPreview
from .directory import CustomerContext, StaffDirectory, StaffMember
from .feed import EventFeed, Replay
from .mail import DeliveryPass, MailDelivery, MailOperations, MailRecord
from .messages import Conversation
from .presence import PresenceBoard
from .project_settings import ProjectAdministration
from .queues import QueueBoard
from .reading import ReadState
from .request_keys import KeyedStorage, KeyedWrites
from .service_levels import ServiceLevelDesk, ServiceLevelSettings, TicketServiceLevel
from .teams import TeamRoster
from .tickets import KEEP, BulkOutcome, Keep, TicketChangeRequest, TicketDesk

__all__ = [
    "KEEP",
    "Accounts",
    "AttachmentLibrary",
    "BulkOutcome",
    "CannedReplies",
    "Conversation",
    "CustomerContext",
    "DeliveryPass",
    "DeviceEnrollment",
    "EventFeed",
    "Keep",
    "KeyedStorage",
    "KeyedWrites",
    "KnownDevices",
    "LinkPreview",
    "MailDelivery",
    "MailOperations",
    "MailRecord",
    "PresenceBoard",
    "ProjectAdministration",
    "QueueBoard",
    "ReadState",
    "Replay",
    "ServiceLevelDesk",
    "ServiceLevelSettings",
    "StaffDirectory",
    "StaffMember",
    "TeamRoster",
    "TicketChangeRequest",
    "TicketDesk",
    "TicketServiceLevel",
    "WhoAmI",
]
