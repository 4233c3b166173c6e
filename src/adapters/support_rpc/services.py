"""The use cases and live-delivery pieces the server's methods call."""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.services import (
    Accounts,
    AttachmentLibrary,
    CannedReplies,
    Conversation,
    DeviceEnrollment,
    EventFeed,
    PresenceBoard,
    ProjectAdministration,
    QueueBoard,
    ReadState,
    ServiceLevelDesk,
    StaffDirectory,
    TeamRoster,
    TicketDesk,
)
from ..live import EventHub


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerServices:
    """Everything one project server does, composed by the app's container."""

    accounts: Accounts
    project: ProjectAdministration
    devices: DeviceEnrollment
    tickets: TicketDesk
    conversation: Conversation
    attachments: AttachmentLibrary
    presence: PresenceBoard
    feed: EventFeed
    hub: EventHub
    teams: TeamRoster
    reads: ReadState
    queues: QueueBoard
    canned: CannedReplies
    directory: StaffDirectory
    service_levels: ServiceLevelDesk


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerInfo:
    """Facts about the running server that ``project.info`` reports."""

    version: str
    overlay: str
    link_lifetime_seconds: int = 900
