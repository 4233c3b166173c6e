"""A real ``hero-assistance-server`` process, and clients that reach it as chosen devices.

The server runs exactly as an operator runs it: ``init`` a data directory with the
loopback overlay, ``serve`` as a child process, wait for the ``ready.json`` it writes
into its data directory (as a supervisor does), stop it with SIGTERM (then SIGKILL if
it hangs). On the loopback overlay every 127.x.y.z
address is a separate device, so a client picks its identity by binding its outgoing
socket to one of them, the same way a real device is its overlay address.

People are made the way the product makes them: the operator enrolls them through the
admin socket, and each device binds itself with ``auth.request_link`` and the code
from the email the server wrote to its outbox.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import socket
import subprocess
import sys
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import anyio
import anyio.to_thread
import httpx
import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hero_assistance.adapters.serving import NotReady, ReadyRecord, read_ready, wait_ready
from hero_assistance.apps.server import cli
from hero_assistance.apps.server.admin_client import AdminClient
from hero_assistance.apps.server.config import (
    ADMIN_SOCKET,
    OUTBOX_DIR,
    READY_FILE,
    ServerConfig,
    load_config,
    write_config,
)
from tests.support.processes import terminate
from tests.support.sign_in_mail import newest_sign_in_code

SERVER_HOST = "127.0.0.1"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def server_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("hero-assistance-server")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "hero_assistance.apps.server.cli"]


def child_environment() -> dict[str, str]:
    """The test's environment without settings that would hide buffering bugs."""
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)  # output buffering must not matter to anyone
    return env


def free_port(host: str = SERVER_HOST) -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class ServerFailed(Exception):
    """The server did not start, or did not stop cleanly."""


@dataclass
class ServerProcess:
    """One running project server and its data directory."""

    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    ready_url: str = ""
    _people: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the overlay listener."""
        return f"http://{SERVER_HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The JSON-RPC WebSocket endpoint."""
        return f"ws://{SERVER_HOST}:{self.port}/rpc"

    @property
    def outbox(self) -> Path:
        """Where the server writes sign-in emails."""
        return self.data_dir / OUTBOX_DIR

    @property
    def ready_file(self) -> Path:
        """Where the server says it is ready (``ready.json``)."""
        return self.data_dir / READY_FILE

    def readiness(self) -> ReadyRecord | None:
        """What the ready file says now (``None``: not ready, or stale)."""
        return read_ready(self.ready_file)

    @property
    def admin_socket(self) -> Path:
        """The operator's Unix socket."""
        return self.data_dir / ADMIN_SOCKET

    def config(self) -> ServerConfig:
        """The configuration the server was started with."""
        return load_config(self.data_dir)

    def log(self) -> str:
        """What the server wrote to stderr so far (for failure messages)."""
        return self.stderr_path.read_text(errors="replace")

    def admin_call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Call a method as the operator, over the admin socket."""
        with AdminClient(self.data_dir, timeout=10) as admin:
            return admin.call(method, params)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL after a grace period; the exit code."""
        return terminate(self.process, STOP_TIMEOUT)

    # -- people -------------------------------------------------------------------

    def person(self, role: str, *addresses: str, name: str | None = None) -> Person:
        """Enroll a new person (unique email) and bind each of ``addresses`` to them."""
        number = next(self._people)
        display = name or f"{role.title()} {number}"
        email_address = f"{role}{number}@example.com"
        user = self.admin_call("user.enroll", {"email": email_address, "role": role,
                                               "display_name": display})
        for device in addresses:
            bind_device(self, device, email_address)
        return Person(email=email_address, role=role, user_id=int(user["id"]), name=display,
                      addresses=tuple(addresses))


def start_server(root: Path, *, name: str = "Integration project",
                 env: dict[str, str] | None = None,
                 preexec_fn: Any = None, **config: Any) -> ServerProcess:
    """``init`` a loopback project under ``root``, apply ``config``, ``serve`` it
    (with ``env`` added to its environment, ``preexec_fn`` run in the child)."""
    data_dir = root / "data"
    port = free_port()
    code = run_cli_in_process(data_dir, "init", name, "--overlay", "loopback",
                              "--port", str(port), "--loopback-address", SERVER_HOST)[0]
    if code != cli.EXIT_OK:
        raise ServerFailed(f"init failed with exit code {code}")
    if config:
        settings = load_config(data_dir)
        write_config(data_dir, msgspec.convert({**msgspec.to_builtins(settings), **config},
                                               type(settings)))
    return _serve(data_dir, port, root / "server.out", root / "server.err", env=env,
                  preexec_fn=preexec_fn)


def serve_again(stopped: ServerProcess) -> ServerProcess:
    """``serve`` the data directory of a server that was stopped, on the same port."""
    if stopped.process.poll() is None:
        raise ServerFailed("the server is still running")
    return _serve(stopped.data_dir, stopped.port, stopped.stdout_path, stopped.stderr_path)


