"""The sign-in link's page: GET shows what will happen, only the button's POST binds.

Mail clients and link scanners fetch links on their own; a GET that bound devices would
let them do it. The device bound is always the one that asked for the link, whoever
presses the button.
"""

from __future__ import annotations

from html import escape

from litestar import Response, get, post
from litestar.handlers import HTTPRouteHandler

from ...domain.errors import Conflict, DomainError, LinkRejected
from ...domain.identity import shown_label
from ...domain.services import DeviceEnrollment

LINK_ROUTE = "/auth/link"
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
}


def _page(title: str, body: str, status: int = 200) -> Response[str]:
    html = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;"
        "line-height:1.5}button{font-size:1.1rem;padding:.6rem 1.2rem;border-radius:.4rem;"
        "border:1px solid #245;background:#2a5db0;color:#fff;cursor:pointer}"
        "button:focus{outline:3px solid #f90;outline-offset:2px}code{font-size:1.05em}"
        f"</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return Response(html, status_code=status, media_type="text/html", headers=_HEADERS)


def _refused(exc: DomainError) -> Response[str]:
    message = exc.reason if isinstance(exc, LinkRejected) else exc.message
    status = 409 if isinstance(exc, Conflict) else 410
    return _page("This sign-in link cannot be used",
                 f"<p>{escape(message)}.</p><p>Ask for a new link from your device.</p>",
                 status)


def link_routes(devices: DeviceEnrollment) -> list[HTTPRouteHandler]:
    """GET (confirmation page) and POST (bind) on ``/auth/link/{token}``."""

    @get(f"{LINK_ROUTE}/{{token:str}}")
    async def show(token: str) -> Response[str]:
        try:
            preview = await devices.preview_link(token)
        except DomainError as exc:
            return _refused(exc)
        return _page("Sign in this device?", (
            f"<p>Bind the device at <code>{escape(preview.device_addr)}</code> to "
            f"<b>{escape(preview.email)}</b>.</p>"
            "<p>The device that asked calls itself "
            f"&ldquo;<span class=\"requester-words\">{escape(shown_label(preview.device_label))}"
            "</span>&rdquo; "
            "&mdash; its own words, not checked by anyone.</p>"
            "<p>Only that device is signed in, whichever device shows this page.</p>"
            f"<form method=\"post\" action=\"{LINK_ROUTE}/{escape(token, quote=True)}\">"
            "<button type=\"submit\">Sign in that device</button></form>"
            f"<p><small>The link expires at {escape(preview.expires_at_iso)} and works once. "
            "If you did not ask for it, close this page: nothing happens.</small></p>"
        ))

    @post(f"{LINK_ROUTE}/{{token:str}}", status_code=200)
    async def confirm(token: str) -> Response[str]:
        try:
            binding = await devices.confirm_link(token)
        except DomainError as exc:
            return _refused(exc)
        return _page("Device signed in", (
            f"<p>The device at <code>{escape(binding.address)}</code>, which calls itself "
            f"&ldquo;{escape(shown_label(binding.label))}&rdquo;, is now signed in. "
            "You can close this page and go back to it.</p>"
        ))

    return [show, confirm]
