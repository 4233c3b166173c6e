"""POST /attachments (upload raw image bytes) and GET /attachments/{sha256}.

An upload is stored without its metadata and trailing bytes (the domain's
``image_privacy``); the answer carries the id of what was stored -- the SHA-256 of the
stored bytes, not of the body received -- and that is the id a message refers to.
"""

from __future__ import annotations

import logging

import msgspec
from litestar import Response, get, post
from litestar.handlers import HTTPRouteHandler

from ...domain.errors import DomainError
from ...domain.services import AttachmentLibrary
from ..support_rpc.convert import ATTACHMENT_ROUTE, attachment_url, attachment_view
from ._common import JSON, AnyRequest, Identify, peer_host, refusal
from .boundary import PeerRefused

_log = logging.getLogger(__name__)

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=31536000, immutable",
}


def attachment_routes(identify: Identify, attachments: AttachmentLibrary,
                      max_body: int) -> list[HTTPRouteHandler]:
    """The upload and download routes behind the identity boundary."""

    @post(ATTACHMENT_ROUTE, request_max_body_size=max_body, status_code=201)
    async def upload(request: AnyRequest) -> Response[bytes]:
        """Store an image; answer its ``AttachmentView`` (id = SHA-256 of the stored bytes)."""
        try:
            caller = await identify(peer_host(request))
            stored = await attachments.upload(caller, await request.body())
        except PeerRefused as refused:
            _log.warning("refused peer: %s", refused)
            return Response(b"", status_code=403)
        except DomainError as exc:
            return refusal(exc)
        view = attachment_view(stored, attachment_url(stored.sha256))
        return Response(msgspec.json.encode(view), status_code=201, media_type=JSON)

    @get(f"{ATTACHMENT_ROUTE}/{{sha256:str}}")
    async def download(request: AnyRequest, sha256: str) -> Response[bytes]:
        try:
            caller = await identify(peer_host(request))
            found, data = await attachments.open(caller, sha256)
        except PeerRefused as refused:
            _log.warning("refused peer: %s", refused)
            return Response(b"", status_code=403)
        except DomainError as exc:
            return refusal(exc)
        headers = {**DOWNLOAD_HEADERS,
                   "Content-Disposition": f'inline; filename="{found.sha256[:16]}"'}
        return Response(data, media_type=found.mime, headers=headers)

    return [upload, download]