def _serve(data_dir: Path, port: int, stdout_path: Path, stderr_path: Path, *,
           env: dict[str, str] | None = None, preexec_fn: Any = None) -> ServerProcess:
    with stdout_path.open("wb") as out, stderr_path.open("ab") as err:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [*server_command(), "--data-dir", str(data_dir), "serve"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            env={**child_environment(), **(env or {})}, preexec_fn=preexec_fn,  # noqa: PLW1509
        )
    server = ServerProcess(data_dir=data_dir, port=port, process=process,
                           stdout_path=stdout_path, stderr_path=stderr_path)
    try:
        server.ready_url = _wait_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: ServerProcess) -> str:
    try:
        record = wait_ready(server.ready_file, timeout=START_TIMEOUT, pid=server.process.pid,
                            running=lambda: server.process.poll() is None)
    except NotReady as exc:
        raise ServerFailed(f"{exc} (exit code {server.process.poll()}):\n{server.log()}"
                           ) from None
    if record.url != f"{server.base_url}/rpc":
        raise ServerFailed(f"ready on {record.url}, expected {server.base_url}/rpc")
    return record.url


def run_cli_in_process(data_dir: Path, *args: str) -> tuple[int, str, str]:
    """The server CLI's ``main`` in this process: exit code, stdout, stderr.

    The same code path as the console script without an interpreter start-up; tests
    of process-level behaviour (exit codes) run the real script instead.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["--data-dir", str(data_dir), *args])
    return code, out.getvalue(), err.getvalue()


async def run_cli(data_dir: Path, *args: str) -> tuple[int, str, str]:
    """The server CLI's ``main`` in a worker thread, so the event loop keeps running."""
    return await anyio.to_thread.run_sync(lambda: run_cli_in_process(data_dir, *args))


# -- people and devices -----------------------------------------------------------

@dataclass(frozen=True)
class Person:
    """Someone enrolled on the test server, with the device addresses bound to them."""

    email: str
    role: str
    user_id: int
    name: str
    addresses: tuple[str, ...]

    @property
    def address(self) -> str:
        """Their first device."""
        return self.addresses[0]


def newest_code(outbox: Path, to: str, *, device: str | None = None,
                timeout: float = 10.0) -> str:
    """The sign-in code of the newest email to ``to`` (asked for by ``device``, if given)
    in the outbox, waiting for the server's mail worker to write it."""
    return newest_sign_in_code(outbox, to, device=device, timeout=timeout)


def bind_device(server: ServerProcess, address: str, to: str) -> None:
    """Bind the device at ``address`` to the person with email ``to``, as a user does."""
    transport = httpx.HTTPTransport(local_address=address, verify=False)  # see RpcClient
    with httpx.Client(transport=transport, base_url=server.base_url, timeout=10) as http:
        def call(method: str, params: dict[str, Any]) -> Any:
            body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
            answer = http.post("/rpc", json=body).json()
            assert "result" in answer, f"{method} from {address}: {answer}"
            return answer["result"]

        call("auth.request_link", {"email": to, "device_label": f"device {address}"})
        device = call("auth.confirm", {"code": newest_code(server.outbox, to, device=address)})
        assert device["address"] == address


# -- JSON-RPC clients -------------------------------------------------------------

