#!/usr/bin/env python3
"""A stand-in for the mycelium daemon's API, answering as its spec says (tests only).

JSON-RPC (``POST /``, default 127.0.0.1:8990): ``getInfo`` and ``getPublicKeyFromIp``.
REST (default 127.0.0.1:8989): ``GET /api/v1/admin`` and ``GET /api/v1/pubkey/{ip}``.
Shapes follow ``mycelium-openrpc.json`` / ``mycelium-api.yaml`` (v0.7.10):

- ``Info``: ``nodeSubnet``, ``nodePubkey``, ``nodeIp`` and ``nodeStartTime``; with
  ``legacy`` (daemons 0.5-0.7.7) the last two are left out.
- ``getPublicKeyFromIp``: ``{"NodePubKey": hex}``, "not found" is error 404. With
  ``key_result="daemon"`` it answers as the real 0.7.10 daemon does instead: the bare
  hex string, and error -32008.

Only the standard library is used, so the file runs as a script under any Python
(``python mycelium_standin.py --listen 127.0.0.1:8990 --node-ip … --subnet … --pubkey …``)
and is importable in-process (``MyceliumStandin``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

KeyResult = Literal["spec", "daemon"]
_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found",
            405: "Method Not Allowed", 413: "Payload Too Large"}
_MAX_BODY = 1024 * 1024


@dataclass
class StandinNode:
    """The identity the stand-in reports; ``node_ip=None`` is a pre-0.7.8 daemon."""

    subnet: str
    pubkey: str
    node_ip: str | None = None
    start_time: int = field(default_factory=lambda: int(time.time()))

    def info(self) -> dict[str, Any]:
        """The ``Info`` object, as the spec names its fields."""
        body: dict[str, Any] = {"nodeSubnet": self.subnet, "nodePubkey": self.pubkey}
        if self.node_ip is not None:
            body["nodeIp"] = self.node_ip
            body["nodeStartTime"] = self.start_time
        return body


def _rpc_error(call_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": call_id, "error": {"code": code, "message": message}}


class MyceliumStandin:
    """Serves the stand-in API on TCP or Unix sockets; ``node`` may be swapped live."""

    def __init__(self, node: StandinNode, *, key_result: KeyResult = "spec",
                 known: dict[str, str] | None = None) -> None:
        self.node = node
        self.key_result: KeyResult = key_result
        self.known = dict(known or {})  # overlay address -> hex key of other nodes
        self.calls: list[str] = []
        self._servers: list[asyncio.Server] = []
        self._writers: set[asyncio.StreamWriter] = set()

    # --- the API ---------------------------------------------------------------------

    def public_key_for(self, address: str) -> str | None:
        """The key owning ``address``: the node for its own subnet, else a known peer's."""
        ip = ipaddress.IPv6Address(address)
        if ip in ipaddress.IPv6Network(self.node.subnet):
            return self.node.pubkey
        for other, key in self.known.items():
            if ip in ipaddress.IPv6Network(f"{other}/64", strict=False):
                return key
        return None

    def answer_rpc(self, body: bytes) -> dict[str, Any] | list[Any] | None:
        """The JSON-RPC answer to one HTTP body (single call or batch)."""
        try:
            request = json.loads(body)
        except ValueError:
            return _rpc_error(None, -32700, "Parse error")
        if isinstance(request, list):
            if not request:
                return _rpc_error(None, -32600, "Invalid request")
            answers = [self._answer_call(call) for call in request]
            return [answer for answer in answers if answer is not None] or None
        return self._answer_call(request)

    def _answer_call(self, call: Any) -> dict[str, Any] | None:
        if not isinstance(call, dict) or call.get("jsonrpc") != "2.0" \
                or not isinstance(call.get("method"), str):
            return _rpc_error(call.get("id") if isinstance(call, dict) else None,
                              -32600, "Invalid request")
        call_id, method, params = call.get("id"), call["method"], call.get("params", [])
        self.calls.append(method)
        if method == "getInfo":
            if params not in ([], {}, None):
                return _rpc_error(call_id, -32602, "Invalid params")
            result: Any = self.node.info()
        elif method == "getPublicKeyFromIp":
            address = self._address_param(params)
            if address is None:
                return _rpc_error(call_id, -32602, "Invalid params")
            key = self.public_key_for(address)
            if key is None:
                code = 404 if self.key_result == "spec" else -32008
                return _rpc_error(call_id, code, "Public key not found")
            result = {"NodePubKey": key} if self.key_result == "spec" else key
        else:
            return _rpc_error(call_id, -32601, "Method not found")
        return None if "id" not in call else {"jsonrpc": "2.0", "id": call_id, "result": result}

    @staticmethod
    def _address_param(params: Any) -> str | None:
        if isinstance(params, list) and len(params) == 1:
            value = params[0]
        elif isinstance(params, dict) and len(params) == 1:
            value = params.get("mycelium_ip")
        else:
            return None
        try:
            return str(ipaddress.IPv6Address(value)) if isinstance(value, str) else None
        except ValueError:
            return None

    def answer_rest(self, method: str, target: str) -> tuple[int, Any]:
        """Status and JSON body of the REST routes the stand-in knows."""
        path = target.split("?", 1)[0]
        if path == "/api/v1/admin":
            return (200, self.node.info()) if method == "GET" else (405, None)
        if path.startswith("/api/v1/pubkey/"):
            if method != "GET":
                return 405, None
            try:
                key = self.public_key_for(path.removeprefix("/api/v1/pubkey/"))
            except ValueError:
                return 400, None
            return (404, None) if key is None else (200, {"NodePubKey": key})
        return 404, None

    # --- HTTP/1.1 over asyncio streams -----------------------------------------------

    async def serve_tcp(self, host: str, port: int, *, rest: bool = False) -> tuple[str, int]:
        """Listen on ``host:port`` (port 0 picks one); returns the bound address."""
        server = await asyncio.start_server(
            lambda r, w: self._connection(r, w, rest=rest), host, port)
        self._servers.append(server)
        bound = server.sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    async def serve_unix(self, path: Path, *, rest: bool = False) -> None:
        """Listen on a Unix socket."""
        server = await asyncio.start_unix_server(
            lambda r, w: self._connection(r, w, rest=rest), str(path))
        self._servers.append(server)

    async def close(self) -> None:
        """Stop listening and drop open connections."""
        for server in self._servers:
            server.close()
        for writer in list(self._writers):
            writer.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        await asyncio.sleep(0)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                          *, rest: bool) -> None:
        self._writers.add(writer)
        try:
            while await self._exchange(reader, writer, rest=rest):
                pass
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
                ValueError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        *, rest: bool) -> bool:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if length > _MAX_BODY:
            status, payload = 413, None
        else:
            body = await reader.readexactly(length)
            status, payload = self._route(method, target, body, rest=rest)
        data = b"" if payload is None else json.dumps(payload).encode()
        keep = headers.get("connection", "").lower() != "close" and status != 413
        writer.write(
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            f"content-type: application/json\r\ncontent-length: {len(data)}\r\n"
            f"connection: {'keep-alive' if keep else 'close'}\r\n\r\n".encode() + data)
        await writer.drain()
        return keep

    def _route(self, method: str, target: str, body: bytes, *, rest: bool) -> tuple[int, Any]:
        if rest:
            return self.answer_rest(method, target)
        if target.split("?", 1)[0] != "/":
            return 404, None
        if method != "POST":
            return 405, None
        answer = self.answer_rpc(body)
        return (204, None) if answer is None else (200, answer)


