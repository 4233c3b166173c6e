"""The production overlay: the local mycelium daemon says which address to serve on."""

from __future__ import annotations

import asyncio
import logging
import time

from .address import is_overlay_address
from .api import DEFAULT_API, DEFAULT_TIMEOUT, MyceliumApi, parse_endpoint
from .errors import DaemonUnreachable, MyceliumError, NodeAddressChanged
from .node import NodeInfo

_log = logging.getLogger(__name__)
DEFAULT_STARTUP_SECONDS = 20.0
DEFAULT_CHECK_SECONDS = 30.0
_FIRST_RETRY = 0.1
_MAX_RETRY = 2.0


class MyceliumOverlay:
    """Serve on the local daemon's node address; every peer in 400::/7 is a device.

    ``listen_address`` waits for the daemon at start-up (retrying with backoff for up to
    ``startup_seconds``), because a server and its daemon often start together.
    """

    name = "mycelium"

    def __init__(self, endpoint: str = DEFAULT_API, *,
                 startup_seconds: float = DEFAULT_STARTUP_SECONDS,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        parse_endpoint(endpoint)  # refuse a malformed address now, not at first use
        self.endpoint = endpoint
        self._startup_seconds = startup_seconds
        self._timeout = timeout

    async def node_info(self) -> NodeInfo:
        """Ask the daemon once (``getInfo``), checked; raises a ``MyceliumError``."""
        async with MyceliumApi(self.endpoint, timeout=self._timeout) as api:
            return await api.node_info()

    async def listen_address(self) -> str:
        """The node's overlay address, once the daemon answers (retried with backoff)."""
        deadline = time.monotonic() + self._startup_seconds
        delay = _FIRST_RETRY
        while True:
            try:
                info = await self.node_info()
                break
            except DaemonUnreachable as exc:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DaemonUnreachable(
                        f"{exc}; waited {self._startup_seconds:g} s. Start the mycelium "
                        "daemon, or point the server at its JSON-RPC API with "
                        "--mycelium-api URL (or a Unix socket path)") from exc
                _log.info("waiting for the mycelium daemon at %s: %s", self.endpoint, exc)
                await asyncio.sleep(min(delay, left))
                delay = min(delay * 2, _MAX_RETRY)
        how = "derived from its public key" if info.derived else "reported by the daemon"
        _log.info("mycelium node %s (subnet %s, %s)", info.address, info.subnet, how)
        return str(info.address)

    def is_device_address(self, address: str) -> bool:
        """Whether a peer address lies in the mycelium range 400::/7."""
        return is_overlay_address(address)

    async def watch(self, bound: str, *, every: float = DEFAULT_CHECK_SECONDS) -> None:
        """Check the node address every ``every`` seconds; raise when it changed.

        A daemon that does not answer for a while (restarting) is only logged: the
        address is still ours until the daemon comes back with another one.
        Raises ``NodeAddressChanged``; never returns otherwise.
        """
        silent = False
        while True:
            await asyncio.sleep(every)
            try:
                info = await self.node_info()
            except MyceliumError as exc:
                if not silent:
                    _log.warning("the mycelium daemon at %s does not answer the address "
                                 "check: %s", self.endpoint, exc)
                silent = True
                continue
            if silent:
                _log.info("the mycelium daemon at %s answers again", self.endpoint)
                silent = False
            if str(info.address) != bound:
                changed = NodeAddressChanged(bound, str(info.address))
                _log.error("%s", changed)
                raise changed

