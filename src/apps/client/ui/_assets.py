"""The page, embed.js and the static assets, read from the package (no CDN, no build).

Everything is read once when the app is built and served from memory with an ETag,
so the tab works offline and a page reload costs a 304.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler

AnyRequest = Request[Any, Any, State]
ASSET_PACKAGE = "hero_assistance.apps.client.ui"
ASSET_DIR = "static"
_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


@dataclass(frozen=True, slots=True)
class Asset:
    """One file: its bytes, type and validator."""

    body: bytes
    media_type: str
    etag: str


def load_assets() -> dict[str, Asset]:
    """Every file under ``static/`` of the package, by name."""
    found: dict[str, Asset] = {}
    for entry in resources.files(ASSET_PACKAGE).joinpath(ASSET_DIR).iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1] if "." in entry.name else ""
        if not entry.is_file() or suffix not in _TYPES:
            continue
        body = entry.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        found[entry.name] = Asset(body=body, media_type=_TYPES[suffix], etag=etag)
    if "index.html" not in found or "tab.js" not in found:
        raise FileNotFoundError(f"the Support tab's assets are missing from {ASSET_PACKAGE}")
    return found


def page_policy(frame_ancestors: tuple[str, ...]) -> str:
    """The CSP of the page: only its own scripts, styles and connections."""
    ancestors = " ".join(("'self'", *frame_ancestors))
    return ("default-src 'none'; script-src 'self'; style-src 'self'; "
            "img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; "
            f"form-action 'none'; frame-ancestors {ancestors}")


def asset_routes(assets: dict[str, Asset],
                 frame_ancestors: tuple[str, ...]) -> list[HTTPRouteHandler]:
    """GET /, /embed.js and /static/{name}."""
    policy = page_policy(frame_ancestors)

    def serve(request: AnyRequest, name: str, extra: dict[str, str]) -> Response[bytes]:
        asset = assets.get(name)
        if asset is None:
            return Response(b"not found\n", status_code=404, media_type="text/plain")
        headers = {"ETag": asset.etag, "Cache-Control": "no-cache", **extra}
        if request.headers.get("if-none-match") == asset.etag:
            return Response(b"", status_code=304, headers=headers)
        return Response(asset.body, media_type=asset.media_type, headers=headers)

    @get(["/", "/index.html"])
    async def page(request: AnyRequest) -> Response[bytes]:
        return serve(request, "index.html", {"Content-Security-Policy": policy})

    @get("/embed.js")
    async def embed(request: AnyRequest) -> Response[bytes]:
        # Loaded by host pages as a classic <script>: it must be loadable cross-origin.
        return serve(request, "embed.js", {"Cross-Origin-Resource-Policy": "cross-origin"})

    @get("/static/{name:str}")
    async def static(request: AnyRequest) -> Response[bytes]:
        name: str = request.path_params["name"]
        if name == "index.html":
            return serve(request, name, {"Content-Security-Policy": policy})
        return serve(request, name, {"Cross-Origin-Resource-Policy": "same-site"})

    return [page, embed, static]
