"""``hero-assistance-client doctor`` (issue 19, point 7): no daemon, loose permissions, a
project that does not answer, and a server whose clock is off — each with what to do."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hero_assistance.apps.client.followed import FollowedProjects

from .server_harness import ServerProcess, free_port

DEVICE = "127.0.0.95"


def _doctor(config: Path, *args: str, env: dict[str, str] | None = None
            ) -> tuple[int, list[str]]:
    done = subprocess.run(  # noqa: S603 - our own program
        [sys.executable, "-m", "hero_assistance.apps.client.cli", "--config-dir", str(config),
         "--socket", str(config.parent / "client.sock"), *args, "doctor"],
        capture_output=True, text=True, check=False, timeout=60,
        env=env or dict(os.environ))
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout.splitlines()


def _loopback(config: Path) -> tuple[int, list[str]]:
    return _doctor(config, "--overlay", "loopback", "--device", DEVICE)


def _after(lines: list[str], start: str) -> tuple[str, str]:
    at = next(i for i, line in enumerate(lines) if line.startswith(start))
    return lines[at], lines[at + 1] if at + 1 < len(lines) else ""


def test_a_followed_server_that_answers_with_the_same_time_is_fine(
        server: ServerProcess, tmp_path: Path) -> None:
    config = tmp_path / "config"
    FollowedProjects(config).add("acme", server.base_url)
    code, lines = _loopback(config)
    assert code == 0, lines
    assert _after(lines, "ok   project acme:")[0].endswith("answers (HTTP 200)")
    assert _after(lines, "ok   clock acme: within 60 s")
    assert lines[-1] == "no problems found"


class _SkewedHandler(BaseHTTPRequestHandler):
    """Answers project.info like a server whose clock is ten minutes behind."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = b'{"jsonrpc":"2.0","id":1,"result":{"name":"Skewed"}}'
        self.send_response(200)  # adds Date from date_time_string()
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The server's clock: 600 s behind."""
        return formatdate((timestamp or time.time()) - 600, usegmt=True)

    def log_message(self, *_args: object) -> None:
        """Quiet."""


@pytest.fixture
def skewed_server() -> Iterator[int]:
    """A stand-in project server whose clock is ten minutes behind this machine's."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SkewedHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)


def test_a_server_clock_ten_minutes_off_is_a_problem(skewed_server: int, tmp_path: Path) -> None:
    config = tmp_path / "config"
    FollowedProjects(config).add("skewed", f"http://127.0.0.1:{skewed_server}")
    code, lines = _loopback(config)
    assert code == 1
    problem, advice = _after(lines, "FAIL clock skewed:")
    assert any(f"this machine's clock is {s} s ahead of the server's" in problem
               for s in (599, 600, 601)), problem
    assert "timedatectl set-ntp true" in advice


def test_a_project_that_does_not_answer_is_a_problem(tmp_path: Path) -> None:
    config = tmp_path / "config"
    FollowedProjects(config).add("gone", f"http://127.0.0.1:{free_port()}")
    code, lines = _loopback(config)
    assert code == 1
    problem, advice = _after(lines, "FAIL project gone:")
    assert "does not answer" in problem
    assert "check that the server runs" in advice


def test_no_mycelium_daemon_and_no_program_is_a_problem(tmp_path: Path) -> None:
    env = dict(os.environ, PATH=str(tmp_path / "empty-bin"))  # no mycelium to start
    code, lines = _doctor(tmp_path / "config", "--mycelium-api",
                          f"http://127.0.0.1:{free_port()}", env=env)
    assert code == 1
    problem, advice = _after(lines, "FAIL mycelium:")
    assert "no daemon answers at http://127.0.0.1:" in problem
    assert "install mycelium" in advice


def test_a_config_directory_others_can_read_is_a_problem(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir(mode=0o755)
    config.chmod(0o755)
    code, lines = _loopback(config)
    assert code == 1
    problem, advice = _after(lines, "FAIL config directory:")
    assert "mode 755" in problem
    assert advice == f"     -> chmod 700 {config}"
