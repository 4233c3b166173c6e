"""The real server under fuzzing: four callers, two transports, and the rules of issue 12.

A :class:`FuzzTarget` holds, for an unbound device, a customer, an agent and an admin,
one HTTP client and one WebSocket (subscribed to events, for the bound ones). It sends
each generated message over the chosen transport as the chosen caller and checks the
answer: never a 5xx, never -32603, never a WebSocket closed by the server; the tally
says how often each happened. The server's stderr is read for tracebacks at the end.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import socket
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import msgspec
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.integration.server_harness import SERVER_HOST, ServerProcess, start_server

from .requests import Message, Protected

ROLES = ("unbound", "customer", "agent", "admin")
TRANSPORTS = ("http", "ws")
ADDRESSES = {"unbound": "127.0.9.1", "customer": "127.0.9.2", "agent": "127.0.9.3",
             "admin": "127.0.9.4"}
WITNESS = "127.0.9.5"  # the customer's second device: makes the events at the end
MAX_WS_MESSAGE = 1024 * 1024  # the server's cap: larger messages go over HTTP
INTERNAL_ERROR = -32603
RECEIVE_TIMEOUT = 20.0  # generous: a loaded 2-core CI machine
WRITE_LIMIT = 100_000  # the most server.json allows: far beyond what a run sends per minute
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "internal error in JSON-RPC method")


class RuleBroken(AssertionError):
    """An answer broke a rule of issue 12 (raised in strict mode)."""


@dataclass
class Tally:
    """What a run tried and what it found."""

    by_kind: collections.Counter[str] = field(default_factory=collections.Counter)
    by_transport: collections.Counter[str] = field(default_factory=collections.Counter)
    by_role: collections.Counter[str] = field(default_factory=collections.Counter)
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    codes: collections.Counter[int] = field(default_factory=collections.Counter)
    results: int = 0  # calls that succeeded
    server_errors: int = 0  # HTTP 5xx
    internal_errors: int = 0  # -32603 answers
    torn_sockets: int = 0  # WebSockets the server closed
    bad_answers: int = 0  # a 200 that is not JSON-RPC
    examples: list[str] = field(default_factory=list)  # the first few violations

    @property
    def requests(self) -> int:
        """Messages sent."""
        return sum(self.by_kind.values())

    @property
    def violations(self) -> int:
        """Every broken rule counted so far."""
        return self.server_errors + self.internal_errors + self.torn_sockets + self.bad_answers


def fuzz_server(root: Path) -> ServerProcess:
    """A loopback server whose write limit the fuzzing cannot reach (it tests the parser)."""
    return start_server(root, name="Fuzz project", write_limit_per_minute=WRITE_LIMIT)


class FuzzTarget:
    """The callers of one server; use ``with`` so sockets and clients are closed."""

    def __init__(self, server: ServerProcess, *, strict: bool) -> None:
        self.server = server
        self.strict = strict
        self.tally = Tally()
        self._log_start = len(server.log())
        self._http: dict[str, httpx.Client] = {}
        self._sockets: dict[str, ClientConnection] = {}
        self._closing = contextlib.ExitStack()
        self._probes = itertools.count(1)
        customer = server.person("customer", ADDRESSES["customer"], WITNESS)
        agent = server.person("agent", ADDRESSES["agent"])
        admin = server.person("admin", ADDRESSES["admin"])
        self.protected = Protected(
            user_ids={customer.user_id, agent.user_id, admin.user_id},
            addresses={*ADDRESSES.values(), WITNESS},
        )

    def __enter__(self) -> Self:
        for role, address in ADDRESSES.items():
            self._http[role] = self._closing.enter_context(httpx.Client(
                transport=httpx.HTTPTransport(local_address=address, verify=False),
                base_url=self.server.base_url, timeout=RECEIVE_TIMEOUT))
            self._open_socket(role)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._closing.close()

    def document(self) -> dict[str, Any]:
        """The overlay's OpenRPC document, as an unbound device reads it."""
        answer = self._http["unbound"].post("/rpc", json={
            "jsonrpc": "2.0", "id": 1, "method": "rpc.discover"}).json()
        document: dict[str, Any] = answer["result"]
        return document

    # -- sending --------------------------------------------------------------------

    def send(self, message: Message, role: str, transport: str) -> None:
        """Send ``message`` as ``role`` over ``transport`` and check the answer."""
        if transport == "ws" and len(message.body) > MAX_WS_MESSAGE:
            transport = "http"  # a frame over the cap closes the socket, by design
        self.tally.by_kind[message.kind] += 1
        self.tally.by_transport[transport] += 1
        self.tally.by_role[role] += 1
        if transport == "http":
            self._over_http(message, role)
        else:
            self._over_socket(message, role)

    def _over_http(self, message: Message, role: str) -> None:
        response = self._http[role].post("/rpc", content=message.body,
                                          headers={"content-type": "application/json"})
        self.tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.tally.server_errors += 1
            self._broken(message, role, f"HTTP {response.status_code}")
        elif response.status_code == 200:
            self._check_answer(message, role, response.content)

    def _over_socket(self, message: Message, role: str) -> None:
        connection = self._sockets[role]
        probe = f"probe-{next(self._probes)}"
        try:
            try:
                connection.send(message.body.decode())
            except UnicodeDecodeError:  # a text frame must be UTF-8: send the bytes as binary
                connection.send(message.body)
            connection.send(msgspec.json.encode(
                {"jsonrpc": "2.0", "id": probe, "method": "project.info"}).decode())
            while True:
                frame = connection.recv(timeout=RECEIVE_TIMEOUT)
                data = frame.encode() if isinstance(frame, str) else frame
                if b'"events.event"' in data[:64]:
                    continue
                if _is_probe_answer(data, probe):
                    return
                self._check_answer(message, role, data)
        except (ConnectionClosed, TimeoutError) as exc:
            self.tally.torn_sockets += 1
            self._open_socket(role)
            self._broken(message, role, f"WebSocket lost: {exc!r}")

    def _check_answer(self, message: Message, role: str, content: bytes) -> None:
        try:
            answer = msgspec.json.decode(content)
        except msgspec.DecodeError:
            answer = None
        responses = answer if isinstance(answer, list) else [answer]
        for response in responses:
            if not isinstance(response, dict) or response.get("jsonrpc") != "2.0" or (
                    ("result" in response) == ("error" in response)):
                self.tally.bad_answers += 1
                self._broken(message, role, f"not a JSON-RPC response: {content[:200]!r}")
                return
            if "result" in response:
                self.tally.results += 1
            else:
                code = response["error"].get("code")
                self.tally.codes[code] += 1
                if code == INTERNAL_ERROR:
                    self.tally.internal_errors += 1
                    self._broken(message, role, f"-32603 for {content[:200]!r}")

    def _broken(self, message: Message, role: str, what: str) -> None:
        text = f"{what} (as {role}, {message.kind}: {message.body[:300]!r})"
        if len(self.tally.examples) < 10:
            self.tally.examples.append(text)
        if self.strict:
            raise RuleBroken(text)

    # -- sockets and the checks after a run -----------------------------------------

    def _open_socket(self, role: str) -> None:
        sock = socket.create_connection((SERVER_HOST, self.server.port), timeout=10,
                                        source_address=(ADDRESSES[role], 0))
        # max_queue=None: frames are read off the wire at once, so the server never
        # sees a slow consumer while this run talks to another caller. No keepalive
        # pings: their payload comes from the global random module, whose state
        # hypothesis watches while it draws (and this run checks liveness itself).
        connection = self._closing.enter_context(connect(
            self.server.ws_url, sock=sock, max_size=None, max_queue=None, open_timeout=10,
            close_timeout=2, proxy=None, ping_interval=None))
        self._sockets[role] = connection
        if role != "unbound":
            request = {"jsonrpc": "2.0", "id": "subscribe", "method": "events.subscribe",
                       "params": {"kinds": ["ticket.created"]}}
            connection.send(msgspec.json.encode(request).decode())
            while not _is_probe_answer(connection.recv(timeout=RECEIVE_TIMEOUT), "subscribe"):
                pass

    def still_answering(self) -> bool:
        """A normal call works for every caller on both transports, and every bound
        socket's subscription still delivers a new ticket's event.

        The project's name is compared with what the operator's socket reports, not
        with the name it started with: a generated ``project.update`` from the admin is
        valid and renames the project (that is an answer, not a fault).
        """
        name = self.server.admin_call("project.info")["name"]
        with httpx.Client(transport=httpx.HTTPTransport(local_address=WITNESS, verify=False),
                          base_url=self.server.base_url, timeout=RECEIVE_TIMEOUT) as witness:
            created = witness.post("/rpc", json={
                "jsonrpc": "2.0", "id": 1, "method": "ticket.create",
                "params": {"subject": "after the fuzzing"}}).json()["result"]
        for role in ROLES:
            info = self._http[role].post("/rpc", json={
                "jsonrpc": "2.0", "id": 1, "method": "project.info"}).json()
            if info.get("result", {}).get("name") != name:
                return False
            if role != "unbound" and not self._event_arrives(role, created["id"]):
                return False
            whoami = self._call_on_socket(role, "auth.whoami")
            if whoami.get("bound") is not (role != "unbound"):
                return False
        return True

    def _event_arrives(self, role: str, ticket_id: int) -> bool:
        connection = self._sockets[role]
        with contextlib.suppress(TimeoutError, ConnectionClosed):
            while True:
                frame = msgspec.json.decode(connection.recv(timeout=RECEIVE_TIMEOUT))
                if frame.get("method") == "events.event" and \
                        frame["params"]["event"]["ticket_id"] == ticket_id:
                    return True
        return False

    def _call_on_socket(self, role: str, method: str) -> dict[str, Any]:
        connection = self._sockets[role]
        probe = f"call-{next(self._probes)}"
        connection.send(msgspec.json.encode(
            {"jsonrpc": "2.0", "id": probe, "method": method}).decode())
        while True:
            frame = msgspec.json.decode(connection.recv(timeout=RECEIVE_TIMEOUT))
            if frame.get("id") == probe:
                result: dict[str, Any] = frame.get("result") or {}
                return result

    def tracebacks(self) -> list[str]:
        """Lines of the server's stderr, since this target began, that show a fault."""
        log = self.server.log()[self._log_start:]
        return [line for line in log.splitlines()
                if any(marker in line for marker in TRACEBACK_MARKERS)]


def _is_probe_answer(frame: str | bytes, probe: str) -> bool:
    data = frame.encode() if isinstance(frame, str) else frame
    if f'"{probe}"'.encode() not in data:
        return False
    with contextlib.suppress(msgspec.DecodeError):
        decoded = msgspec.json.decode(data)
        return isinstance(decoded, dict) and decoded.get("id") == probe
    return False
