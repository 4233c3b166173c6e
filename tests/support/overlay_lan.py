"""Several hosts on one simulated mycelium overlay, each a network namespace.

:func:`overlay_lan` makes one namespace per host and one more for a switch: a Linux
bridge that every host is plugged into by a veth pair. Each host carries its overlay
address (400::/7) on its veth, has ``lo`` up, and runs the mycelium API stand-in on
its own ``127.0.0.1:8990`` reporting that address, its subnet and a key of its own,
so the production mycelium adapters of the server and the client find "their daemon"
exactly where a real one would answer. Nothing is routed beyond the bridge.

:class:`Processes` keeps the processes a test starts in those hosts, so the fixture
can stop every one of them before the namespaces go.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .netns import Namespace, add_address, make_bridge, namespaces, plug
from .processes import Child, start_standin

STANDIN_LISTEN = "127.0.0.1:8990"
STANDIN_API = f"http://{STANDIN_LISTEN}"


@dataclass(frozen=True)
class OverlayHost:
    """One host: its namespace, overlay address and the key its stand-in reports."""

    role: str
    namespace: Namespace
    address: str
    public_key: str
    interface: str

    @property
    def mycelium_api(self) -> str:
        """Where the host's stand-in daemon answers (inside its namespace)."""
        return STANDIN_API

    def prefix(self) -> tuple[str, ...]:
        """The argv prefix that runs a program on this host."""
        return self.namespace.prefix()


@dataclass
class Processes:
    """Processes started for a test, stopped newest first by :meth:`stop_all`."""

    children: list[Child] = field(default_factory=list)

    def keep(self, child: Child) -> Child:
        """Remember ``child`` for :meth:`stop_all`; returns it."""
        self.children.append(child)
        return child

    def stop_all(self) -> None:
        """SIGTERM (then SIGKILL) every child, newest first."""
        while self.children:
            self.children.pop().stop()


@contextmanager
def overlay_lan(addresses: Mapping[str, str], *, subnet: str, logs: Path
                ) -> Iterator[dict[str, OverlayHost]]:
    """Hosts named by role, each with its overlay address in ``subnet``; all torn down.

    The stand-ins are stopped and the namespaces (with their veths and the bridge)
    deleted on exit, whatever happened inside.
    """
    network = ipaddress.IPv6Network(subnet)
    for role, address in addresses.items():
        if ipaddress.IPv6Address(address) not in network:
            raise ValueError(f"{role}: {address} is not in {subnet}")
    standins = Processes()
    with namespaces("sw", *addresses) as (switch, *spaces):
        try:
            bridge = make_bridge(switch)
            hosts: dict[str, OverlayHost] = {}
            for (role, address), space in zip(addresses.items(), spaces, strict=True):
                interface = plug(space, switch, bridge)
                add_address(space, interface, f"{address}/{network.prefixlen}")
                key = secrets.token_hex(32)
                standin, _ = start_standin(
                    logs / f"mycelium-{role}.log", listen=STANDIN_LISTEN, prefix=space.prefix(),
                    options=("--node-ip", address, "--subnet", str(network), "--pubkey", key))
                standins.keep(standin)
                hosts[role] = OverlayHost(role=role, namespace=space, address=address,
                                          public_key=key, interface=interface)
            yield hosts
        finally:
            standins.stop_all()