class RpcError(Exception):
    """A JSON-RPC error response."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code: int = error["code"]
        self.message: str = error["message"]
        self.data: Any = error.get("data")


def result_of(response: dict[str, Any]) -> Any:
    """The result of a response object, or raise its error as ``RpcError``."""
    if "error" in response:
        raise RpcError(response["error"])
    return response["result"]


class RpcClient:
    """JSON-RPC over HTTP POST, and the attachment routes, from one device address."""

    def __init__(self, server: ServerProcess, address: str) -> None:
        self.address = address
        self.http = httpx.AsyncClient(
            # Plain http:// only; verify=False skips loading the CA bundle, which costs
            # ~40 ms per client and would dominate the suite's run time.
            transport=httpx.AsyncHTTPTransport(local_address=address, verify=False),
            base_url=server.base_url, timeout=15,
        )
        self._ids = itertools.count(1)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.http.aclose()

    async def request(self, method: str, params: Any = None) -> dict[str, Any]:
        """The whole response object of one call."""
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": next(self._ids), "method": method}
        if params is not None:
            body["params"] = params
        response = await self.post(msgspec.json.encode(body))
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def call(self, method: str, params: Any = None) -> Any:
        """The result of one call, or ``RpcError``."""
        return result_of(await self.request(method, params))

    async def error(self, method: str, params: Any = None) -> RpcError:
        """The error a call must be refused with (fails the test if it succeeds)."""
        answer = await self.request(method, params)
        assert "error" in answer, f"{method} {params} was not refused: {answer}"
        return RpcError(answer["error"])

    async def post(self, body: bytes) -> httpx.Response:
        """POST raw bytes to /rpc."""
        return await self.http.post("/rpc", content=body,
                                    headers={"content-type": "application/json"})

    async def upload(self, data: bytes) -> httpx.Response:
        """POST raw image bytes to /attachments."""
        return await self.http.post("/attachments", content=data,
                                    headers={"content-type": "application/octet-stream"})

    async def download(self, sha256: str) -> httpx.Response:
        """GET /attachments/{sha256}."""
        return await self.http.get(f"/attachments/{sha256}")


class RpcSocket:
    """JSON-RPC over the WebSocket from one device address, with its event notifications.

    Frames are read only while waiting for a response or an event; notifications that
    arrive while waiting for a response are kept, in order, for :meth:`next_event`.
    """

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._ids = itertools.count(1)
        self._events: deque[dict[str, Any]] = deque()

    async def send_text(self, text: str) -> None:
        """Send one raw frame."""
        await self.connection.send(text)

    async def request(self, method: str, params: Any = None, *,
                      within: float = 10.0) -> dict[str, Any]:
        """Send a request and return its response object."""
        request_id = next(self._ids)
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            body["params"] = params
        await self.connection.send(msgspec.json.encode(body).decode())
        with anyio.fail_after(within):
            while True:
                frame = await self._frame()
                if frame.get("id") == request_id and "method" not in frame:
                    return frame
                if frame.get("method") == "events.event":
                    self._events.append(frame["params"])
                else:
                    raise AssertionError(f"unexpected frame {frame}")

    async def call(self, method: str, params: Any = None) -> Any:
        """The result of one call, or ``RpcError``."""
        return result_of(await self.request(method, params))

    async def subscribe(self, since: int | None = None, **filters: Any) -> dict[str, Any]:
        """``events.subscribe``; its result."""
        params: dict[str, Any] = dict(filters)
        if since is not None:
            params["since"] = since
        result: dict[str, Any] = await self.call("events.subscribe", params)
        return result

    async def next_event(self, within: float = 5.0) -> dict[str, Any]:
        """The next event notification's ``event`` (fails after ``within`` seconds)."""
        if not self._events:
            with anyio.fail_after(within):
                frame = await self._frame()
            assert frame.get("method") == "events.event", f"unexpected frame {frame}"
            self._events.append(frame["params"])
        return dict(self._events.popleft()["event"])

    async def events_until(self, done: Any, within: float = 5.0) -> list[dict[str, Any]]:
        """Events in arrival order up to and including the first for which ``done`` holds."""
        seen: list[dict[str, Any]] = []
        with anyio.fail_after(within):
            while True:
                event = await self.next_event(within)
                seen.append(event)
                if done(event):
                    return seen

    async def durable_events(self, count: int, within: float = 5.0) -> list[dict[str, Any]]:
        """The next ``count`` events that carry a ``seq`` (live-only presence skipped)."""
        seen: list[dict[str, Any]] = []
        with anyio.fail_after(within):
            while len(seen) < count:
                event = await self.next_event(within)
                if event["seq"] is not None:
                    seen.append(event)
        return seen

    async def quiet_for(self, seconds: float) -> list[dict[str, Any]]:
        """Every event that arrives within ``seconds`` (to show that none does)."""
        seen = []
        with anyio.move_on_after(seconds):
            while True:
                seen.append(await self.next_event(seconds + 1))
        return seen

    async def closed(self, within: float = 5.0) -> tuple[int | None, str | None]:
        """Wait for the server to close the socket; its close code and reason.

        Any frame that still arrives first is an error: a closed socket answers nothing.
        """
        with anyio.fail_after(within):
            try:
                frame = await self.connection.recv()
            except ConnectionClosed as closed:
                if closed.rcvd is None:
                    return None, None
                return closed.rcvd.code, closed.rcvd.reason
        raise AssertionError(f"the socket is still open and sent {frame!r}")

    async def _frame(self) -> dict[str, Any]:
        raw = await self.connection.recv()
        frame: dict[str, Any] = msgspec.json.decode(raw)
        return frame


@contextlib.asynccontextmanager
async def rpc_socket(server: ServerProcess, address: str) -> AsyncIterator[RpcSocket]:
    """A WebSocket to /rpc from ``address``, closed on exit."""
    async with connect(server.ws_url, local_addr=(address, 0), max_size=None,
                       open_timeout=10, close_timeout=2) as connection:
        yield RpcSocket(connection)


@contextlib.asynccontextmanager
async def rpc_clients(server: ServerProcess, *addresses: str
                      ) -> AsyncIterator[tuple[RpcClient, ...]]:
    """One HTTP client per address, all closed on exit."""
    async with contextlib.AsyncExitStack() as stack:
        yield tuple([await stack.enter_async_context(RpcClient(server, address))
                     for address in addresses])
