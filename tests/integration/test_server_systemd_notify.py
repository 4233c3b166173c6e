"""The real server under a pretend service manager: ``NOTIFY_SOCKET`` names a datagram
socket this test listens on (issue 19, point 3)."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.integration.server_harness import child_environment, free_port, server_command

pytestmark = pytest.mark.slow

WATCHDOG_USEC = 1_000_000  # the server pings every 0.5 s
DEADLINE = 30.0


@dataclass
class ServiceManager:
    """Receives sd_notify datagrams, each with the monotonic time it arrived."""

    path: Path
    sock: socket.socket
    received: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ready_file: Path | None = None
    ready_file_at_ready: bool | None = None  # did it exist when READY=1 arrived?

    def listen(self) -> None:
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            message = data.decode()
            if "READY=1" in message.splitlines() and self.ready_file is not None:
                self.ready_file_at_ready = self.ready_file.exists()
            with self.lock:
                self.received.append((time.monotonic(), message))

    def messages(self) -> list[tuple[float, str]]:
        with self.lock:
            return list(self.received)

    def wait_for(self, line: str, process: subprocess.Popen[bytes]) -> float:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            for at, message in self.messages():
                if line in message.splitlines():
                    return at
            assert process.poll() is None or line == "STOPPING=1", "the server exited"
            time.sleep(0.01)
        raise AssertionError(f"no {line} within {DEADLINE} s: {self.messages()}")


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[ServiceManager]:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    listening = ServiceManager(path, sock)
    thread = threading.Thread(target=listening.listen, daemon=True)
    thread.start()
    yield listening
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()
    thread.join(5)


def _init(tmp_path: Path) -> tuple[Path, int]:
    data, port = tmp_path / "data", free_port()
    done = subprocess.run(  # noqa: S603 - our own console script
        [*server_command(), "--data-dir", str(data), "init", "Notify", "--overlay", "loopback",
         "--port", str(port)], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    return data, port


def test_ready_after_the_listener_accepts_watchdog_at_the_interval_stopping_on_sigterm(
        tmp_path: Path, manager: ServiceManager) -> None:
    data, port = _init(tmp_path)
    manager.ready_file = data / "ready.json"
    env = child_environment() | {"NOTIFY_SOCKET": str(manager.path),
                                 "WATCHDOG_USEC": str(WATCHDOG_USEC)}
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [*server_command(), "--data-dir", str(data), "serve"], stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        manager.wait_for("READY=1", process)
        # The same moment as the ready file (D-13): written just before READY=1 is sent.
        assert manager.ready_file_at_ready is True
        # READY=1 is only sent once both listeners accept: the first request after it
        # is answered, with no retry.
        answer = httpx.post(f"http://127.0.0.1:{port}/rpc", timeout=10,
                            json={"jsonrpc": "2.0", "id": 1, "method": "project.info"})
        assert answer.json()["result"]["name"] == "Notify"
        assert (data / "admin.sock").exists()
        ready_message = next(m for _, m in manager.messages() if "READY=1" in m)
        assert f"STATUS=serving http://127.0.0.1:{port}/rpc" in ready_message

        deadline = time.monotonic() + DEADLINE
        while sum(m == "WATCHDOG=1" for _, m in manager.messages()) < 8:
            assert time.monotonic() < deadline, manager.messages()
            time.sleep(0.05)
        pings = [at for at, m in manager.messages() if m == "WATCHDOG=1"]
        gaps = [b - a for a, b in itertools.pairwise(pings)]
        # Half of WATCHDOG_USEC apart (0.5 s); the median is robust to a loaded machine.
        assert 0.4 <= statistics.median(gaps) <= 0.75, gaps
        assert max(gaps) < WATCHDOG_USEC / 1_000_000, gaps  # systemd would not kill it

        process.send_signal(signal.SIGTERM)
        assert process.wait(DEADLINE) == 0
        manager.wait_for("STOPPING=1", process)
        stopping_at = next(at for at, m in manager.messages() if m == "STOPPING=1")
        assert not [m for at, m in manager.messages() if at > stopping_at], \
            "no watchdog ping after STOPPING=1"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_no_watchdog_pings_when_the_watchdog_belongs_to_another_process(
        tmp_path: Path, manager: ServiceManager) -> None:
    data, port = _init(tmp_path)
    env = child_environment() | {"NOTIFY_SOCKET": str(manager.path),
                                 "WATCHDOG_USEC": str(WATCHDOG_USEC),
                                 "WATCHDOG_PID": str(os.getpid())}  # not the server's pid
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [*server_command(), "--data-dir", str(data), "serve"], stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        ready_at = manager.wait_for("READY=1", process)
        while time.monotonic() < ready_at + 1.0:
            time.sleep(0.05)
        assert [m for _, m in manager.messages() if m == "WATCHDOG=1"] == []
        httpx.post(f"http://127.0.0.1:{port}/rpc", timeout=10,
                   json={"jsonrpc": "2.0", "id": 1, "method": "project.info"})
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(DEADLINE) == 0


@pytest.mark.parametrize("command", ["serve", "ui"])
def test_the_client_service_and_the_tab_say_ready_and_stopping(
        tmp_path: Path, manager: ServiceManager, command: str) -> None:
    socket_path = tmp_path / "client.sock"
    argv = [sys.executable, "-m", "hero_assistance.apps.client.cli", "--config-dir",
            str(tmp_path / "config"), "--socket", str(socket_path), "--overlay", "loopback",
            "--device", "127.0.0.97", "--no-service", command]
    if command == "ui":
        argv += ["--port", str(free_port())]
    manager.ready_file = tmp_path / "ready.json"
    argv += ["--ready-file", str(manager.ready_file)]
    env = child_environment() | {"NOTIFY_SOCKET": str(manager.path),
                                 "WATCHDOG_USEC": str(WATCHDOG_USEC)}
    with (tmp_path / "client.log").open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                   stdin=subprocess.DEVNULL, env=env)
    try:
        manager.wait_for("READY=1", process)
        # The same moment as the ready file (D-13): written just before READY=1 is sent.
        assert manager.ready_file_at_ready is True
        if command == "serve":
            assert socket_path.exists()  # ready only once the service socket is there
        manager.wait_for("WATCHDOG=1", process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(DEADLINE) == 0, (tmp_path / "client.log").read_text()
        manager.wait_for("STOPPING=1", process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
