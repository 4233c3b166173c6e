"""Readiness is a file, and the log is one line per record (issue 12, point 11).

``serve`` writes ``ready.json`` into its data directory once both listeners accept,
removes it on a clean stop, and a file left by a killed server is recognised as
stale. Its output, stdout and stderr in one file as a supervisor or ``start.sh``
collects them, is one record per line: the ``ready:`` line stands alone, never glued
to a log record written at the same moment.
"""

from __future__ import annotations

import re
import signal
import socket
from pathlib import Path

import httpx

from hero_assistance.adapters.serving import read_ready
from hero_assistance.apps.server import cli
from hero_assistance.apps.server.config import READY_FILE
from tests.support.processes import Child, start_server, wait_gone

from .server_harness import free_port, run_cli_in_process

RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
                    r"(DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: \S")


def _project(root: Path) -> tuple[Path, int]:
    data_dir, port = root / "data", free_port()
    code, _, err = run_cli_in_process(data_dir, "init", "Ready project", "--overlay",
                                      "loopback", "--port", str(port))
    assert code == cli.EXIT_OK, err
    return data_dir, port


def _serve(data_dir: Path, log: Path) -> Child:
    return start_server(data_dir, log)


def test_ready_file_while_serving_and_gone_after_a_clean_stop(tmp_path: Path) -> None:
    data_dir, port = _project(tmp_path)
    server = _serve(data_dir, tmp_path / "server.log")
    try:
        url = server.wait_ready()
        record = read_ready(data_dir / READY_FILE)
        assert record is not None
        assert url == record.url == f"http://127.0.0.1:{port}/rpc"
        assert record.pid == server.pid
        assert record.details["overlay"] == "loopback"
        assert record.details["admin_socket"] == str(data_dir / "admin.sock")
        answer = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "project.info"},
                            timeout=10, trust_env=False).json()
        assert answer["result"]["name"] == "Ready project"  # ready means it answers
    finally:
        assert server.stop() == 0
    assert not (data_dir / READY_FILE).exists()
    lines = server.output().splitlines()
    assert f"ready: http://127.0.0.1:{port}/rpc" in lines
    for line in lines:  # one record per line, whoever wrote it
        assert RECORD.match(line) or line == f"ready: http://127.0.0.1:{port}/rpc", line


def test_a_killed_server_leaves_a_stale_file_that_the_next_one_replaces(
        tmp_path: Path) -> None:
    data_dir, _ = _project(tmp_path)
    first = _serve(data_dir, tmp_path / "first.log")
    try:
        first.wait_ready()
    finally:
        first.process.send_signal(signal.SIGKILL)
        first.wait()
    assert wait_gone(first.pid)
    assert (data_dir / READY_FILE).exists()  # SIGKILL: nobody removed it ...
    assert read_ready(data_dir / READY_FILE) is None  # ... but it is recognised as stale
    second = _serve(data_dir, tmp_path / "second.log")
    try:
        second.wait_ready()
        record = read_ready(data_dir / READY_FILE)
        assert record is not None
        assert record.pid == second.pid
    finally:
        assert second.stop() == 0


def test_a_server_that_cannot_listen_never_says_it_is_ready(tmp_path: Path) -> None:
    data_dir, port = _project(tmp_path)
    with socket.create_server(("127.0.0.1", port)):  # the port is taken
        server = _serve(data_dir, tmp_path / "server.log")
        code = server.wait()
    assert code == cli.EXIT_REFUSED
    assert not (data_dir / READY_FILE).exists()
    output = server.output()
    assert f"error: cannot listen on http://127.0.0.1:{port}: Address already in use" in output
    assert "ready:" not in output
    assert "Traceback" not in output
