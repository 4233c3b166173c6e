"""The socket's own addresses of a connection, as the guarded protocols record them.

The record lives in the ASGI scope under ``scope["extensions"][TRANSPORT_EXTENSION]``
and is made from the accepted socket (``getpeername``/``getsockname``), so no header
and no middleware that rewrites ``scope["client"]`` can change it. Kept free of
uvicorn so that readers (the identity boundary, the Support tab's guard) stay light.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TRANSPORT_EXTENSION = "hero_assistance.transport"
"""Key in ``scope["extensions"]``: ``{"client": (host, port) | None, "server": ...}``."""


@dataclass(frozen=True, slots=True)
class TransportAddresses:
    """The two ends of a connection as its socket reports them."""

    client: tuple[str, int] | None
    server: tuple[str, int | None] | None


def transport_record(client: tuple[str, int] | None,
                     server: tuple[str, int | None] | None) -> dict[object, object]:
    """The value the protocols put under :data:`TRANSPORT_EXTENSION`."""
    return {"client": client, "server": server}


def transport_addresses(scope: Mapping[str, Any]) -> TransportAddresses | None:
    """The socket's own addresses of the connection behind ``scope``; ``None`` if the
    scope was not made by the guarded protocols (then its addresses prove nothing)."""
    extensions = scope.get("extensions")
    record = extensions.get(TRANSPORT_EXTENSION) if isinstance(extensions, Mapping) else None
    if not isinstance(record, Mapping):
        return None
    client, server = record.get("client"), record.get("server")
    return TransportAddresses(client=tuple(client) if client else None,
                              server=tuple(server) if server else None)
