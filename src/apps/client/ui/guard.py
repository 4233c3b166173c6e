"""Which browser requests the Support tab's server answers (an ASGI middleware).

A server on 127.0.0.1 is reachable from every web page the person opens, so besides
listening on loopback only it checks each request:

- ``Host`` must name this server (``127.0.0.1:PORT``, ``localhost:PORT``): a page
  whose DNS name is rebound to 127.0.0.1 is refused.
- An ``Origin`` must be this server's own or an allowed host page's (CORS answers
  name it; preflights are answered here). Any other origin is refused, WebSockets
  included (browsers always send ``Origin`` on them).
- Without ``Origin``, the data routes (``/rpc``, ``/attachments``) refuse requests a
  browser marks as coming from another site (``Sec-Fetch-Site``), so a foreign page
  cannot even probe attachments with an ``<img>``. The page and its static assets
  are public code and stay loadable (embedding needs that); CSP ``frame-ancestors``
  decides who may frame the page.

Programs that are not browsers (curl, scripts) send neither header and are served,
as long as they run as the same user (:mod:`.peer`): other users of the machine are
refused, as the 0600 Unix socket of the client service refuses them. Whose process
connected is asked about the socket's own addresses (recorded by the listener's
protocol, ``adapters.serving``), never about ``scope["client"]``, which a
proxy-header middleware would rewrite from ``X-Forwarded-For``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from ....adapters.serving import transport_addresses
from .peer import same_user

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
"""Plain ASGI 3 types: the guard wraps any ASGI app."""

PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = frozenset({"/", "/index.html", "/embed.js", "/favicon.ico"})
_FOREIGN_SITES = frozenset({b"cross-site", b"same-site"})
_PREFLIGHT_MAX_AGE = b"600"


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


class BrowserGuard:
    """Refuses what an untrusted page could send; adds CORS for the allowed host pages."""

    def __init__(self, app: ASGIApp, *, hosts: Iterable[str], embed_origins: Iterable[str],
                 owner_check: Callable[[tuple[str, int], tuple[str, int]], bool | None]
                 = same_user) -> None:
        self.app = app
        self.owner_check = owner_check
        self.hosts = frozenset(h.encode("latin-1") for h in hosts)
        self.own_origins = frozenset(b"http://" + h for h in self.hosts)
        self.embed_origins = frozenset(o.encode("latin-1") for o in embed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await _refuse(scope, send, refusal)
            return
        origin = _header(scope, b"origin")
        cross = origin if origin in self.embed_origins and origin not in self.own_origins else None
        if scope["type"] == "http" and cross is not None and scope["method"] == "OPTIONS":
            await _preflight(send, cross)
            return
        await self.app(scope, receive, _with_headers(send, cross))

    def _refusal(self, scope: Scope) -> str | None:
        if _header(scope, b"host") not in self.hosts:
            return "unknown Host: open the Support tab at the address it printed"
        owner = self._owner_refusal(scope)
        if owner is not None:
            return owner
        origin = _header(scope, b"origin")
        if origin is not None:
            if origin in self.own_origins or origin in self.embed_origins:
                return None
            return "this page's origin may not use the Support tab (see --frame-ancestors)"
        path: str = scope.get("path", "")
        public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
        if not public and _header(scope, b"sec-fetch-site") in _FOREIGN_SITES:
            return "requests from other sites are refused"
        return None


    def _owner_refusal(self, scope: Scope) -> str | None:
        addresses = transport_addresses(scope)
        if addresses is None:
            return "the connection did not come through the Support tab's listener"
        client, server = addresses.client, addresses.server
        if client and server and server[1] is not None and self.owner_check(
                client, (server[0], server[1])) is False:
            return "the connection comes from another user's process"
        return None


def _with_headers(send: Send, cross_origin: bytes | None) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers: list[Any] = list(message.get("headers", ()))
            names = {bytes(k).lower() for k, _ in headers}
            if b"x-content-type-options" not in names:
                headers.append((b"x-content-type-options", b"nosniff"))
            if b"referrer-policy" not in names:
                headers.append((b"referrer-policy", b"no-referrer"))
            headers.append((b"vary", b"Origin"))
            if cross_origin is not None:
                headers.append((b"access-control-allow-origin", cross_origin))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


async def _preflight(send: Send, origin: bytes) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": [
        (b"access-control-allow-origin", origin),
        (b"access-control-allow-methods", b"GET, POST"),
        (b"access-control-allow-headers", b"content-type"),
        (b"access-control-allow-private-network", b"true"),
        (b"access-control-max-age", _PREFLIGHT_MAX_AGE),
        (b"vary", b"Origin"),
    ]})
    await send({"type": "http.response.body", "body": b""})


async def _refuse(scope: Scope, send: Send, reason: str) -> None:
    if scope["type"] == "websocket":
        # Closing before accepting makes the server answer the handshake with 403.
        await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
        return
    body = f"403 Forbidden: {reason}\n".encode()
    await send({"type": "http.response.start", "status": 403, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
    ]})
    await send({"type": "http.response.body", "body": body})
