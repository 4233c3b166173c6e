"""The client program's composition root: the library, the service, their transport.

Built by :mod:`.runtime` once the overlay is known (a loopback address, or a mycelium
node found or started); nothing here runs at import time.
"""

from __future__ import annotations

from pathlib import Path

from dependency_injector import containers, providers

from .client import SupportClient
from .overlay import DeviceOverlay
from .service import EventFanout, build_client_registry
from .service.unix import UnixSocketService
from .settings import ConnectionSettings


class ClientContainer(containers.DeclarativeContainer):
    """Providers of one client process (a CLI command, or ``serve``)."""

    # Provided by the runtime (checked by ``check_dependencies``).
    overlay: providers.Dependency[DeviceOverlay] = providers.Dependency()
    config_dir = providers.Dependency(instance_of=Path)
    socket_path = providers.Dependency(instance_of=Path)

    settings = providers.Singleton(ConnectionSettings)
    client = providers.Singleton(SupportClient, overlay=overlay, config_dir=config_dir,
                                 settings=settings)
    fanout = providers.Singleton(EventFanout, client=client)
    registry = providers.Singleton(build_client_registry, client, socket=socket_path)
    unix_service = providers.Singleton(UnixSocketService, registry=registry, fanout=fanout,
                                       path=socket_path)
