"""JSON-RPC over HTTP POST to one project server, and its attachment routes.

Every socket leaves from the device's overlay address (see :mod:`.overlay`); proxy
settings from the environment are ignored, since a proxy would change the address the
server identifies the device by.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import anyio
import httpx
import msgspec
from msgspec import UNSET, Raw, UnsetType

from ...adapters.support_rpc.wire import AttachmentView
from .errors import (
    ForbiddenError,
    ProtocolError,
    RequestRefusedError,
    UnreachableError,
    error_from_rpc,
)
from .overlay import DeviceEndpoint
from .server_address import ServerAddress
from .settings import ConnectionSettings

T = TypeVar("T")

Progress = Callable[[int, int | None], None]
"""``progress(done_bytes, total_bytes)``; ``total`` is ``None`` when unknown."""

UPLOAD_CHUNK = 64 * 1024
_RPC_PATH = "/rpc"
_ATTACHMENTS_PATH = "/attachments"


class _Request(msgspec.Struct, omit_defaults=True):
    jsonrpc: str
    method: str
    id: int
    params: Any = UNSET


class RpcErrorBody(msgspec.Struct):
    """The ``error`` member of a JSON-RPC response."""

    code: int
    message: str
    data: Any = None


class _Response(msgspec.Struct):
    id: int | str | None = None
    result: Raw = Raw()
    error: RpcErrorBody | None = None


_ENCODE = msgspec.json.Encoder().encode
_DECODE_RESPONSE = msgspec.json.Decoder(_Response).decode
_DECODE_ATTACHMENT = msgspec.json.Decoder(AttachmentView).decode


def encode_request(method: str, params: msgspec.Struct | None, request_id: int) -> bytes:
    """A JSON-RPC 2.0 request; ``UNSET`` fields of ``params`` are left out."""
    body: msgspec.Struct | UnsetType = UNSET if params is None else params
    return _ENCODE(_Request(jsonrpc="2.0", method=method, id=request_id, params=body))


class RpcClient:
    """An async JSON-RPC client for one server, from one device.

    Use as ``async with RpcClient(...) as rpc``. Refusals raise the matching
    :class:`~.errors.RequestRefusedError` subclass; a server that cannot be reached
    raises :class:`~.errors.UnreachableError`.
    """

    def __init__(self, server: ServerAddress, endpoint: DeviceEndpoint,
                 settings: ConnectionSettings | None = None) -> None:
        config = settings or ConnectionSettings()
        self.server = server
        self.endpoint = endpoint
        transport = httpx.AsyncHTTPTransport(local_address=endpoint.bind_address, retries=0)
        self._http = httpx.AsyncClient(
            base_url=server.base_url, transport=transport, trust_env=False,
            timeout=httpx.Timeout(config.call_timeout, connect=config.connect_timeout),
        )
        self._ids = itertools.count(1)
        self._decoders: dict[Any, msgspec.json.Decoder[Any]] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._http.aclose()

    async def call(self, method: str, params: msgspec.Struct | None, result_type: type[T]) -> T:
        """Call ``method`` with ``params`` (a wire Struct, or ``None``) and decode the result."""
        body = encode_request(method, params, next(self._ids))
        try:
            response = await self._http.post(
                _RPC_PATH, content=body, headers={"content-type": "application/json"})
        except httpx.HTTPError as exc:
            raise _unreachable(self.server, exc) from exc
        if response.status_code != httpx.codes.OK:
            raise _http_refusal(response)
        result = result_of(response.content, method)
        try:
            return self._decoder(result_type).decode(result)  # type: ignore[no-any-return]
        except msgspec.DecodeError as exc:
            raise ProtocolError(f"{method}: unexpected result: {exc}") from exc

    async def upload(self, source: bytes | Path, *, progress: Progress | None = None,
                     chunk_size: int = UPLOAD_CHUNK) -> AttachmentView:
        """Upload an image (bytes, or a file read in chunks); ``progress`` follows the send."""
        total = len(source) if isinstance(source, bytes) else (await anyio.Path(source).stat()
                                                               ).st_size
        chunks = _byte_chunks(source, chunk_size) if isinstance(source, bytes) else \
            _file_chunks(source, chunk_size)
        try:
            response = await self._http.post(
                _ATTACHMENTS_PATH, content=_reporting(chunks, total, progress),
                headers={"content-type": "application/octet-stream",
                         "content-length": str(total)},
            )
        except httpx.HTTPError as exc:
            raise _unreachable(self.server, exc) from exc
        if response.status_code not in (httpx.codes.OK, httpx.codes.CREATED):
            raise _http_refusal(response)
        try:
            return _DECODE_ATTACHMENT(response.content)
        except msgspec.DecodeError as exc:
            raise ProtocolError(f"upload: unexpected answer: {exc}") from exc

    async def download(self, sha256: str, *, progress: Progress | None = None) -> bytes:
        """The bytes of an attachment; ``progress`` follows the transfer."""
        received = bytearray()
        try:
            async with self._http.stream("GET", f"{_ATTACHMENTS_PATH}/{sha256}") as response:
                if response.status_code != httpx.codes.OK:
                    await response.aread()
                    raise _http_refusal(response)
                length = response.headers.get("content-length")
                total = int(length) if length and length.isdigit() else None
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if progress is not None:
                        progress(len(received), total)
        except httpx.HTTPError as exc:
            raise _unreachable(self.server, exc) from exc
        return bytes(received)

    def _decoder(self, result_type: Any) -> msgspec.json.Decoder[Any]:
        decoder = self._decoders.get(result_type)
        if decoder is None:
            decoder = self._decoders[result_type] = msgspec.json.Decoder(result_type)
        return decoder


def result_of(body: bytes, method: str = "request") -> Raw:
    """The undecoded ``result`` of a JSON-RPC response, or its error raised as an exception."""
    try:
        answer = _DECODE_RESPONSE(body)
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"{method}: the server's answer is not JSON-RPC: {exc}") from exc
    if answer.error is not None:
        raise error_from_rpc(answer.error.code, answer.error.message, answer.error.data)
    if not len(answer.result):
        raise ProtocolError(f"{method}: the server's answer has neither result nor error")
    return answer.result


def _unreachable(server: ServerAddress, exc: httpx.HTTPError) -> UnreachableError:
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else "did not answer"
    detail = str(exc) or type(exc).__name__
    return UnreachableError(f"the server at {server} {what} ({detail})")


def _http_refusal(response: httpx.Response) -> RequestRefusedError:
    """A refusal outside JSON-RPC's 200: the attachment routes, or the identity boundary."""
    try:
        answer = _DECODE_RESPONSE(response.content)
    except msgspec.DecodeError:
        answer = None
    if answer is not None and answer.error is not None:
        return error_from_rpc(answer.error.code, answer.error.message, answer.error.data)
    if response.status_code == httpx.codes.FORBIDDEN:
        return ForbiddenError("the server refuses connections from this device's address "
                              "(not an address of its overlay)")
    return ProtocolError(f"unexpected HTTP {response.status_code} from the server")


async def _byte_chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def _file_chunks(path: Path, size: int) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as handle:
        while chunk := await handle.read(size):
            yield chunk


async def _reporting(chunks: AsyncIterator[bytes], total: int,
                     progress: Progress | None) -> AsyncIterator[bytes]:
    sent = 0
    if progress is not None:
        progress(0, total)
    async for chunk in chunks:
        yield chunk
        # Resumed only when the transport asks for the next chunk: this one has been written.
        sent += len(chunk)
        if progress is not None:
            progress(sent, total)
