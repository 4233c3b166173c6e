"""``hero-assistance-client`` as a real process: one device's workspace, optionally
with its local service running.

A :class:`Workspace` is one device (a loopback address) with its own config
directory and socket path. Every command runs the installed console script with the
global options spelled out, exactly as a person or a script would; ``serve`` runs the
service as a child process until the workspace is closed.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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
        return ["--config-dir", str(self.config_dir), "--socket", str(self.socket),
                "--overlay", "loopback", "--device", self.device]

    def argv(self, *args: str) -> list[str]:
        """The full command line of ``hero-assistance-client ARGS``."""
        return [*client_command(), *self.options(), *args]

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

    def spawn(self, *args: str, stdin: int | None = subprocess.DEVNULL
              ) -> subprocess.Popen[bytes]:
        """A command left running (``watch``, an ``enroll`` that waits for its code)."""
        return subprocess.Popen(  # noqa: S603 - our own console script
            self.argv(*args), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=child_environment())

    # -- the local service ------------------------------------------------------------

    def start_service(self) -> None:
        """``serve`` in the background; returns once it printed ``ready:``."""
        assert self.service is None
        log_path = self.root / "service.log"
        self._service_log = log_path.open("wb")
        self.service = subprocess.Popen(  # noqa: S603 - our own console script
            self.argv("serve"), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._service_log, env=child_environment())
        assert self.service.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        line = self.service.stdout.readline().decode()
        if line.strip() != f"ready: unix:{self.socket}" or time.monotonic() > deadline:
            code = self.stop_service()
            raise AssertionError(f"serve printed {line!r} and exited {code}:\n"
                                 f"{log_path.read_text(errors='replace')}")

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
            self._lines.put(raw.decode())
        self._lines.put(None)
