"""``GET /metrics``: the Prometheus exposition, on the admin socket and on the optional
localhost metrics listener; never on the overlay listener (its app has no such route)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Litestar, Response, get
from litestar.handlers import BaseRouteHandler

METRICS_ROUTE = "/metrics"
Exposition = Callable[[], Awaitable[bytes]]


def metrics_routes(exposition: Exposition, content_type: str) -> list[BaseRouteHandler]:
    """The one route that serves ``exposition()`` as ``content_type``."""

    @get(METRICS_ROUTE)
    async def metrics() -> Response[bytes]:
        return Response(await exposition(), media_type=content_type)

    return [metrics]


def build_metrics_app(exposition: Exposition, content_type: str) -> Litestar:
    """The app of the localhost metrics listener: ``/metrics`` and nothing else."""
    return Litestar(route_handlers=metrics_routes(exposition, content_type),
                    openapi_config=None, logging_config=None, debug=False)
