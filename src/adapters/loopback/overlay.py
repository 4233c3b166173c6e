"""A development overlay on 127.0.0.0/8. It authenticates nothing: any local process
can pick any loopback address, so it is for demos and tests on one machine only."""

from __future__ import annotations

import ipaddress
import logging

LOOPBACK_NETWORK = ipaddress.ip_network("127.0.0.0/8")
_log = logging.getLogger(__name__)

WARNING = (
    "LOOPBACK OVERLAY IS NOT SECURE: device identity is the local 127.x.y.z address, "
    "which any local process can choose. Use it for demos and tests on this machine only; "
    "use --overlay mycelium for real deployments."
)


class LoopbackOverlay:
    """Listens on one loopback address; every peer in 127.0.0.0/8 is a device."""

    name = "loopback"

    def __init__(self, address: str = "127.0.0.1") -> None:
        ip = ipaddress.ip_address(address)
        if ip not in LOOPBACK_NETWORK:
            raise ValueError(f"the loopback overlay needs an address in 127.0.0.0/8, not {address}")
        self._address = str(ip)

    async def listen_address(self) -> str:
        """The loopback address to bind; says loudly that this is not secure."""
        _log.warning(WARNING)
        return self._address

    def is_device_address(self, address: str) -> bool:
        """Whether a peer is a loopback address."""
        try:
            return ipaddress.ip_address(address) in LOOPBACK_NETWORK
        except ValueError:
            return False
