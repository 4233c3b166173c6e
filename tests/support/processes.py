"""Child processes for the mycelium tests: output to a file, readiness from a ready file.

A project server says it is ready by writing ``ready.json`` into its data directory
(``hero_assistance.adapters.serving.readiness``); the helpers wait for that file, never
for a line in the output.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hero_assistance.adapters.serving import NotReady, wait_ready
from hero_assistance.apps.server.config import READY_FILE

SUPPORT = Path(__file__).resolve().parent
STANDIN = SUPPORT / "mycelium_standin.py"
FAKE_MYCELIUM = SUPPORT / "fake_mycelium"
START_TIMEOUT = 20.0


class ChildFailed(Exception):
    """A child process exited, or did not say what was expected in time."""


@dataclass
class Child:
    """A running child whose stdout and stderr go to ``log``."""

    process: subprocess.Popen[bytes]
    log: Path
    ready_file: Path | None = None

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def output(self) -> str:
        """Everything the child wrote so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        """The first match of ``pattern`` in the output; fails if the child exits first."""
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(pattern, self.output(), re.MULTILINE)
            if match:
                return match
            if self.process.poll() is not None:
                raise ChildFailed(f"exited with {self.process.returncode} before "
                                  f"{pattern!r}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise ChildFailed(f"no {pattern!r} within {timeout} s:\n{self.output()}")
            time.sleep(0.02)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> str:
        """The URL a server serves, once its ready file is there; fails if it exits."""
        assert self.ready_file is not None, "not started as a server"
        try:
            record = wait_ready(self.ready_file, timeout=timeout,
                                running=lambda: self.process.poll() is None)
        except NotReady as exc:
            raise ChildFailed(f"{exc} (exit code {self.process.poll()}):\n{self.output()}"
                              ) from None
        return record.url

    def wait(self, timeout: float = START_TIMEOUT) -> int:
        """The exit status, waiting up to ``timeout`` seconds."""
        return self.process.wait(timeout)

    def stop(self, grace: float = 10.0) -> int:
        """SIGTERM, SIGKILL after ``grace``; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


def start(argv: list[str], log: Path, *, env: dict[str, str] | None = None,
          ready_file: Path | None = None) -> Child:
    """Start ``argv`` with its output in ``log``."""
    with log.open("wb") as output:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output,  # noqa: S603
                                   stderr=subprocess.STDOUT, env=env)
    return Child(process, log, ready_file)


def start_standin(log: Path, *, listen: str = "127.0.0.1:0", prefix: tuple[str, ...] = (),
                  options: tuple[str, ...] = ()) -> tuple[Child, dict[str, str]]:
    """The stand-in script as a process; its bound addresses from the readiness line."""
    child = start([*prefix, sys.executable, str(STANDIN), "--listen", listen, *options], log)
    try:
        line = child.wait_for(r"^\{.*\}$").group(0)
    except BaseException:
        child.stop()
        raise
    return child, json.loads(line)


def pid_alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    """Whether ``pid`` disappears within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def server_command() -> list[str]:
    """``hero-assistance-server`` of this interpreter's environment."""
    return [sys.executable, "-m", "hero_assistance.apps.server.cli"]


def child_environment(**extra: str) -> dict[str, str]:
    """The test's environment plus ``extra``."""
    return {**os.environ, **extra}


def start_server(data_dir: Path, log: Path, *args: str,
                 prefix: tuple[str, ...] = ()) -> Child:
    """``hero-assistance-server --data-dir DATA serve ARGS`` (in a namespace: ``prefix``)."""
    return start([*prefix, *server_command(), "--data-dir", str(data_dir), "serve", *args], log,
                 ready_file=data_dir / READY_FILE)


def terminate(process: subprocess.Popen[Any], timeout: float = 10.0) -> int:
    """SIGTERM, then SIGKILL after ``timeout`` seconds; the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()
