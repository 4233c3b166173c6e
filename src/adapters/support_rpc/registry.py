"""The server's method registries: every method of DESIGN section 5, one per listener.

Each listener publishes, in its own ``rpc.discover``, exactly what a caller on it can
call (D-14): the overlay registry holds the methods of DESIGN section 5; the admin
socket's registry holds the same methods, built from the same code and wire types,
and the composition root adds the operator's methods to it alone.
"""

from __future__ import annotations

from collections.abc import Callable

from ...domain.services import KeyedWrites
from ..jsonrpc import KeyedCalls, MethodRegistry, MethodSpec, RequestObserver
from . import (
    _conversation_methods,
    _identity_methods,
    _service_level_methods,
    _ticket_methods,
    _workspace_methods,
)
from ._keyed import KeyedCallQueue
from .context import RequestContext
from .services import ServerInfo, ServerServices

TITLE = "hero_assistance project server"
ADMIN_TITLE = "hero_assistance project server: admin socket"
_ABOUT = ("Support tickets, threaded messages, attachments, presence and live events of one "
          "project. ")


def build_server_registry(
    services: ServerServices, info: ServerInfo, *,
    authorize: Callable[[RequestContext, MethodSpec], None],
    meter: Callable[[RequestContext, MethodSpec, int], None],
    observe: RequestObserver | None = None,
    keyed: KeyedWrites | None = None,
) -> MethodRegistry[RequestContext]:
    """The overlay listener's registry: every server method bound to ``services``;
    ``observe`` hears every answered call (metrics); with ``keyed``, every write takes a
    ``request_key`` (D-18)."""
    reg: MethodRegistry[RequestContext] = MethodRegistry(
        title=TITLE, version=info.version, authorize=authorize, meter=meter,
        observe=observe, keyed=_keyed_calls(keyed),
        description=_ABOUT + "The caller is the device whose overlay address opened the "
        "connection; unbound devices may call only rpc.discover, project.info and auth.*.",
    )
    _register_methods(reg, services, info)
    return reg


def build_admin_registry(
    services: ServerServices, info: ServerInfo, *,
    authorize: Callable[[RequestContext, MethodSpec], None],
    meter: Callable[[RequestContext, MethodSpec, int], None],
    observe: RequestObserver | None = None,
    keyed: KeyedWrites | None = None,
) -> MethodRegistry[RequestContext]:
    """The admin socket's registry: the same methods, for the operator to add its own to;
    ``observe`` and ``keyed`` as for :func:`build_server_registry` (the operator's keys
    are those of user 0, the user it is not)."""
    reg: MethodRegistry[RequestContext] = MethodRegistry(
        title=ADMIN_TITLE, version=info.version, authorize=authorize, meter=meter,
        observe=observe, keyed=_keyed_calls(keyed),
        description=_ABOUT + "This is the admin socket (a 0600 Unix socket in the data "
        "directory): every caller is the operator, an admin that belongs to no user, and "
        "the operator's own methods (admin.*) are served here and nowhere else.",
    )
    _register_methods(reg, services, info)
    return reg


def _keyed_calls(keyed: KeyedWrites | None) -> KeyedCalls[RequestContext] | None:
    return None if keyed is None else KeyedCallQueue(keyed)


def _register_methods(reg: MethodRegistry[RequestContext], services: ServerServices,
                      info: ServerInfo) -> None:
    _identity_methods.register(reg, services, info)
    _ticket_methods.register(reg, services)
    _conversation_methods.register(reg, services)
    _workspace_methods.register(reg, services)
    _service_level_methods.register(reg, services)
