"""The server's method registry: every method of DESIGN section 5, one instance per app."""

from __future__ import annotations

from collections.abc import Callable

from ..jsonrpc import MethodRegistry, MethodSpec
from . import _conversation_methods, _identity_methods, _ticket_methods
from .context import RequestContext
from .services import ServerInfo, ServerServices

TITLE = "hero_assistance project server"


def build_server_registry(
    services: ServerServices, info: ServerInfo, *,
    authorize: Callable[[RequestContext, MethodSpec], None],
) -> MethodRegistry[RequestContext]:
    """A registry with every server method bound to ``services``."""
    reg: MethodRegistry[RequestContext] = MethodRegistry(
        title=TITLE, version=info.version, authorize=authorize,
        description="Support tickets, threaded messages, attachments, presence and live "
        "events of one project. The caller is the device whose overlay address opened the "
        "connection; unbound devices may call only rpc.discover, project.info and auth.*.",
    )
    _identity_methods.register(reg, services, info)
    _ticket_methods.register(reg, services)
    _conversation_methods.register(reg, services)
    return reg