def split_host_port(text: str) -> tuple[str, int]:
    """``127.0.0.1:8990`` or ``[::1]:8990`` as (host, port)."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--listen", default="127.0.0.1:8990", help="JSON-RPC HOST:PORT")
    parser.add_argument("--rest-listen", help="REST HOST:PORT (off unless given)")
    parser.add_argument("--unix", type=Path, help="also serve JSON-RPC on this Unix socket")
    parser.add_argument("--node-ip", help="nodeIp to report")
    parser.add_argument("--subnet", required=True, help="nodeSubnet to report (a /64)")
    parser.add_argument("--pubkey", required=True, help="nodePubkey (64 hex characters)")
    parser.add_argument("--legacy-no-nodeip", action="store_true",
                        help="answer as a 0.5-0.7.7 daemon: no nodeIp, no nodeStartTime")
    parser.add_argument("--key-result", choices=["spec", "daemon"], default="spec",
                        help="getPublicKeyFromIp shape: the spec's, or the 0.7.10 daemon's")
    parser.add_argument("--known", action="append", default=[], metavar="IP=HEX",
                        help="another node's address and key, for getPublicKeyFromIp")
    args = parser.parse_args(argv)
    if args.node_ip is None and not args.legacy_no_nodeip:
        parser.error("--node-ip is required unless --legacy-no-nodeip")
    return args


async def run(args: argparse.Namespace) -> None:
    """Serve until SIGTERM or SIGINT; print the bound addresses as one JSON line."""
    node = StandinNode(subnet=args.subnet, pubkey=args.pubkey,
                       node_ip=None if args.legacy_no_nodeip else args.node_ip)
    known = dict(item.split("=", 1) for item in args.known)
    standin = MyceliumStandin(node, key_result=args.key_result, known=known)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    ready: dict[str, str] = {}
    try:
        host, port = await standin.serve_tcp(*split_host_port(args.listen))
        ready["jsonrpc"] = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if args.rest_listen:
            host, port = await standin.serve_tcp(*split_host_port(args.rest_listen), rest=True)
            ready["rest"] = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if args.unix:
            await standin.serve_unix(args.unix)
            ready["unix"] = str(args.unix)
        print(json.dumps(ready), flush=True)  # noqa: T201 - the readiness line
        await stop.wait()
    finally:
        await standin.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the script."""
    asyncio.run(run(_arguments(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
