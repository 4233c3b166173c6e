"""Whose process is on the other end of a loopback TCP connection (Linux).

The client service's Unix socket is mode 0600: only its user can talk to it. A TCP
port on 127.0.0.1 is open to every user of the machine, so the tab's server asks the
kernel who owns the connecting socket (``/proc/net/tcp``, ``/proc/net/tcp6``) and
serves only its own user's processes, browsers included. Where the kernel does not
say (not Linux, no ``/proc``), :func:`same_user` answers ``None``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

_TABLES = {socket.AF_INET: Path("/proc/net/tcp"), socket.AF_INET6: Path("/proc/net/tcp6")}
_UID_COLUMN = 7


def proc_endpoint(host: str, port: int) -> str:
    """An endpoint as ``/proc/net/tcp[6]`` spells it: each 32-bit word in host byte
    order (little-endian on every Linux this runs on), hex, then ``:PORT``."""
    packed = ipaddress.ip_address(host).packed
    words = [packed[i:i + 4][::-1].hex().upper() for i in range(0, len(packed), 4)]
    return f"{''.join(words)}:{port:04X}"


def owner_uid(table: str, local: str, remote: str) -> int | None:
    """The uid owning the socket ``local`` -> ``remote`` in a ``/proc/net/tcp`` text."""
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) > _UID_COLUMN and fields[1] == local and fields[2] == remote:
            return int(fields[_UID_COLUMN])
    return None


def same_user(client: tuple[str, int], server: tuple[str, int]) -> bool | None:
    """Whether the process that opened ``client`` -> ``server`` runs as this user.

    ``None`` when the kernel cannot tell (no ``/proc/net``, or the connection is
    already gone).
    """
    family = socket.AF_INET6 if ":" in client[0] else socket.AF_INET
    table_path = _TABLES[family]
    try:
        table = table_path.read_text()
    except OSError:
        return None
    # The client's socket: its local end is the client address, its remote end ours.
    uid = owner_uid(table, proc_endpoint(*client), proc_endpoint(*server))
    return None if uid is None else uid == os.getuid()
