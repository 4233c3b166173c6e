"""One real server process: ``hero-assistance-server`` as an operator runs it.

``init`` makes the data directory (loopback overlay), the benchmark edits two
settings in ``server.json`` (``synchronous`` and the per-device write limit), and
``serve --benchmark`` runs it with the bench.* probes. Nothing else differs from
production serving: the same uvicorn setup of ``runtime.py``, the same listener.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from hero_assistance.adapters.serving import read_ready
from hero_assistance.apps.server.config import READY_FILE

from . import machine

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
BENCH_WRITE_LIMIT = 100_000  # per device and minute: the highest the config accepts


def server_command(source: Path | None = None) -> list[str]:
    """The installed console script next to this interpreter, else ``python -m``.

    ``source`` runs the server of another checkout's ``src`` instead (before/after
    comparisons with the same harness): it is imported as ``hero_assistance`` through a
    symbolic link in a temporary directory put first on ``sys.path``.
    """
    if source is not None:
        shim = Path(tempfile.mkdtemp(prefix="hero-bench-src-"))
        atexit.register(shutil.rmtree, shim, ignore_errors=True)
        (shim / "hero_assistance").symlink_to(source.resolve(), target_is_directory=True)
        code = (f"import sys; sys.path.insert(0, {str(shim)!r}); "
                "from hero_assistance.apps.server.cli import main; sys.exit(main())")
        return [sys.executable, "-c", code]
    script = Path(sys.executable).with_name("hero-assistance-server")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "hero_assistance.apps.server.cli"]


def free_port(host: str = HOST) -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def init_data_dir(data_dir: Path, *, name: str, port: int, synchronous: str) -> None:
    """``init`` a loopback project, then set ``synchronous`` and the write limit."""
    command = [*server_command(), "--data-dir", str(data_dir), "init", name,
               "--overlay", "loopback", "--port", str(port)]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - our own script
    configure(data_dir, synchronous=synchronous)


def configure(data_dir: Path, *, synchronous: str) -> dict[str, Any]:
    """Benchmark settings in ``server.json``; returns the whole configuration."""
    path = data_dir / "server.json"
    config = json.loads(path.read_text())
    config["synchronous"] = synchronous
    # 64 connections are 64 devices, each far under this limit; the default (240 a
    # minute) would refuse almost every write of a throughput run.
    config["write_limit_per_minute"] = BENCH_WRITE_LIMIT
    path.write_text(json.dumps(config, indent=2) + "\n")
    return dict(config)


def _environment() -> dict[str, str]:
    # Output is drained from a pipe; unbuffered, an older server's "ready:" line (see
    # _wait_ready) does not wait in a block buffer.
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


class ServerProcess:
    """``serve --benchmark`` as a child process; a context manager that stops it."""

    def __init__(self, data_dir: Path, port: int, command: list[str] | None = None) -> None:
        self.data_dir = data_dir
        self._command = command or server_command()
        self.port = port
        self.host = HOST
        self._log_path = data_dir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self._process is not None  # noqa: S101 - started in __enter__
        return self._process.pid

    def cpu_seconds(self) -> float:
        """CPU time of the server (every thread) so far."""
        return machine.cpu_seconds(self.pid)

    def rss_bytes(self) -> int:
        """The server's resident memory now."""
        return machine.rss_bytes(self.pid)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, for error messages."""
        try:
            return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Self:
        self._log = self._log_path.open("ab")
        command = [*self._command, "--data-dir", str(self.data_dir), "serve",
                   "--benchmark", "--port", str(self.port), "--log-level", "warning"]
        self._process = subprocess.Popen(  # noqa: S603 - our own console script
            command, stdout=subprocess.PIPE, stderr=self._log, env=_environment())
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self) -> None:
        """Until the server's ``ready.json`` names this process.

        A server of another checkout (``--server-src``) may predate the ready file; for
        it alone the ``ready:`` line it prints is taken instead.
        """
        assert self._process is not None  # noqa: S101
        assert self._process.stdout is not None  # noqa: S101
        stdout = self._process.stdout
        said_ready = threading.Event()

        def watch() -> None:
            for line in stdout:
                if line.startswith(b"ready:"):
                    said_ready.set()
            # Keep draining so the server never blocks on a full pipe.

        threading.Thread(target=watch, daemon=True, name="server-stdout").start()
        ready_file = self.data_dir / READY_FILE
        foreign = self._command != server_command()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            record = read_ready(ready_file)
            if record is not None and record.pid == self._process.pid:
                return
            if foreign and said_ready.is_set():
                return
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{self.log_tail()}")
            time.sleep(0.02)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None
