"""The hero_assistance client library: follow many project servers from one device.

Start with :class:`SupportClient` (every followed project, merged events, the
inbox) or, to embed one project, :class:`ProjectConnection`. Both take a
:class:`DeviceOverlay` that says which address this device speaks from.
Results are the server's own wire types (``hero_assistance.adapters.support_rpc.wire``);
errors derive from :class:`SupportClientError`.
"""

from .client import ProjectEvent, SupportClient
from .errors import (
    AlreadyFollowedError,
    ClientClosedError,
    ConflictError,
    CorruptConfigError,
    DeviceNotBoundError,
    DuplicateLabelError,
    FollowedProjectsError,
    ForbiddenError,
    IllegalTransitionError,
    InvalidLabelError,
    InvalidParamsError,
    InvalidServerAddressError,
    LinkRejectedError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    RequestKeyReusedError,
    RequestRefusedError,
    ServerUnavailableError,
    SupportClientError,
    TooLargeError,
    UnknownLabelError,
    UnreachableError,
    error_from_rpc,
)
from .followed import FollowedProject, FollowedProjects, default_config_dir
from .inbox import Inbox, InboxItem
from .overlay import DeviceEndpoint, DeviceOverlay, LoopbackDeviceOverlay
from .presence import Activity
from .project import EventSink, ProjectConnection
from .read_markers import ReadMarkers
from .rpc import Progress, RpcClient
from .server_address import DEFAULT_PORT, ServerAddress
from .settings import Backoff, BackoffPolicy, ConnectionSettings
from .state import Phase, ProjectState

__all__ = [
    "DEFAULT_PORT",
    "Activity",
    "AlreadyFollowedError",
    "Backoff",
    "BackoffPolicy",
    "ClientClosedError",
    "ConflictError",
    "ConnectionSettings",
    "CorruptConfigError",
    "DeviceEndpoint",
    "DeviceNotBoundError",
    "DeviceOverlay",
    "DuplicateLabelError",
    "EventSink",
    "FollowedProject",
    "FollowedProjects",
    "FollowedProjectsError",
    "ForbiddenError",
    "IllegalTransitionError",
    "Inbox",
    "InboxItem",
    "InvalidLabelError",
    "InvalidParamsError",
    "InvalidServerAddressError",
    "LinkRejectedError",
    "LoopbackDeviceOverlay",
    "NotFoundError",
    "Phase",
    "Progress",
    "ProjectConnection",
    "ProjectEvent",
    "ProjectState",
    "ProtocolError",
    "RateLimitedError",
    "ReadMarkers",
    "RequestKeyReusedError",
    "RequestRefusedError",
    "RpcClient",
    "ServerAddress",
    "ServerUnavailableError",
    "SupportClient",
    "SupportClientError",
    "TooLargeError",
    "UnknownLabelError",
    "UnreachableError",
    "default_config_dir",
    "error_from_rpc",
]
