"""Readiness as a file, not a log line: written atomically once a process serves.

A serving process writes a small JSON record (its pid and start time, the URL it
serves, when it started, details of its own) with :func:`write_ready` once every
listener accepts connections, and removes it on a clean stop (:func:`remove_ready`).
Writing goes through a temporary file, ``fsync`` and ``rename`` in the same
directory, so a reader sees either no file or a whole one, never half of one.

A process killed with SIGKILL leaves its file behind; :func:`read_ready` recognises
such a stale file: the pid no longer runs, or runs a process that started at another
time (the pid was reused). Supervisors, ``scripts/start.sh`` and the test harnesses
all wait with :func:`wait_ready` instead of reading logs.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import msgspec

POLL_SECONDS = 0.02
_START_FIELD = 19  # starttime (field 22) after pid, comm: state is index 0


class ReadyRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What a ready file says."""

    pid: int
    process_start: int | None
    """The pid's start time in clock ticks after boot (``/proc/PID/stat``); ``None``
    where the system does not say. Tells a reused pid from the writer."""
    url: str
    started_at: str
    """UTC, ISO 8601, when the process became ready."""
    details: dict[str, str | int | float | bool] = {}


class NotReady(Exception):
    """The process did not become ready in time, or exited first."""


def process_start(pid: int) -> int | None:
    """When ``pid`` started (ticks after boot), ``None`` if it does not run or the
    system does not say (no ``/proc``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 of proc(5), counted after the command name (which may hold spaces).
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) <= _START_FIELD or fields[0] == "Z":
        return None
    return int(fields[_START_FIELD])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, as another user
    return True


def write_ready(path: Path, url: str, details: dict[str, str | int | float | bool] | None = None
                ) -> ReadyRecord:
    """Write this process's ready file atomically (temp file, fsync, rename)."""
    pid = os.getpid()
    record = ReadyRecord(pid=pid, process_start=process_start(pid), url=url,
                         started_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
                         details=dict(details or {}))
    temp = path.with_name(f".{path.name}.{pid}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(msgspec.json.format(msgspec.json.encode(record), indent=2) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_directory(path.parent)
    return record


def _sync_directory(directory: Path) -> None:
    # The rename is durable once the directory is: a supervisor that reads the file
    # after a power cut must not find the old one.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_ready(path: Path) -> None:
    """Remove the ready file if this process wrote it (never another process's)."""
    record = _load(path)
    if record is not None and record.pid == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _load(path: Path) -> ReadyRecord | None:
    try:
        return msgspec.json.decode(path.read_bytes(), type=ReadyRecord)
    except (OSError, msgspec.DecodeError):
        return None


def read_ready(path: Path) -> ReadyRecord | None:
    """The ready file's record if its process still runs; ``None`` if there is no
    file, it cannot be read, or it is stale (its process is gone, its pid reused)."""
    record = _load(path)
    if record is None:
        return None
    if record.process_start is not None:  # also false for a zombie: it has exited
        return record if process_start(record.pid) == record.process_start else None
    return record if _alive(record.pid) else None


def wait_ready(path: Path, *, timeout: float, pid: int | None = None,
               running: Callable[[], bool] | None = None) -> ReadyRecord:
    """Wait for a live ready file (written by ``pid``, if given).

    ``running`` says whether the process is still worth waiting for (for a child:
    ``lambda: child.poll() is None``); once it says no, :class:`NotReady` is raised.
    """
    deadline = time.monotonic() + timeout
    while True:
        record = read_ready(path)
        if record is not None and (pid is None or record.pid == pid):
            return record
        if running is not None and not running():
            raise NotReady(f"the process exited before it wrote {path}")
        if time.monotonic() > deadline:
            raise NotReady(f"no ready file {path} within {timeout:.0f} s")
        time.sleep(POLL_SECONDS)
