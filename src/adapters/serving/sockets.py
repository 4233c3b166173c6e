"""Listening sockets made the careful way, for uvicorn and for asyncio servers."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path


def listening_tcp(address: str, port: int, *, backlog: int = 1024) -> socket.socket:
    """A non-blocking listening TCP socket on exactly ``address`` (IPv6: v6 only)."""
    ip = ipaddress.ip_address(address)
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio turns Nagle off (TCP_NODELAY) only for
    # sockets whose proto says TCP, and accepted sockets inherit the listener's proto.
    # With proto 0, every response waits ~40 ms on the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((str(ip), port))
        sock.listen(backlog)
        sock.setblocking(False)  # noqa: FBT003 - socket API
    except BaseException:
        sock.close()
        raise
    return sock


def listening_unix(path: Path, *, backlog: int = 64) -> socket.socket:
    """A non-blocking listening Unix socket only its owner can open, 0600 from birth.

    The file must not exist; callers decide what to do with a stale one.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)  # no moment at which others could connect
    try:
        sock.bind(str(path))
        sock.listen(backlog)
        sock.setblocking(False)  # noqa: FBT003 - socket API
    except BaseException:
        sock.close()
        raise
    finally:
        os.umask(previous)
    path.chmod(0o600)
    return sock
