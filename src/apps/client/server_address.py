"""Where a project server listens: an overlay IP address and a TCP port."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import InvalidServerAddressError

DEFAULT_PORT = 7330
"""The port ``hero-assistance-server init`` picks when none is given."""


@dataclass(frozen=True, slots=True)
class ServerAddress:
    """A project server's overlay address and port, in canonical form."""

    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> ServerAddress:
        """Accept what people paste: ``http://[400::1]:7330/rpc``, ``127.0.0.5:7331``, ``400::1``.

        The host must be an IP address: identity on the overlay is the address itself,
        so a name that DNS could resolve elsewhere is refused. Raises
        :class:`InvalidServerAddressError` with what was wrong.
        """
        raw = text.strip()
        if not raw:
            raise InvalidServerAddressError("the server address is empty")
        if "://" not in raw:
            raw = _with_scheme(raw)
        try:
            parts = urlsplit(raw)
            port = parts.port
        except ValueError as exc:
            raise InvalidServerAddressError(f"{text!r} is not a server address: {exc}") from None
        if parts.scheme != "http":
            raise InvalidServerAddressError(
                f"{text!r}: use http:// (the overlay encrypts the connection), "
                f"not {parts.scheme}://")
        if parts.path not in ("", "/", "/rpc") or parts.query or parts.fragment:
            raise InvalidServerAddressError(f"{text!r}: give only the address and port")
        host = parts.hostname or ""
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise InvalidServerAddressError(
                f"{text!r}: the host must be the server's overlay IP address, not {host!r}"
            ) from None
        return cls(host=str(ip), port=DEFAULT_PORT if port is None else port)

    @property
    def base_url(self) -> str:
        """``http://host:port`` (IPv6 in brackets)."""
        return f"http://{self._netloc}"

    @property
    def websocket_url(self) -> str:
        """The JSON-RPC WebSocket: ``ws://host:port/rpc``."""
        return f"ws://{self._netloc}/rpc"

    @property
    def _netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def __str__(self) -> str:
        return self.base_url


def _with_scheme(raw: str) -> str:
    # A bare IPv6 address has colons of its own; only a bracketed one carries a port.
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return f"http://{raw}"
    return f"http://[{ip}]" if ip.version == 6 else f"http://{ip}"
