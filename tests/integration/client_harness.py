"""Real project servers as subprocesses, for the client library's integration tests.

Each server has its own data directory, loopback address and port, and is driven
only through its command line (``init``, ``serve``, ``enroll``) and its network API,
as an operator and a client would. Sign-in codes are read from the ``.eml`` files the
server writes to its outbox.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import anyio
import anyio.abc
import httpx
import msgspec
from websockets.asyncio.client import connect

from hero_assistance.adapters.support_rpc.wire import EventView, ProjectInfo
from tests.support.sign_in_mail import newest_sign_in_code

SERVER_COMMAND = [sys.executable, "-m", "hero_assistance.apps.server.cli"]
READY_TIMEOUT = 20.0


def free_port(address: str) -> int:
    """A TCP port nothing listens on at ``address`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    """One ``hero-assistance-server`` on the loopback overlay."""

    name: str
    data_dir: Path
    address: str
    port: int
    _process: anyio.abc.Process | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The server's base URL, as a client follows it."""
        return f"http://{self.address}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.returncode is None

    async def init(self) -> None:
        """Create the data directory (``init --overlay loopback``)."""
        await self._cli("init", self.name, "--overlay", "loopback", "--port", str(self.port),
                        "--loopback-address", self.address)

    async def start(self) -> None:
        """Run ``serve`` and wait until it answers ``project.info``."""
        assert self._process is None, "already running"
        self._log = (self.data_dir / "server.log").open("ab")
        self._process = await anyio.open_process(
            [*SERVER_COMMAND, "--data-dir", str(self.data_dir), "serve"],
            stdin=None, stdout=self._log, stderr=self._log,
        )
        await self._wait_ready()

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no flush beyond what the server already made durable."""
        await self._end(signal.SIGKILL)

    async def stop(self) -> None:
        """SIGTERM, as an operator stops it."""
        await self._end(signal.SIGTERM)

    async def enroll(self, email: str, role: str, name: str) -> None:
        """Pre-enroll a person through the server's CLI (the admin socket)."""
        await self._cli("enroll", email, "--role", role, "--name", name)

    async def admin(self, *args: str) -> None:
        """Any other admin command of the server's CLI (``disable EMAIL``, ...)."""
        await self._cli(*args)

    async def info(self) -> ProjectInfo:
        """``project.info`` asked from 127.0.0.1."""
        async with httpx.AsyncClient(trust_env=False, timeout=5) as http:
            response = await http.post(
                f"{self.url}/rpc",
                json={"jsonrpc": "2.0", "id": 1, "method": "project.info"})
        body = msgspec.json.decode(response.content)
        return msgspec.convert(body["result"], ProjectInfo)

    def sign_in_code(self, email: str) -> str:
        """The code of the newest sign-in email sent to ``email``."""
        return newest_sign_in_code(self.data_dir / "outbox", email)

    async def event_log(self, device_address: str) -> list[EventView]:
        """Every durable event ``device_address`` may see, read with ``events.subscribe``
        ``since=0`` on a fresh WebSocket, up to the project's current last seq.

        The last event of the project must be one that device may see.
        """
        target = (await self.info()).last_seq
        found: list[EventView] = []
        request = {"jsonrpc": "2.0", "id": 1, "method": "events.subscribe",
                   "params": {"since": 0}}
        with anyio.fail_after(READY_TIMEOUT):
            async with connect(f"ws://{self.address}:{self.port}/rpc", proxy=None,
                               local_addr=(device_address, 0)) as ws:
                await ws.send(msgspec.json.encode(request).decode())
                while not found or (found[-1].seq or 0) < target:
                    frame = msgspec.json.decode(await ws.recv())
                    assert "error" not in frame, frame
                    if frame.get("method") == "events.event":
                        event = msgspec.convert(frame["params"]["event"], EventView,
                                                strict=False)
                        if event.seq is not None:
                            found.append(event)
        return found

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, for failure messages."""
        path = self.data_dir / "server.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    async def _cli(self, *args: str) -> None:
        result = await anyio.run_process(
            [*SERVER_COMMAND, "--data-dir", str(self.data_dir), *args], check=False)
        assert result.returncode == 0, (args, result.stdout, result.stderr)

    async def _wait_ready(self) -> None:
        with anyio.fail_after(READY_TIMEOUT):
            while True:
                assert self.running, f"{self.name} exited:\n{self.log_tail()}"
                with contextlib.suppress(httpx.HTTPError, KeyError):
                    await self.info()
                    return
                await anyio.sleep(0.05)

    async def _end(self, sig: signal.Signals) -> None:
        process, self._process = self._process, None
        try:
            if process is not None:
                if process.returncode is None:
                    process.send_signal(sig)
                with anyio.move_on_after(10):
                    await process.wait()
                if process.returncode is None:
                    process.kill()
                await process.aclose()
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None


@contextlib.asynccontextmanager
async def running_servers(root: Path, names: Sequence[str]) -> AsyncIterator[list[ServerProcess]]:
    """Initialise and start one server per name (concurrently); stop them all after."""
    servers = []
    for number, name in enumerate(names, start=1):
        address = f"127.0.77.{number}"
        servers.append(ServerProcess(name=name, data_dir=root / name, address=address,
                                     port=free_port(address)))
    try:
        async with anyio.create_task_group() as group:
            for server in servers:
                group.start_soon(_init_and_start, server)
        yield servers
    finally:
        with anyio.CancelScope(shield=True):
            for server in servers:
                await server.stop()


async def _init_and_start(server: ServerProcess) -> None:
    await server.init()
    await server.start()
