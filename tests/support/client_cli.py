"""``hero-assistance-client`` as a real process: one device's workspace, optionally
with its local service running.

A :class:`Workspace` is one device with its own config directory and socket path:
on the loopback overlay a ``127.x.y.z`` address, on mycelium the node behind a daemon
API (``mycelium_api``), optionally inside a network namespace (``prefix``). Every
command runs the installed console script with the global options spelled out,
exactly as a person or a script would; ``serve`` runs the service as a child process
until the workspace is closed.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hero_assistance.adapters.serving import NotReady, wait_ready

START_TIMEOUT = 20.0
COMMAND_TIMEOUT = 60.0


def client_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("hero-assistance-client")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "hero_assistance.apps.client.cli"]


def child_environment() -> dict[str, str]:
    """The test's environment without the client's own variables (options say it all)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("HERO_ASSISTANCE_")}
    env.pop("PYTHONUNBUFFERED", None)  # "ready:" and watch lines must be flushed by the CLI
    env["COLUMNS"] = "200"
    return env


class ServiceRefused(Exception):
    """The service answered a call with a JSON-RPC error."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')} {error.get('message')}")
        self.code = int(error.get("code", 0))
        self.error = error


@dataclass(frozen=True)
class Result:
    """What one command did."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """stdout as JSON (fails the test with the output if it is not)."""
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"not JSON ({exc}):\n{self.stdout}\n{self.stderr}") from None


@dataclass
class Workspace:
    """One device's client: its address, config directory and service socket."""

    root: Path
    device: str
    """The device's address: given to the client on loopback, reported by the daemon on
    mycelium."""
    mycelium_api: str | None = None
    """The daemon's API: the device is on the mycelium overlay (``None``: loopback)."""
    prefix: tuple[str, ...] = ()
    """What runs a program where the device is (``ip netns exec NS``), if anywhere else."""
    service: subprocess.Popen[bytes] | None = None
    _service_log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def config_dir(self) -> Path:
        """Followed projects and read markers."""
        return self.root / "config"

    @property
    def socket(self) -> Path:
        """Where ``serve`` listens."""
        return self.root / "run" / "client.sock"

    def options(self) -> list[str]:
        """The global options naming this workspace."""
        overlay = (["--overlay", "loopback", "--device", self.device]
                   if self.mycelium_api is None
                   else ["--overlay", "mycelium", "--mycelium-api", self.mycelium_api])
        return ["--config-dir", str(self.config_dir), "--socket", str(self.socket), *overlay]

    def argv(self, *args: str) -> list[str]:
        """The full command line of ``hero-assistance-client ARGS``."""
        return [*self.prefix, *client_command(), *self.options(), *args]

    def run(self, *args: str, stdin: str | None = None, expect: int | None = 0) -> Result:
        """Run a command to its end; checks the exit code unless ``expect`` is None."""
        done = subprocess.run(  # noqa: S603 - our own console script
            self.argv(*args), input=(stdin or "").encode(), capture_output=True,
            env=child_environment(), timeout=COMMAND_TIMEOUT, check=False,
        )
        result = Result(done.returncode, done.stdout.decode(), done.stderr.decode())
        if expect is not None:
            assert result.code == expect, (
                f"{' '.join(args)} exited {result.code}, expected {expect}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result

    def json(self, *args: str) -> Any:
        """``ARGS --json`` parsed."""
        return self.run(*args, "--json").json()

    def watch(self, *args: str) -> Watch:
        """``watch --json ARGS`` in the background (stop it with :meth:`Watch.stop`)."""
        return Watch(self.spawn("watch", "--json", *args))

    def spawn(self, *args: str, stdin: int | None = subprocess.DEVNULL
              ) -> subprocess.Popen[bytes]:
        """A command left running (``watch``, an ``enroll`` that waits for its code)."""
        return subprocess.Popen(  # noqa: S603 - our own console script
            self.argv(*args), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=child_environment())

    # -- the local service ------------------------------------------------------------

    def start_service(self) -> None:
        """``serve`` in the background; returns once its ready file says it serves."""
        assert self.service is None
        log_path = self.root / "service.log"
        ready_file = self.root / "service-ready.json"
        self._service_log = log_path.open("wb")
        self.service = subprocess.Popen(  # noqa: S603 - our own console script
            self.argv("serve", "--ready-file", str(ready_file)), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=self._service_log, env=child_environment())
        service = self.service
        try:
            record = wait_ready(ready_file, timeout=START_TIMEOUT,
                                running=lambda: service.poll() is None)
        except NotReady as exc:
            code = self.stop_service()
            raise AssertionError(f"serve: {exc}; exit code {code}:\n"
                                 f"{log_path.read_text(errors='replace')}") from None
        assert record.url == f"unix:{self.socket}", record
        assert service.stdout is not None
        line = service.stdout.readline().decode()  # the line for humans says the same
        assert line == f"ready: unix:{self.socket}\n", line

    def stop_service(self) -> int | None:
        """SIGTERM the service; its exit code (``None`` if it was not running)."""
        service, self.service = self.service, None
        if service is None:
            return None
        if service.poll() is None:
            service.send_signal(signal.SIGTERM)
            try:
                service.wait(10)
            except subprocess.TimeoutExpired:
                service.kill()
                service.wait()
        if service.stdout is not None:
            service.stdout.close()
        if self._service_log is not None:
            self._service_log.close()
            self._service_log = None
        return service.returncode

    def service_call(self, method: str, params: dict[str, Any] | None = None, *,
                     timeout: float = COMMAND_TIMEOUT) -> Any:
        """One call on the running service's socket, as a local program makes it: the
        result, or ``ServiceRefused`` with the JSON-RPC error."""
        request: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
        if params is not None:
            request["params"] = params
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(str(self.socket))
            connection.sendall(json.dumps(request).encode() + b"\n")
            with connection.makefile("rb") as lines:
                for line in lines:
                    answer = json.loads(line)
                    if answer.get("id") != 1:
                        continue  # a notification
                    if "error" in answer:
                        raise ServiceRefused(answer["error"])
                    return answer["result"]
        raise AssertionError(f"the service closed the connection before answering {method}")

    def service_log(self) -> str:
        """What the service wrote to stderr."""
        path = self.root / "service.log"
        return path.read_text(errors="replace") if path.exists() else ""


def finish(process: subprocess.Popen[bytes], stdin: str | None = None, *,
           timeout: float = 20.0) -> Result:
    """Give a spawned command its ``stdin`` (then end of input); its exit code and output."""
    out, err = process.communicate(None if stdin is None else stdin.encode(), timeout=timeout)
    return Result(process.returncode, out.decode(), err.decode())


class Lines:
    """The lines a child writes to a pipe, read in a thread so tests can wait with a limit."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        """Every line read so far, whether or not a test has taken it yet."""
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def next(self, *, timeout: float = 15.0) -> str:
        """The next line; fails the test after ``timeout`` seconds or at end of output."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line within {timeout} s") from None
        assert line is not None, "the output ended"
        return line

    def until(self, predicate: Callable[[str], bool], *, timeout: float = 15.0) -> str:
        """The first line for which ``predicate`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.next(timeout=max(0.01, deadline - time.monotonic()))
            if predicate(line):
                return line

    def join(self) -> None:
        """Wait until the pipe is closed and read to its end."""
        self._thread.join(10)

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode()
            self.seen.append(line)
            self._lines.put(line)
        self._lines.put(None)


class Watch:
    """``watch --json`` left running: its events as they come, every line it printed."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        assert process.stderr is not None
        self.process = process
        self.out, self.err = Lines(process.stdout), Lines(process.stderr)

    def started(self, *, timeout: float = 15.0) -> str:
        """The ``watching N project(s)`` banner: from then on, nothing is missed."""
        return self.err.until(lambda line: line.startswith("watching "), timeout=timeout)

    def notification(self, method: str, predicate: Callable[[Any], bool], *,
                     timeout: float = 15.0) -> Any:
        """The params of the next ``method`` notification that satisfy ``predicate``."""
        def wanted(line: str) -> bool:
            notification = json.loads(line)
            return notification["method"] == method and predicate(notification["params"])

        try:
            line = self.out.until(wanted, timeout=timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; watch printed:\n{''.join(self.out.seen)}"
                                 f"and said:\n{''.join(self.err.seen)}") from None
        return json.loads(line)["params"]

    def event(self, predicate: Callable[[dict[str, Any]], bool], *,
              timeout: float = 15.0) -> dict[str, Any]:
        """The next ``client.event`` whose event satisfies ``predicate``."""
        params = self.notification("client.event", lambda p: predicate(p["event"]),
                                   timeout=timeout)
        event: dict[str, Any] = params["event"]
        return event

    def events(self) -> list[dict[str, Any]]:
        """Every event printed so far."""
        return [notification["params"]["event"]
                for notification in map(json.loads, self.out.seen)
                if notification["method"] == "client.event"]

    def stop(self) -> int:
        """SIGINT (as Ctrl-C), SIGKILL if it lingers; the exit status. Closes the pipes."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
            return self.process.wait()
        finally:
            self.out.join()
            self.err.join()
            for pipe in (self.process.stdout, self.process.stderr):
                if pipe is not None:
                    pipe.close()
