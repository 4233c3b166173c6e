"""The identity boundary: the only place a caller is made (DESIGN section 2).

The caller comes from the transport's peer address and nothing else: no header,
cookie or parameter is read, and proxies are not trusted.
"""

from __future__ import annotations

import ipaddress
from typing import Protocol

from ...domain.identity import Caller, CallerIdentity, Role
from ...domain.ports import Overlay
from ...domain.services import Accounts

OPERATOR_ADDRESS = "admin-socket"
_REMEMBERED_PEERS = 65_536  # distinct peer texts; beyond that the memory starts over


class PeerRefused(Exception):
    """The peer is not a device of this overlay; the connection gets no answer body."""


class IdentityBoundary(Protocol):
    """Turns a connection's peer into a caller."""

    async def caller_for(self, peer_host: str | None) -> Caller:
        """The caller behind ``peer_host``; raises ``PeerRefused`` or a domain error."""
        ...


def canonical_address(host: str) -> str:
    """The canonical text of an IP address (IPv4-mapped IPv6 unwrapped, zones dropped)."""
    ip = ipaddress.ip_address(host.split("%", 1)[0].strip("[]"))
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


class OverlayBoundary:
    """Identity from the overlay address of the peer, through the device bindings."""

    def __init__(self, overlay: Overlay, accounts: Accounts) -> None:
        self._overlay = overlay
        self._accounts = accounts
        # Peer text -> canonical device address, for peers already accepted: parsing the
        # address twice cost more than the rest of identifying a known device.
        self._devices: dict[str, str] = {}

    async def caller_for(self, peer_host: str | None) -> Caller:
        """Refuse peers outside the overlay; otherwise look the device up."""
        if not peer_host:
            raise PeerRefused("the connection has no peer address")
        address = self._devices.get(peer_host)
        if address is None:
            address = self._device_address(peer_host)
        return await self._accounts.identify(address)

    def _device_address(self, peer_host: str) -> str:
        try:
            address = canonical_address(peer_host)
        except ValueError:
            raise PeerRefused(f"{peer_host!r} is not an IP address") from None
        if not self._overlay.is_device_address(address):
            raise PeerRefused(f"{address} is outside the {self._overlay.name} overlay")
        if len(self._devices) >= _REMEMBERED_PEERS:
            self._devices.clear()
        self._devices[peer_host] = address
        return address


class OperatorBoundary:
    """The admin socket: whoever can open the 0600 Unix socket is the operator.

    The operator is an admin identity that belongs to no user; it can enroll people
    and manage devices but owns no tickets.
    """

    OPERATOR = CallerIdentity(user_id=0, device_addr=OPERATOR_ADDRESS, role=Role.ADMIN)

    async def caller_for(self, peer_host: str | None) -> Caller:  # noqa: ARG002 - same port
        """Always the operator: file permissions did the authentication."""
        return self.OPERATOR
