"""The production device overlay: this device is the local mycelium node.

The node's address (``nodeIp`` from the daemon) is the device's identity; the kernel
routes ``400::/7`` through the daemon's TUN interface with that address as the
source, so outgoing sockets need no explicit bind.
"""

from __future__ import annotations

from ...adapters.mycelium import MyceliumNode, is_overlay_address
from .overlay import DeviceEndpoint


class MyceliumDeviceOverlay:
    """A :class:`~.overlay.DeviceOverlay` over a running (or supervised) mycelium node."""

    name = "mycelium"

    def __init__(self, node: MyceliumNode) -> None:
        self.node = node

    async def endpoint(self) -> DeviceEndpoint:
        """The node's overlay address; the OS picks it as the source of overlay traffic."""
        return DeviceEndpoint(address=str(self.node.info.address), bind_address=None)

    def reaches(self, host: str) -> bool:
        """Servers on mycelium addresses (400::/7)."""
        return is_overlay_address(host)
