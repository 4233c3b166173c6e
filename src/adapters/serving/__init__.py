"""What every app that serves shares: careful sockets, connection caps and deadlines,
readiness files, one-line logs, and (in :mod:`.uvicorn_server`, imported on its own
so that commands which do not serve never load uvicorn) uvicorn configured one way:
no proxy headers, the guarded protocols of :mod:`.protocols`."""

from .guard import ConnectionGuard, GuardCounts, Lease
from .limits import FD_RESERVE, ConnectionLimits, connection_budget, raise_fd_limit
from .logs import (
    LOG_FORMATS,
    JsonLineFormatter,
    LogFormat,
    OneLineFormatter,
    configure_logging,
    one_line,
    say,
)
from .readiness import NotReady, ReadyRecord, read_ready, remove_ready, wait_ready, write_ready
from .sockets import listening_tcp, listening_unix
from .transport import TRANSPORT_EXTENSION, TransportAddresses, transport_addresses

__all__ = [
    "FD_RESERVE",
    "LOG_FORMATS",
    "TRANSPORT_EXTENSION",
    "ConnectionGuard",
    "ConnectionLimits",
    "GuardCounts",
    "JsonLineFormatter",
    "Lease",
    "LogFormat",
    "NotReady",
    "OneLineFormatter",
    "ReadyRecord",
    "TransportAddresses",
    "configure_logging",
    "connection_budget",
    "listening_tcp",
    "listening_unix",
    "one_line",
    "raise_fd_limit",
    "read_ready",
    "remove_ready",
    "say",
    "transport_addresses",
    "wait_ready",
    "write_ready",
]
