"""The real programs the browser tests drive: a project server and two Support tabs.

Everything runs as a person would run it: the operator ``init``\\s and ``serve``\\s the
project server on the loopback overlay and enrolls people with its CLI; each device
follows the project with ``hero-assistance-client follow`` and serves its Support tab
with ``hero-assistance-client ui``. Each device is its own ``127.x.y.z`` address.
Sign-in codes are read from the ``.eml`` files the server writes to its outbox.
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hero_assistance.adapters.serving import NotReady, wait_ready
from hero_assistance.apps.server.admin_client import AdminClient
from hero_assistance.apps.server.config import READY_FILE
from tests.support.processes import terminate
from tests.support.sign_in_mail import newest_sign_in_code

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
SERVER_COMMAND = [sys.executable, "-m", "hero_assistance.apps.server.cli"]
CLIENT_COMMAND = [sys.executable, "-c",
                  "import sys; from hero_assistance.apps.client.cli import main; sys.exit(main())"]


class ProcessFailed(Exception):
    """A program did not start, or said it failed."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on at ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HERO_ASSISTANCE_CLIENT_SOCKET", None)
    env.pop("HERO_ASSISTANCE_CONFIG_DIR", None)
    return env


@dataclass
class Child:
    """A running program whose output goes to a file."""

    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, command: list[str], log: Path) -> Child:
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - our own programs
                command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=_environment())
        return cls(process, log)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, ready_file: Path) -> str:
        """The URL in the ready file the program writes once it serves."""
        try:
            return wait_ready(ready_file, timeout=START_TIMEOUT, pid=self.process.pid,
                              running=lambda: self.process.poll() is None).url
        except NotReady as exc:
            raise ProcessFailed(f"{exc}:\n{self.output()}") from None

    def stop(self) -> int:
        """SIGTERM, then SIGKILL after a grace period; the exit code."""
        return terminate(self.process, STOP_TIMEOUT)


def run(command: list[str]) -> str:
    """Run a command to completion; its output (fails the test on a non-zero exit)."""
    result = subprocess.run(command, capture_output=True, text=True, check=False,  # noqa: S603
                            env=_environment(), timeout=60)
    if result.returncode != 0:
        raise ProcessFailed(f"{command[-4:]} exited with {result.returncode}:\n"
                            f"{result.stdout}{result.stderr}")
    return result.stdout


@dataclass
class ProjectServer:
    """``hero-assistance-server`` on the loopback overlay."""

    data_dir: Path
    address: str
    port: int
    child: Child | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def start(self, name: str) -> None:
        """``init`` the project, then :meth:`serve` it."""
        self._cli("init", name, "--overlay", "loopback", "--port", str(self.port),
                  "--loopback-address", self.address)
        self.serve()

    def serve(self) -> None:
        """``serve`` the project (again); waits for its ready file."""
        log = self.data_dir.parent / f"{self.data_dir.name}-{int(time.time() * 1000)}.log"
        self.child = Child.start([*SERVER_COMMAND, "--data-dir", str(self.data_dir), "serve"],
                                 log)
        self.child.wait_ready(self.data_dir / READY_FILE)

    def stop(self) -> int:
        return self.child.stop() if self.child is not None else 0

    def enroll(self, email: str, role: str, name: str) -> None:
        """Pre-enroll a person, as the operator does."""
        self._cli("enroll", email, "--role", role, "--name", name)

    def admin_call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """A call as the operator, on the server's admin socket (teams, for instance)."""
        with AdminClient(self.data_dir, timeout=10) as admin:
            return admin.call(method, params)

    def sign_in_code(self, email: str) -> str:
        """The code of the newest sign-in email to ``email`` in the outbox."""
        return newest_sign_in_code(self.data_dir / "outbox", email)

    def _cli(self, *args: str) -> None:
        run([*SERVER_COMMAND, "--data-dir", str(self.data_dir), *args])


@dataclass
class SupportTab:
    """One device: its client config, and ``hero-assistance-client ui`` serving its tab."""

    name: str
    root: Path
    device: str
    port: int
    embed_origins: tuple[str, ...] = ()
    child: Child | None = None
    _ids: int = field(default=0, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, *args: str) -> str:
        """A client CLI command as this device (in-process library, no service)."""
        return run([*CLIENT_COMMAND, "--config-dir", str(self.root / "config"),
                    "--socket", str(self.root / "client.sock"), "--overlay", "loopback",
                    "--device", self.device, "--no-service", *args])

    def start(self) -> None:
        """``hero-assistance-client ui`` on this tab's port; waits for its ready file."""
        frames = [a for origin in self.embed_origins for a in ("--frame-ancestors", origin)]
        ready_file = self.root / "ui-ready.json"
        command = [*CLIENT_COMMAND, "--config-dir", str(self.root / "config"),
                   "--socket", str(self.root / "client.sock"), "--overlay", "loopback",
                   "--device", self.device, "ui", "--port", str(self.port), *frames,
                   "--ready-file", str(ready_file)]
        self.child = Child.start(command, self.root / f"ui-{int(time.time() * 1000)}.log")
        assert self.child.wait_ready(ready_file) == f"{self.url}/"

    def stop(self) -> int:
        return self.child.stop() if self.child is not None else 0

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """A JSON-RPC call on the tab's own /rpc (as a local program would)."""
        self._ids += 1
        request: dict[str, Any] = {"jsonrpc": "2.0", "id": self._ids, "method": method}
        if params is not None:
            request["params"] = params
        response = httpx.post(f"{self.url}/rpc", json=request, timeout=30, trust_env=False)
        answer = response.json()
        assert "error" not in answer, answer
        return answer["result"]

    def sign_in(self, server: ProjectServer, project: str, email: str) -> None:
        """Bind this device with the emailed code, through the tab's own service."""
        self.call("client.enroll", {"project": project, "email": email,
                                    "device_label": f"{self.name} browser"})
        state = self.call("client.confirm", {"project": project,
                                             "code": server.sign_in_code(email)})
        assert state["bound"], state


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


@dataclass
class StaticSite:
    """A plain static file server for the host page, on its own localhost port."""

    directory: Path
    port: int
    _server: http.server.ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        directory = str(self.directory)

        def handler(*args: Any, **kwargs: Any) -> _QuietHandler:
            return _QuietHandler(*args, directory=directory, **kwargs)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
