"""A JSON-RPC client for the admin socket, used by the server's own CLI."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import httpx
import msgspec

from .config import ADMIN_SOCKET


class AdminError(Exception):
    """The server refused the request; ``code`` is the JSON-RPC error code."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class ServerNotRunning(Exception):
    """Nothing answers on the admin socket."""


class AdminClient:
    """Calls methods over ``<data dir>/admin.sock`` as the operator."""

    def __init__(self, data_dir: Path, *, timeout: float = 30.0) -> None:
        self.socket_path = data_dir / ADMIN_SOCKET
        self._client = httpx.Client(
            # Plain HTTP over a Unix socket: no TLS, so skip loading the CA bundle
            # (tens of milliseconds on every CLI command).
            transport=httpx.HTTPTransport(uds=str(self.socket_path), verify=False),
            base_url="http://admin", timeout=timeout,
        )
        self._ids = itertools.count(1)

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._client.close()

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Call ``method`` and return its result, or raise ``AdminError``."""
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method,
                   "params": params or {}}
        if not self.socket_path.exists():
            raise ServerNotRunning(f"no server is running for this data directory "
                                   f"({self.socket_path} does not exist)")
        try:
            response = self._client.post("/rpc", content=msgspec.json.encode(request),
                                         headers={"content-type": "application/json"})
        except httpx.TransportError as exc:
            raise ServerNotRunning(f"the server does not answer on {self.socket_path}: "
                                   f"{exc}") from exc
        answer = msgspec.json.decode(response.content)
        if "error" in answer:
            error = answer["error"]
            raise AdminError(error.get("code", 0), error.get("message", "error"),
                             error.get("data"))
        return answer["result"]
