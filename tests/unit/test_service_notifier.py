"""sd_notify datagrams (adapters/systemd): addresses, watchdog variables, silence."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from pathlib import Path

from hero_assistance.adapters.systemd import ServiceNotifier


def _receiver(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(5)
    return sock


def test_an_abstract_socket_name_with_at_is_reached_in_the_abstract_namespace() -> None:
    name = f"hero-assistance-test-{uuid.uuid4().hex}"
    with _receiver("\0" + name) as sock:
        ServiceNotifier({"NOTIFY_SOCKET": "@" + name}).status("hello")
        assert sock.recv(100) == b"STATUS=hello"


def test_a_path_socket_gets_ready_with_the_status(tmp_path: Path) -> None:
    path = tmp_path / "n.sock"
    with _receiver(str(path)) as sock:
        notifier = ServiceNotifier({"NOTIFY_SOCKET": str(path)})

        async def main() -> None:
            notifier.ready("serving x")
            await notifier.aclose()

        asyncio.run(main())
        assert sock.recv(100) == b"READY=1\nSTATUS=serving x"


def test_without_a_manager_everything_is_silent() -> None:
    notifier = ServiceNotifier({})
    assert not notifier.enabled
    assert notifier.watchdog_interval is None
    notifier.status("nobody listens")
    notifier.stopping()


def test_a_socket_that_is_gone_never_breaks_the_service(tmp_path: Path) -> None:
    notifier = ServiceNotifier({"NOTIFY_SOCKET": str(tmp_path / "missing.sock")})
    notifier.status("one")
    notifier.status("two")  # logged once, never raised


def test_the_watchdog_interval_is_half_the_timeout_for_this_process_only() -> None:
    env = {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000"}
    assert ServiceNotifier(env).watchdog_interval == 15.0
    assert ServiceNotifier(env | {"WATCHDOG_PID": str(os.getpid())}).watchdog_interval == 15.0
    assert ServiceNotifier(env | {"WATCHDOG_PID": "1"}, pid=2).watchdog_interval is None
    assert ServiceNotifier(env | {"WATCHDOG_USEC": "soon"}).watchdog_interval is None
    assert ServiceNotifier({"WATCHDOG_USEC": "30000000"}).watchdog_interval is None
    assert ServiceNotifier({"NOTIFY_SOCKET": "relative"}).enabled is False


def test_a_wedged_event_loop_stops_the_watchdog_pings(tmp_path: Path) -> None:
    path = tmp_path / "w.sock"
    arrivals: list[float] = []
    with _receiver(str(path)) as sock:
        sock.settimeout(0.05)

        def listen() -> None:
            while not done.is_set():
                try:
                    if sock.recv(100) == b"WATCHDOG=1":
                        arrivals.append(time.monotonic())
                except TimeoutError:
                    continue

        done = threading.Event()
        thread = threading.Thread(target=listen)
        thread.start()
        notifier = ServiceNotifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "100000"})

        async def main() -> tuple[float, float]:
            notifier.ready()
            await asyncio.sleep(0.5)  # healthy: a ping every 50 ms
            wedged_at = time.monotonic()
            time.sleep(1.0)  # noqa: ASYNC251 - the point: a handler that blocks the loop
            wedged_until = time.monotonic()
            await asyncio.sleep(0.2)
            await notifier.aclose()
            return wedged_at, wedged_until

        wedged_at, wedged_until = asyncio.run(main())
        done.set()
        thread.join(5)
    before = [t for t in arrivals if t < wedged_at]
    during = [t for t in arrivals if wedged_at + 0.05 < t < wedged_until]
    assert len(before) >= 3, arrivals
    assert during == [], "a blocked loop must not look alive to systemd"
