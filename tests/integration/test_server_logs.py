"""What the real server writes to its log (issue 19, point 4): one JSON object per line
with ``--log-format json``, and no line twice (uvicorn's start lines were)."""

from __future__ import annotations

import json
import signal
import subprocess
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.integration.server_harness import child_environment, free_port, server_command
from tests.support.processes import Child

pytestmark = pytest.mark.slow


def _serve(tmp_path: Path, *args: str) -> tuple[Child, int]:
    data, port = tmp_path / "data", free_port()
    subprocess.run([*server_command(), "--data-dir", str(data), "init", "Logs",  # noqa: S603
                    "--overlay", "loopback", "--port", str(port)], check=True,
                   capture_output=True)
    log = tmp_path / "server.err"
    with log.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603
            [*server_command(), "--data-dir", str(data), "serve", *args],
            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL,
            env=child_environment())
    child = Child(process, log)
    child.wait_for("serving the loopback overlay")
    httpx.post(f"http://127.0.0.1:{port}/rpc", timeout=10,
               json={"jsonrpc": "2.0", "id": 1, "method": "project.info"})
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
    return child, port


def test_json_logs_are_one_object_per_line_and_no_record_twice(tmp_path: Path) -> None:
    child, port = _serve(tmp_path, "--log-format", "json")
    lines = child.output().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(records[0])
    messages = Counter((r["logger"], r["message"]) for r in records)
    assert [m for m, n in messages.items() if n > 1] == []
    assert messages[("hero_assistance.server",
                     f"serving the loopback overlay on http://127.0.0.1:{port}")] == 1


def test_text_logs_write_no_line_twice(tmp_path: Path) -> None:
    child, _port = _serve(tmp_path)
    # Drop the timestamp (date and time); what is left must be unique.
    bodies = Counter(line.split(" ", 2)[2] for line in child.output().splitlines())
    assert [b for b, n in bodies.items() if n > 1] == []
    assert not any("Started server process" in body for body in bodies)
