"""``scripts/start.sh`` never fails by chance (issue 12, point 11).

It used to find the server's URL by parsing a "ready:" line out of a log that uvicorn
(through Litestar's logging thread) wrote to as well; two of five fresh starts read
``ready: http://…/rpcINFO - …`` and gave up. Readiness is now a file each process
writes atomically. This runs ``start.sh`` 20 times under CPU load (two busy loops on
a two-core machine): a fresh start, then re-runs with everything up, and every third
run after ``stop.sh`` (so the server and the tabs start again), in a temporary demo
directory on free ports (``HERO_ASSISTANCE_DEMO_DIR``, ``HERO_ASSISTANCE_DEMO_PORT``),
so that it never meets a developer's demo or another test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hero_assistance.adapters.serving import read_ready
from tests.support.processes import pid_alive

from .server_harness import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RUNS = 20
STOP_EVERY = 3  # run 4, 7, 10, ... come after stop.sh
RUN_TIMEOUT = 60.0
BUSY_LOOPS = 2


@contextlib.contextmanager
def cpu_load(processes: int) -> Iterator[None]:
    """``processes`` busy loops for the duration, stopped by their PIDs afterwards."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(processes)]
    try:
        yield
    finally:
        for process in busy:
            process.kill()
            process.wait()


def _script(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(ROOT / "scripts" / name)], cwd=ROOT,  # noqa: S603, S607
                          env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          check=False, stdin=subprocess.DEVNULL)


def _recorded_pids(state: Path) -> list[int]:
    return [int(path.read_text()) for path in (state / "pids").glob("*.pid")]


def _environment(state: Path, port: int) -> dict[str, str]:
    # The client's and the demo's own settings of whoever runs the tests stay out;
    # HERO_ASSISTANCE_VENV (which environment start.sh uses) is kept.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("HERO_ASSISTANCE_") or key == "HERO_ASSISTANCE_VENV"}
    return {**env, "HERO_ASSISTANCE_DEMO_DIR": str(state),
            "HERO_ASSISTANCE_DEMO_PORT": str(port), "HERO_ASSISTANCE_DEMO_OVERLAY": "loopback"}


def test_start_sh_twenty_times_under_cpu_load(tmp_path: Path) -> None:
    state = tmp_path / "demo"
    port = free_port()
    env = _environment(state, port)
    outcomes: list[str] = []
    try:
        with cpu_load(BUSY_LOOPS):
            for run in range(1, RUNS + 1):
                kind = "fresh" if run == 1 else "rerun"
                if run > 1 and run % STOP_EVERY == 1:
                    stopped = _script("stop.sh", env)
                    assert stopped.returncode == 0, stopped.stderr
                    kind = "after stop.sh"
                started = _script("start.sh", env)
                outcomes.append(f"{run} {kind}: {started.returncode}")
                assert started.returncode == 0, (outcomes, started.stdout, started.stderr)
                _check_running(state, port, started.stdout)
    finally:
        stopped = _script("stop.sh", env)
        for pid in _recorded_pids(state) if (state / "pids").exists() else []:
            if pid_alive(pid):  # stop.sh failed: clean up by PID, then fail below
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
    assert stopped.returncode == 0, stopped.stderr
    assert not list((state / "pids").glob("*.pid"))
    assert read_ready(state / "project" / "ready.json") is None
    assert not (state / "project" / "ready.json").exists()  # a clean stop removes it


def _check_running(state: Path, port: int, stdout: str) -> None:
    assert "hero_assistance demo is running (loopback overlay)" in stdout, stdout
    server = f"http://127.0.0.1:{port}"
    assert f"project server   {server}/rpc" in stdout, stdout
    record = read_ready(state / "project" / "ready.json")
    assert record is not None
    assert record.url == f"{server}/rpc"
    info = httpx.post(record.url, json={"jsonrpc": "2.0", "id": 1, "method": "project.info"},
                      timeout=10, trust_env=False).json()
    assert info["result"]["name"] == "Demo project", info
    tabs = re.findall(r"Support tab\s+(http://127\.0\.0\.1:\d+/)\s+\((agent|customer)\)",
                      stdout)
    assert [who for _, who in tabs] == ["agent", "customer"], stdout
    for url, who in tabs:
        states = httpx.post(f"{url}rpc", json={"jsonrpc": "2.0", "id": 1,
                                               "method": "client.projects"},
                            timeout=10, trust_env=False).json()["result"]
        assert [s["label"] for s in states] == ["demo"], (who, states)
        assert states[0]["bound"], (who, states)
    ports = json.loads((state / "ports.json").read_text())
    assert ports["server"] == port


def test_stop_sh_with_nothing_running_says_so(tmp_path: Path) -> None:
    result = _script("stop.sh", _environment(tmp_path / "nothing", free_port()))
    assert result.returncode == 0
    assert "nothing to stop" in result.stdout


def test_the_demo_refuses_an_unknown_overlay(tmp_path: Path) -> None:
    env = {**_environment(tmp_path / "demo", free_port()),
           "HERO_ASSISTANCE_DEMO_OVERLAY": "carrier-pigeon"}
    result = _script("start.sh", env)
    try:
        assert result.returncode == 1
        assert "HERO_ASSISTANCE_DEMO_OVERLAY" in result.stderr
    finally:
        _script("stop.sh", env)

