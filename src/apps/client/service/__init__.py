"""The client as a local OpenRPC service (DESIGN section 7).

:func:`build_client_registry` makes the JSON-RPC methods over an open
:class:`~hero_assistance.apps.client.SupportClient`; any transport serves them by
passing request bytes and a :class:`ClientContext` to ``registry.handle``. Streams
(``events.subscribe``) need a :class:`LocalSession` from the :class:`EventFanout`.
:class:`UnixSocketService` is the transport of ``hero-assistance-client serve``.
"""

from ....version import package_version
from .errors import CONFIG_UNREADABLE, PROJECT_UNREACHABLE, SERVICE_ERRORS, rpc_error
from .registry import build_client_registry
from .session import (
    EVENT_NOTIFICATION,
    PROGRESS_NOTIFICATION,
    STATE_NOTIFICATION,
    ClientContext,
    EventFanout,
    LocalSession,
    Send,
)

__all__ = [
    "CONFIG_UNREADABLE",
    "EVENT_NOTIFICATION",
    "PROGRESS_NOTIFICATION",
    "PROJECT_UNREACHABLE",
    "SERVICE_ERRORS",
    "STATE_NOTIFICATION",
    "ClientContext",
    "EventFanout",
    "LocalSession",
    "Send",
    "build_client_registry",
    "package_version",
    "rpc_error",
]
