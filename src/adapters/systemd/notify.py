"""sd_notify in a few lines: one datagram per state change to ``$NOTIFY_SOCKET`` (D-22).

systemd starts a ``Type=notify`` service with ``NOTIFY_SOCKET`` naming a Unix datagram
socket (a path, or an abstract name written with a leading ``@``) and, when the unit has
``WatchdogSec=``, with ``WATCHDOG_USEC`` (and ``WATCHDOG_PID``). The service sends
``READY=1`` once it serves, ``WATCHDOG=1`` more often than every ``WATCHDOG_USEC``
and ``STOPPING=1`` when it begins to stop. Without ``NOTIFY_SOCKET`` every call is a
no-op, so the programs behave the same outside systemd.

The watchdog pings come from a task on the program's event loop: a loop that is
wedged (a blocking call, a busy handler that never yields) stops pinging, and systemd
restarts the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Mapping

_log = logging.getLogger(__name__)


class ServiceNotifier:
    """Tells the service manager about this process; silent when there is none."""

    def __init__(self, environ: Mapping[str, str] | None = None, *, pid: int | None = None) -> None:
        """Read the protocol's variables from ``environ`` (default: the process's)."""
        env = os.environ if environ is None else environ
        self._address = _socket_address(env.get("NOTIFY_SOCKET", ""))
        self._watchdog = _watchdog_seconds(env, os.getpid() if pid is None else pid)
        self._keep_alive: asyncio.Task[None] | None = None
        self._failed = False

    @classmethod
    def from_environment(cls) -> ServiceNotifier:
        """The notifier of this process; the variables are removed from the environment
        so that child processes (a supervised mycelium daemon) do not inherit them."""
        notifier = cls(dict(os.environ))
        for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
            os.environ.pop(name, None)
        return notifier

    @property
    def enabled(self) -> bool:
        """Whether a service manager listens."""
        return self._address is not None

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between pings (half the manager's timeout), or ``None``: no watchdog."""
        return None if self._watchdog is None or self._address is None else self._watchdog / 2

    def ready(self, status: str = "") -> None:
        """The service serves now; start the watchdog pings on the running loop."""
        self._send("READY=1" + (f"\nSTATUS={status}" if status else ""))
        interval = self.watchdog_interval
        if interval is not None and self._keep_alive is None:
            self._keep_alive = asyncio.get_running_loop().create_task(
                self._ping_every(interval), name="systemd-watchdog")

    def status(self, text: str) -> None:
        """A one-line status ``systemctl status`` shows."""
        self._send(f"STATUS={text}")

    def stopping(self) -> None:
        """The service begins to stop; the watchdog pings end."""
        if self._keep_alive is not None:
            self._keep_alive.cancel()
            self._keep_alive = None
        self._send("STOPPING=1")

    async def _ping_every(self, interval: float) -> None:
        while True:
            self._send("WATCHDOG=1")
            await asyncio.sleep(interval)

    def _send(self, message: str) -> None:
        if self._address is None:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self._address)
                sock.sendall(message.encode())
        except OSError as exc:
            if not self._failed:  # say it once; the service keeps serving
                _log.warning("cannot notify the service manager at %s: %s",
                             self._address, exc)
            self._failed = True

    async def aclose(self) -> None:
        """Stop pinging (without telling the manager anything)."""
        task, self._keep_alive = self._keep_alive, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _socket_address(value: str) -> str | None:
    if not value:
        return None
    if value.startswith("@"):
        return "\0" + value[1:]  # Linux abstract namespace
    if value.startswith("/"):
        return value
    _log.warning("ignoring NOTIFY_SOCKET %r: neither a path nor an abstract name", value)
    return None


def _watchdog_seconds(env: Mapping[str, str], pid: int) -> float | None:
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    owner = env.get("WATCHDOG_PID", "")
    if usec <= 0 or (owner and owner != str(pid)):
        return None  # the watchdog is meant for another process of the unit
    return usec / 1_000_000
