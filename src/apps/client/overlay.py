"""The client side of the overlay: which address this device has, and how it dials out.

A server knows a device only by the source address of its connections (DESIGN
section 2), so every socket the library opens must leave from the device's overlay
address. :class:`DeviceOverlay` is that port; the library asks it once for a
:class:`DeviceEndpoint` and builds its HTTP and WebSocket connections from it.

Two adapters:

- :class:`LoopbackDeviceOverlay` (here): the device is a ``127.x.y.z`` address and
  every outgoing socket is bound to it explicitly. Development and tests only.
- mycelium (``adapters/mycelium``, built separately): the device address is the
  node's ``nodeIp`` from the daemon's ``getInfo``; the OS routes ``400::/7`` through
  the daemon's TUN interface, so ``bind_address`` is ``None`` and sockets are not bound.
  Any object with the same ``name``, ``endpoint()`` and ``reaches()`` plugs in.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Protocol

LOOPBACK_NETWORK = ipaddress.ip_network("127.0.0.0/8")
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceEndpoint:
    """This device on the overlay.

    ``address`` is what servers see as this device (its identity). ``bind_address``
    is the local address outgoing sockets must be bound to, or ``None`` when the OS
    already routes overlay traffic from the right address.
    """

    address: str
    bind_address: str | None


class DeviceOverlay(Protocol):
    """The overlay network this device reaches project servers through."""

    name: str
    """Short name shown to people (``"loopback"``, ``"mycelium"``)."""

    async def endpoint(self) -> DeviceEndpoint:
        """This device's address and how to dial out; may ask a local daemon."""
        ...

    def reaches(self, host: str) -> bool:
        """Whether a server at ``host`` (an IP address) is on this overlay."""
        ...


class LoopbackDeviceOverlay:
    """A development overlay: this device is one ``127.0.0.0/8`` address.

    It authenticates nothing (any local process can bind any loopback address), so it
    is for demos and tests on one machine only.
    """

    name = "loopback"

    def __init__(self, address: str) -> None:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise ValueError(f"{address!r} is not an IP address") from None
        if ip not in LOOPBACK_NETWORK:
            raise ValueError(f"a loopback device needs an address in 127.0.0.0/8, not {address}")
        self._address = str(ip)
        self._warned = False

    @property
    def address(self) -> str:
        """The device's loopback address."""
        return self._address

    async def endpoint(self) -> DeviceEndpoint:
        """Bind every outgoing socket to the device address; warns once that it is insecure."""
        if not self._warned:
            self._warned = True
            _log.warning("loopback overlay: device %s is not authenticated "
                         "(demo and tests only)", self._address)
        return DeviceEndpoint(address=self._address, bind_address=self._address)

    def reaches(self, host: str) -> bool:
        """Only servers on loopback addresses."""
        try:
            return ipaddress.ip_address(host) in LOOPBACK_NETWORK
        except ValueError:
            return False
