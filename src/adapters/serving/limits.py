"""How long a client may take, and how many connections it may hold (and the fd budget).

Every listener the project builds is served under :class:`ConnectionLimits`: a request
head must be complete within a deadline, a body must keep arriving, a client must keep
reading what it asked for, and connections are capped per peer address and overall.
The overall cap is kept below the process's file-descriptor limit, which is raised to
its hard limit at start (:func:`raise_fd_limit`), so a flood of connections is refused
by the cap long before ``accept()`` runs out of descriptors.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

FD_RESERVE = 128
"""Descriptors kept free for everything but client connections: the database and its
WAL, log files, attachment files being read or written, the admin socket and its
clients, SMTP and mycelium API connections."""

MIN_CONNECTIONS = 8
"""The overall cap never goes below this, whatever the descriptor limit says."""

_UNLIMITED_TARGET = 1 << 20
"""What "as many as the hard limit" means when the hard limit is RLIM_INFINITY (Linux
refuses an infinite RLIMIT_NOFILE; its own ceiling, fs.nr_open, defaults to 2^20)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionLimits:
    """What one listener tolerates from its clients.

    ``body_timeout`` is about progress, not total time: an upload that keeps arriving
    may take as long as it takes (a 25 MiB image over a poor link), one that stalls for
    ``body_timeout`` seconds is answered 408 and closed. ``head_timeout`` is total: a
    request head (request line and headers, a WebSocket upgrade included) is a few
    hundred bytes, and a client that drips it byte by byte is the attack, not a slow
    link. It also bounds a connection that never sends anything.
    """

    head_timeout: float = 10.0
    body_timeout: float = 30.0
    send_timeout: float = 60.0
    """A client that does not read the response it asked for is cut after this long."""
    keep_alive: int = 5
    """Idle seconds between requests before a keep-alive connection is closed."""
    max_connections: int = 4096
    """Requested overall cap; :func:`connection_budget` lowers it to the fd limit."""
    max_per_peer: int = 64


def raise_fd_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = _UNLIMITED_TARGET if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft  # the kernel's own ceiling is lower; keep what we have
        return target
    return soft if soft != resource.RLIM_INFINITY else _UNLIMITED_TARGET


def connection_budget(requested: int, fd_limit: int, reserve: int = FD_RESERVE) -> int:
    """The overall connection cap: ``requested``, but never closer than ``reserve``
    descriptors to ``fd_limit`` (and never below :data:`MIN_CONNECTIONS`)."""
    return max(MIN_CONNECTIONS, min(requested, fd_limit - reserve))
