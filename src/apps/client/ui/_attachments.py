"""GET /attachments/{project}/{sha256} and POST /attachments/{project}.

The browser cannot reach a project's server itself (only this device's client can,
from its overlay address), so these routes carry image bytes both ways. Downloads
are served with the type their content shows (never a type a file name claims),
``nosniff`` and a sandboxing CSP, so an image can never run as a page.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler

from ....adapters.jsonrpc import NOT_FOUND, JsonRpcError
from ..client import SupportClient
from ..errors import SupportClientError
from ..service import rpc_error
from .scope import ProjectScope

AnyRequest = Request[Any, Any, State]
JSON = "application/json"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
)
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-site",
    "Cache-Control": "private, max-age=86400",
}
# HTTP statuses for refusals outside JSON-RPC, as the project server uses them.
_STATUS = {-32001: 401, -32002: 403, -32003: 404, -32004: 409, -32006: 429, -32007: 413,
           -32602: 400, -32009: 503, -32010: 502}


def image_type(data: bytes) -> str | None:
    """The image type the bytes show (the four types the servers accept), else ``None``."""
    for magic, offset, mime in _SIGNATURES:
        if data[offset:offset + len(magic)] == magic:
            if mime == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return mime
    return None


def attachment_routes(client: SupportClient, scope: ProjectScope | None,
                      max_upload: int) -> list[HTTPRouteHandler]:
    """The download and upload routes over ``client``."""

    # Path parameters are read from the request: declaring them as handler arguments
    # is deprecated in recent Litestar releases in favour of a newer spelling.
    @get("/attachments/{project:str}/{sha256:str}")
    async def download(request: AnyRequest) -> Response[bytes]:
        project: str = request.path_params["project"]
        sha256: str = request.path_params["sha256"]
        if not _SHA256.fullmatch(sha256):
            return _refusal(JsonRpcError(NOT_FOUND, "no such attachment"))
        if scope is not None and not scope.allows(project):
            return _refusal(JsonRpcError(NOT_FOUND, f"no project {project!r} in this tab"))
        try:
            data = await client.project(project).download_attachment(sha256)
        except SupportClientError as exc:
            return _refusal(rpc_error(exc, project))
        headers = {**DOWNLOAD_HEADERS, "Content-Disposition": f'inline; filename="{sha256[:16]}"'}
        return Response(data, media_type=image_type(data) or "application/octet-stream",
                        headers=headers)

    @post("/attachments/{project:str}", request_max_body_size=max_upload, status_code=201)
    async def upload(request: AnyRequest) -> Response[bytes]:
        project: str = request.path_params["project"]
        if scope is not None and not scope.allows(project):
            return _refusal(JsonRpcError(NOT_FOUND, f"no project {project!r} in this tab"))
        try:
            stored = await client.project(project).upload_attachment(await request.body())
        except SupportClientError as exc:
            return _refusal(rpc_error(exc, project))
        return Response(msgspec.json.encode(stored), status_code=201, media_type=JSON,
                        headers={"Cache-Control": "no-store"})

    return [download, upload]


def _refusal(error: JsonRpcError) -> Response[bytes]:
    payload: dict[str, object] = {"code": error.code.code, "message": error.message}
    if error.data is not None:
        payload["data"] = error.data
    body = msgspec.json.encode({"jsonrpc": "2.0", "id": None, "error": payload})
    return Response(body, status_code=_STATUS.get(error.code.code, 400), media_type=JSON,
                    headers={"Cache-Control": "no-store"})
