"""The Litestar application of one listener: /rpc (POST and WebSocket), /attachments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from litestar import Litestar
from litestar.types import ControllerRouterHandler

from ...domain.attachments import MAX_ATTACHMENT_BYTES
from ...domain.identity import Caller
from ...domain.services import AttachmentLibrary, DeviceEnrollment, EventFeed, PresenceBoard
from ..jsonrpc import MethodRegistry
from ..live import EventHub
from ..support_rpc.context import RequestContext
from ._attachment_routes import attachment_routes
from ._link_pages import link_routes
from ._rpc_routes import rpc_routes
from .boundary import IdentityBoundary


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpLimits:
    """Size caps of what a client may send."""

    rpc_body: int = 1024 * 1024
    attachment_body: int = MAX_ATTACHMENT_BYTES
    websocket_message: int = 1024 * 1024


def build_app(*, registry: MethodRegistry[RequestContext], boundary: IdentityBoundary,
              hub: EventHub, feed: EventFeed, attachments: AttachmentLibrary,
              presence: PresenceBoard, devices: DeviceEnrollment,
              limits: HttpLimits | None = None,
              extra_routes: Sequence[ControllerRouterHandler] = (),
              on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
              on_shutdown: Sequence[Callable[[], Awaitable[None]]] = ()) -> Litestar:
    """The ASGI app of one listener (the overlay listener or the admin socket)."""
    caps = limits or HttpLimits()

    async def identify(host: str | None) -> Caller:
        return await boundary.caller_for(host)

    handlers: list[ControllerRouterHandler] = [
        *rpc_routes(identify, registry, hub=hub, feed=feed, presence=presence,
                    max_body=caps.rpc_body, max_message=caps.websocket_message),
        *attachment_routes(identify, attachments, caps.attachment_body),
        *link_routes(devices),
        *extra_routes,
    ]
    return Litestar(
        route_handlers=handlers, on_startup=list(on_startup), on_shutdown=list(on_shutdown),
        request_max_body_size=caps.rpc_body, debug=False, openapi_config=None,
        # Litestar's default configures the root logger with a queue handler, whose
        # thread then writes uvicorn's and our records in its own format, out of step
        # with anything the main thread prints (the "ready:" line glued to a record).
        # The command line configures logging: one line per record, one write each.
        logging_config=None,
    )
