"""What the machine is, and what a process costs: CPU time and resident memory."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

_TICKS = os.sysconf("SC_CLK_TCK")
_PACKAGES = ("uvicorn", "litestar", "msgspec", "websockets", "httptools", "uvloop")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_bytes() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def describe() -> dict[str, Any]:
    """CPU, cores, RAM, OS, Python, SQLite and the server stack's versions."""
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(_memory_bytes() / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "packages": {name: _package_version(name) for name in _PACKAGES},
        "load_average_at_start": load_average(),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the ")" that ends the command name, utime and stime are fields 12 and 13.
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_bytes(pid: int) -> int:
    """Resident set size of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _busy_jiffies() -> int:
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return user + nice + system + irq + softirq + steal


def _session_jiffies(session: int) -> int:
    """CPU of every process of ``session``, with the children they have reaped."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # field 6 of stat: the session id
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total


class ForeignLoad:
    """CPU that processes outside this benchmark used, per phase, sampled in a thread.

    The benchmark, its server and its load generators share one session; everything
    else on the machine (other people's test suites) is foreign. A run whose phases
    saw foreign CPU is noisy, and says so in its results.
    """

    def __init__(self, every: float = 0.5) -> None:
        self._every = every
        self._session = os.getsid(0)
        self._phase = "start"
        self._seconds: dict[str, float] = {}
        self._foreign: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="foreign-load")

    def __enter__(self) -> ForeignLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def phase(self, name: str) -> None:
        """Attribute the samples from now on to ``name``."""
        self._phase = name

    def cores(self) -> dict[str, float]:
        """Mean foreign CPU of each phase, in cores."""
        return {phase: round(self._foreign[phase] / seconds, 2)
                for phase, seconds in self._seconds.items() if seconds > 0}

    def _run(self) -> None:
        busy, own = _busy_jiffies(), _session_jiffies(self._session)
        last = time.monotonic()
        while not self._stop.wait(self._every):
            now_busy, now_own = _busy_jiffies(), _session_jiffies(self._session)
            now = time.monotonic()
            foreign = max(0, (now_busy - busy) - (now_own - own)) / _TICKS
            phase = self._phase
            self._seconds[phase] = self._seconds.get(phase, 0.0) + now - last
            self._foreign[phase] = self._foreign.get(phase, 0.0) + foreign
            busy, own, last = now_busy, now_own, now
