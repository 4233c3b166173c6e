"""The hero_assistance server API: wire types, conversions and the method registries."""

from .context import EventSubscriptions, RequestContext
from .registry import build_admin_registry, build_server_registry
from .services import ServerInfo, ServerServices

__all__ = [
    "EventSubscriptions",
    "RequestContext",
    "ServerInfo",
    "ServerServices",
    "build_admin_registry",
    "build_server_registry",
]
