"""An overlay with a fixed listen address and address range."""

from __future__ import annotations

import ipaddress


class StaticOverlay:
    """Answers with configured values; for tests of code that needs an overlay."""

    def __init__(self, address: str, network: str, name: str = "static") -> None:
        self.name = name
        self._address = address
        self._network = ipaddress.ip_network(network)

    async def listen_address(self) -> str:
        """The configured address."""
        return self._address

    def is_device_address(self, address: str) -> bool:
        """Whether ``address`` falls inside the configured network."""
        try:
            return ipaddress.ip_address(address) in self._network
        except ValueError:
            return False
