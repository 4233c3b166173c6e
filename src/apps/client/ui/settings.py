"""What the Support tab's server is configured with, and the checks on it.

The tab's server holds the device's identity on every followed project, so it listens
on a loopback address only and answers browsers only from pages it trusts: its own,
and the host-page origins named with ``--frame-ancestors``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7340
MAX_UPLOAD = 12 * 1024 * 1024
"""Largest image body accepted from the browser (the server caps attachments at 10 MiB)."""
MAX_SOCKET_MESSAGE = 16 * 1024 * 1024
"""Largest WebSocket message (an ``attachment.upload`` carries base64)."""

_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class UiConfigError(ValueError):
    """A setting of the Support tab's server is not acceptable; the message says why."""


def loopback_host(host: str) -> str:
    """``host`` if it is a loopback IP address (127.0.0.0/8 or ::1), else refuse it.

    Names (``localhost``) are refused too: what they resolve to is not ours to trust.
    """
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise UiConfigError(f"{host!r} is not an IP address; the Support tab listens on a "
                            "loopback address such as 127.0.0.1") from None
    if not ip.is_loopback:
        raise UiConfigError(f"refusing to listen on {ip}: the Support tab acts as this "
                            "device on every followed project, so it listens on loopback "
                            "(127.0.0.1 or ::1) only")
    return str(ip)


def web_origin(text: str) -> str:
    """A browser origin ``scheme://host[:port]``, normalised; refuses anything else.

    Used for the host pages allowed to embed the tab (CSP ``frame-ancestors`` and
    CORS). Wildcards, paths and schemes other than http(s) are refused.
    """
    raw = text.strip().rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UiConfigError(f"{text!r} is not an origin like https://app.example.com")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise UiConfigError(f"{text!r}: an origin has no path, query or user part")
    if "*" in raw:
        raise UiConfigError(f"{text!r}: wildcards are not allowed; name each origin")
    try:
        port = parts.port
    except ValueError:
        raise UiConfigError(f"{text!r} has an invalid port") from None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + ("" if port in (None, default) else f":{port}")


def check_label(label: str) -> str:
    """A project label as the client's followed list spells them."""
    if not _LABEL.fullmatch(label):
        raise UiConfigError(f"{label!r} is not a project label")
    return label


@dataclass(frozen=True, slots=True, kw_only=True)
class UiSettings:
    """The Support tab's server.

    ``embed_origins``: host-page origins allowed to frame the tab and to load it as a
    script (empty: same origin only). ``project``: serve one followed project only.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    embed_origins: tuple[str, ...] = ()
    project: str | None = None
    max_upload: int = MAX_UPLOAD
    max_socket_message: int = MAX_SOCKET_MESSAGE

    def __post_init__(self) -> None:
        loopback_host(self.host)
        if not 0 <= self.port <= 65535:
            raise UiConfigError(f"{self.port} is not a TCP port")
        for origin in self.embed_origins:
            if web_origin(origin) != origin:
                raise UiConfigError(f"{origin!r} is not a normalised origin")
        if self.project is not None:
            check_label(self.project)

    @property
    def url_host(self) -> str:
        """The listening address as it appears in a URL."""
        return f"[{self.host}]" if ":" in self.host else self.host

    def url(self, port: int | None = None) -> str:
        """The tab's base URL (``port``: the one actually bound, when 0 was asked)."""
        return f"http://{self.url_host}:{port if port is not None else self.port}"
