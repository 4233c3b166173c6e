"""Open the client program's resources in order, and close them in reverse.

The overlay comes first (for mycelium: a running daemon, or one started for this
process), then the :class:`SupportClient` and the event fan-out; the caller then
serves the registry on the Unix socket (``serve``) or calls it in-process (a CLI
command without a running service).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from ...adapters.mycelium import DaemonOptions, MyceliumError, supervised_node
from .containers import ClientContainer
from .mycelium import MyceliumDeviceOverlay
from .overlay import DeviceOverlay, LoopbackDeviceOverlay


class OverlayUnavailable(Exception):
    """This device cannot join its overlay (no mycelium daemon, a bad address)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientOptions:
    """Where the client keeps its files and how it reaches the overlay."""

    config_dir: Path
    socket_path: Path
    overlay: str | None = None
    """``loopback`` or ``mycelium``; ``None``: mycelium (or whatever the service uses)."""
    device: str | None = None
    mycelium_api: str | None = None


@contextlib.asynccontextmanager
async def device_overlay(options: ClientOptions) -> AsyncIterator[DeviceOverlay]:
    """The device's overlay for the duration of the context."""
    if options.overlay == "loopback":
        if options.device is None:
            raise OverlayUnavailable("the loopback overlay needs this device's address "
                                     "(--device 127.x.y.z)")
        try:
            loopback = LoopbackDeviceOverlay(options.device)
        except ValueError as exc:
            raise OverlayUnavailable(str(exc)) from exc
        yield loopback
        return
    try:
        async with supervised_node(DaemonOptions(api=options.mycelium_api)) as node:
            if options.device is not None and options.device != str(node.info.address):
                raise OverlayUnavailable(
                    f"--device {options.device} is not this machine's mycelium node "
                    f"({node.info.address})")
            yield MyceliumDeviceOverlay(node)
    except MyceliumError as exc:
        raise OverlayUnavailable(str(exc)) from exc


@contextlib.asynccontextmanager
async def running_client(options: ClientOptions) -> AsyncIterator[ClientContainer]:
    """The container with its client open and its events fanned out."""
    async with contextlib.AsyncExitStack() as stack:
        overlay = await stack.enter_async_context(device_overlay(options))
        container = ClientContainer(overlay=overlay, config_dir=options.config_dir,
                                    socket_path=options.socket_path)
        container.check_dependencies()
        client = container.client()
        await client.open()
        stack.push_async_callback(client.aclose)
        await stack.enter_async_context(container.fanout())
        yield container
