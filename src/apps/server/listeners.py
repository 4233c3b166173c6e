"""Sockets the server listens on: the overlay address, and the 0600 admin socket."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from pathlib import Path

from ...adapters.serving import listening_tcp, listening_unix


def bind_tcp(address: str, port: int) -> socket.socket:
    """A listening TCP socket on exactly ``address`` (never a wildcard)."""
    if ipaddress.ip_address(address).is_unspecified:
        raise ValueError("refusing to listen on a wildcard address")
    return listening_tcp(address, port)


def bind_unix(path: Path) -> socket.socket:
    """The admin socket: replaces a file left by an earlier run, 0600 from the start."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return listening_unix(path)


def url_host(address: str) -> str:
    """An address as it appears in a URL (IPv6 in brackets)."""
    return f"[{address}]" if ":" in address else address
