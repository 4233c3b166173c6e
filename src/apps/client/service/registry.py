"""The client service's method registry, for any transport."""

from __future__ import annotations

from pathlib import Path

from ....adapters.jsonrpc import MethodRegistry
from ....version import package_version
from ..client import SupportClient
from . import (
    _client_methods,
    _conversation_methods,
    _identity_methods,
    _service_level_methods,
    _ticket_methods,
    _workspace_methods,
)
from .session import EVENT_NOTIFICATION, PROGRESS_NOTIFICATION, STATE_NOTIFICATION, ClientContext

TITLE = "hero_assistance client service"
DESCRIPTION = (
    "The hero_assistance client on this machine, as a local JSON-RPC 2.0 service: every "
    "followed project server, aggregated. Server methods keep the server's names and "
    "params plus `project`, the label of a followed project; client.* methods manage the "
    "followed projects, sign-in and the inbox; events.subscribe streams the merged "
    "events of all projects on transports that carry notifications."
)


def build_client_registry(client: SupportClient, *,
                          socket: Path | None = None) -> MethodRegistry[ClientContext]:
    """Every method of the local service, over an open :class:`SupportClient`.

    Transport-agnostic: feed request bytes to ``registry.handle(ClientContext(...), body)``.
    ``socket`` is only reported by ``client.about``.
    """
    current = package_version()
    registry: MethodRegistry[ClientContext] = MethodRegistry(
        title=TITLE, version=current, description=DESCRIPTION,
        extensions={"x-notifications": NOTIFICATIONS},
    )
    _client_methods.register(registry, client, version=current,
                             socket=None if socket is None else str(socket))
    _identity_methods.register(registry, client)
    _ticket_methods.register(registry, client)
    _conversation_methods.register(registry, client)
    _workspace_methods.register(registry, client)
    _service_level_methods.register(registry, client)
    return registry


NOTIFICATIONS = {
    EVENT_NOTIFICATION: "An event of a followed project: {subscription, cursor, project, "
    "event} (event as the server's EventView).",
    STATE_NOTIFICATION: "A followed project's state changed: {subscription, state}.",
    PROGRESS_NOTIFICATION: "Bytes of an attachment.upload sent so far: {token, done, total}.",
}
"""Notifications the service sends on transports that carry them (``x-notifications``)."""
