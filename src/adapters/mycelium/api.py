"""A client of a mycelium daemon's JSON-RPC API, over TCP or a Unix socket."""

from __future__ import annotations

import itertools
import os
from types import TracebackType
from typing import Self

import httpx
import msgspec

from .errors import DaemonAnswerInvalid, DaemonRefused, DaemonUnreachable, InvalidEndpoint
from .node import InfoWire, NodeInfo, node_info, public_key_bytes

DEFAULT_API = "http://127.0.0.1:8990"
DEFAULT_TIMEOUT = 5.0
# "Not found" of getPublicKeyFromIp: the spec documents 404, the daemon (jsonrpsee,
# 0.7.10) answers -32008.
KEY_NOT_FOUND = frozenset({404, -32008})


class _RpcError(msgspec.Struct, frozen=True):
    code: int
    message: str = ""


class _RpcAnswer(msgspec.Struct, frozen=True):
    jsonrpc: str
    id: int | str | None = None
    result: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    error: _RpcError | None = None


class _KeyAnswer(msgspec.Struct, frozen=True):
    key: str = msgspec.field(name="NodePubKey")


_ANSWER = msgspec.json.Decoder(_RpcAnswer)
_INFO = msgspec.json.Decoder(InfoWire)
_KEY = msgspec.json.Decoder(str | _KeyAnswer | None)


def parse_endpoint(endpoint: str) -> tuple[str, str | None]:
    """The base URL and, for a Unix socket, the socket path of an API address.

    ``http://host:port`` and ``https://…`` are used as they are; ``unix:///path`` and a
    plain path (``/run/mycelium.sock``, ``./api.sock``) mean a Unix socket.
    Raises ``InvalidEndpoint`` for anything else.
    """
    text = endpoint.strip()
    if text.startswith(("http://", "https://")):
        return text.rstrip("/") + "/", None
    if text.startswith("unix://"):
        path = text.removeprefix("unix://")
    elif text.startswith(("/", "./", "../", "~")):
        path = os.path.expanduser(text)  # noqa: PTH111 - httpx takes a str path
    else:
        raise InvalidEndpoint(f"{endpoint!r} is not a mycelium API address; use a URL such as "
                              f"{DEFAULT_API} or a Unix socket path (unix:///path/api.sock)")
    if not path:
        raise InvalidEndpoint(f"{endpoint!r} names no socket path")
    return "http://mycelium/", path


class MyceliumApi:
    """The daemon's JSON-RPC API. Use it as an async context manager (it owns a client)."""

    def __init__(self, endpoint: str = DEFAULT_API, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.endpoint = endpoint
        self._url, socket_path = parse_endpoint(endpoint)
        transport = None if socket_path is None else httpx.AsyncHTTPTransport(uds=socket_path)
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout,
                                         follow_redirects=False, trust_env=False)
        self._ids = itertools.count(1)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def node_info(self) -> NodeInfo:
        """``getInfo``, checked: the node's address (derived when not reported), subnet, key."""
        raw = await self._call("getInfo", [])
        try:
            wire = _INFO.decode(raw)
        except msgspec.DecodeError as exc:
            raise DaemonAnswerInvalid(
                f"getInfo at {self.endpoint} answered an unexpected result: {exc}") from exc
        return node_info(wire)

    async def public_key_of(self, address: str) -> str | None:
        """``getPublicKeyFromIp``: the hex key that owns ``address``, or None if unknown.

        Accepts the spec's ``{"NodePubKey": hex}`` and the daemon's bare hex string.
        """
        try:
            raw = await self._call("getPublicKeyFromIp", [address])
        except DaemonRefused as refused:
            if refused.code in KEY_NOT_FOUND:
                return None
            raise
        try:
            answer = _KEY.decode(raw)
        except msgspec.DecodeError as exc:
            raise DaemonAnswerInvalid(
                f"getPublicKeyFromIp answered an unexpected result: {exc}") from exc
        if answer is None:
            return None
        text = answer if isinstance(answer, str) else answer.key
        return public_key_bytes(text).hex()

    async def _call(self, method: str, params: list[str]) -> msgspec.Raw:
        call_id = next(self._ids)
        body = msgspec.json.encode(
            {"jsonrpc": "2.0", "id": call_id, "method": method, "params": params})
        try:
            response = await self._client.post(
                self._url, content=body, headers={"content-type": "application/json"})
        except httpx.ProtocolError as exc:
            raise DaemonAnswerInvalid(
                f"{self.endpoint} does not speak HTTP like the mycelium API: {exc}") from exc
        except (httpx.TransportError, OSError) as exc:
            raise DaemonUnreachable(
                f"no mycelium daemon answers at {self.endpoint} "
                f"({type(exc).__name__}: {exc or 'no detail'})") from exc
        except httpx.HTTPError as exc:
            raise DaemonAnswerInvalid(f"{self.endpoint} answered {method} badly: {exc}") from exc
        if response.status_code != httpx.codes.OK:
            raise DaemonAnswerInvalid(
                f"{self.endpoint} answered HTTP {response.status_code} to {method}; "
                "is it a mycelium JSON-RPC API (default port 8990)?")
        try:
            answer = _ANSWER.decode(response.content)
        except msgspec.DecodeError as exc:
            raise DaemonAnswerInvalid(
                f"{self.endpoint} did not answer {method} with JSON-RPC: {exc}") from exc
        if answer.id != call_id:
            raise DaemonAnswerInvalid(f"{self.endpoint} answered {method} with another id")
        if answer.error is not None:
            raise DaemonRefused(answer.error.code, answer.error.message)
        if isinstance(answer.result, msgspec.UnsetType):
            raise DaemonAnswerInvalid(f"{self.endpoint} answered {method} without a result")
        return answer.result
