"""What the server listens on: the overlay address and the 0600 admin socket, each with
its connection caps and deadlines."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from pathlib import Path

from ...adapters.serving import (
    ConnectionGuard,
    ConnectionLimits,
    connection_budget,
    listening_tcp,
    listening_unix,
)
from .config import ConnectionsConfig

OVERLAY_BACKLOG = 4096
"""Connections the kernel queues before the server accepts them (capped by
``net.core.somaxconn``). A burst of connects beyond it makes the kernel drop SYNs, and
a device caught in the burst waits a second for its retransmission: a deep queue
lets the guard see, and evict or refuse, the burst instead."""
ADMIN_CONNECTIONS = 16
"""The admin socket's own cap: operator commands are few, and an overlay flood must not
take the operator's way in (the overlay's cap leaves room for these)."""
METRICS_CONNECTIONS = 8
"""The localhost metrics listener's cap: a scraper or two, never a crowd."""


def bind_tcp(address: str, port: int) -> socket.socket:
    """A listening TCP socket on exactly ``address`` (never a wildcard)."""
    if ipaddress.ip_address(address).is_unspecified:
        raise ValueError("refusing to listen on a wildcard address")
    return listening_tcp(address, port, backlog=OVERLAY_BACKLOG)


def bind_unix(path: Path) -> socket.socket:
    """The admin socket: replaces a file left by an earlier run, 0600 from the start."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return listening_unix(path)


def url_host(address: str) -> str:
    """An address as it appears in a URL (IPv6 in brackets)."""
    return f"[{address}]" if ":" in address else address


def connection_limits(config: ConnectionsConfig) -> ConnectionLimits:
    """The listeners' deadlines and caps from ``server.json``."""
    return ConnectionLimits(
        head_timeout=config.head_timeout_seconds, body_timeout=config.body_timeout_seconds,
        send_timeout=config.send_timeout_seconds, keep_alive=config.keep_alive_seconds,
        max_connections=config.max_connections, max_per_peer=config.max_connections_per_peer,
    )


def overlay_guard(limits: ConnectionLimits, fd_limit: int) -> ConnectionGuard:
    """Caps of the overlay listener: per peer as configured, overall below ``fd_limit``."""
    return ConnectionGuard(max_connections=connection_budget(limits.max_connections, fd_limit),
                           max_per_peer=limits.max_per_peer, name="overlay")


def admin_guard() -> ConnectionGuard:
    """Caps of the admin socket (every client there is the operator: one "peer")."""
    return ConnectionGuard(max_connections=ADMIN_CONNECTIONS, max_per_peer=ADMIN_CONNECTIONS,
                           name="admin socket")


def metrics_guard() -> ConnectionGuard:
    """Caps of the optional localhost metrics listener (``metrics_port``)."""
    return ConnectionGuard(max_connections=METRICS_CONNECTIONS,
                           max_per_peer=METRICS_CONNECTIONS, name="metrics")
