"""Sockets the server listens on: the overlay address, and the 0600 admin socket."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from collections.abc import Generator
from pathlib import Path

import uvicorn


def bind_tcp(address: str, port: int) -> socket.socket:
    """A listening TCP socket on exactly ``address`` (never a wildcard)."""
    ip = ipaddress.ip_address(address)
    if ip.is_unspecified:
        raise ValueError("refusing to listen on a wildcard address")
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
        sock.listen(1024)
        sock.setblocking(False)  # noqa: FBT003 - socket API
    except BaseException:
        sock.close()
        raise
    return sock


def bind_unix(path: Path) -> socket.socket:
    """A listening Unix socket only its owner can open (mode 0600 from the start)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)  # the file is created 0600: no window where others can connect
    try:
        sock.bind(str(path))
        sock.listen(64)
        sock.setblocking(False)  # noqa: FBT003 - socket API
    except BaseException:
        sock.close()
        raise
    finally:
        os.umask(previous)
    path.chmod(0o600)
    return sock


def url_host(address: str) -> str:
    """An address as it appears in a URL (IPv6 in brackets)."""
    return f"[{address}]" if ":" in address else address


class ManagedServer(uvicorn.Server):
    """A uvicorn server whose shutdown the runtime decides (it owns the signals)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Leave signal handling to the runtime, which stops every listener together."""
        yield
