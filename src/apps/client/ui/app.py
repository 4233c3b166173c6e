"""The Support tab's web app: the page and assets, /rpc (POST and WebSocket) bridged
to the client service's registry, and the attachment routes.

The browser and any other local program share one API: the registry of
``hero_assistance.apps.client.service``, the same one the Unix socket serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from litestar import Litestar, Request, Response, post, websocket
from litestar.datastructures import State
from litestar.status_codes import HTTP_204_NO_CONTENT

from ....adapters.jsonrpc import MethodRegistry
from ..client import SupportClient
from ..service import ClientContext, EventFanout
from ._assets import asset_routes, load_assets
from ._attachments import attachment_routes
from ._socket import AnySocket, TabSocket
from .guard import ASGIApp, BrowserGuard
from .presence import TabPresence
from .scope import ProjectScope
from .settings import UiSettings

AnyRequest = Request[Any, Any, State]
JSON = "application/json"
MAX_POST = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Bridge:
    """Hands JSON-RPC messages to the registry, through the project scope if any."""

    registry: MethodRegistry[ClientContext]
    scope: ProjectScope | None

    async def answer(self, context: ClientContext, message: bytes) -> bytes | None:
        if self.scope is None:
            return await self.registry.handle(context, message)

        async def handle(body: bytes) -> bytes | None:
            return await self.registry.handle(context, body)

        return await self.scope.handle(message, handle)


def build_ui_app(client: SupportClient, registry: MethodRegistry[ClientContext],
                 fanout: EventFanout, settings: UiSettings, *, port: int) -> ASGIApp:
    """The ASGI app of the tab, for a server listening on ``settings.host:port``.

    ``port`` is the port actually bound (``settings.port`` may be 0). The app is
    wrapped in the :class:`~.guard.BrowserGuard` that checks Host and Origin.
    """
    scope = ProjectScope(settings.project) if settings.project else None
    bridge = _Bridge(registry, scope)
    presence = TabPresence()

    @post("/rpc", request_max_body_size=MAX_POST, status_code=200)
    async def rpc_post(request: AnyRequest) -> Response[bytes]:
        if request.headers.get("content-type", "").split(";")[0].strip() != JSON:
            # A browser sends a cross-site POST without a CORS preflight only with the
            # simple content types: insisting on JSON makes every such call preflighted.
            return Response(b'{"error":"content-type must be application/json"}\n',
                            status_code=415, media_type=JSON)
        answer = await bridge.answer(ClientContext(), await request.body())
        if answer is None:
            return Response(b"", status_code=HTTP_204_NO_CONTENT)
        return Response(answer, media_type=JSON, headers={"Cache-Control": "no-store",
                                                          "Cross-Origin-Resource-Policy":
                                                          "same-site"})

    @websocket("/rpc")
    async def rpc_socket(socket: AnySocket) -> None:
        await TabSocket(socket, bridge.answer, fanout, presence,
                        max_message=settings.max_socket_message).run()

    app = Litestar(
        route_handlers=[
            *asset_routes(load_assets(), settings.embed_origins),
            rpc_post, rpc_socket,
            *attachment_routes(client, scope, settings.max_upload),
        ],
        openapi_config=None,
        logging_config=None,  # the command line configures logging
        debug=False,
    )
    hosts = [f"{settings.url_host}:{port}"]
    if settings.host in ("127.0.0.1", "::1"):
        hosts.append(f"localhost:{port}")
    return BrowserGuard(cast("ASGIApp", app), hosts=hosts,
                        embed_origins=settings.embed_origins)
