"""Starting and stopping a ``mycelium`` child process, and choosing its ports."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class DaemonPorts:
    """The ports one started daemon uses; none of them is a system daemon's default."""

    api: int
    jsonrpc: int
    peering: int  # TCP and QUIC (UDP) peer listener, like the daemon's default 9651


def pick_ports() -> DaemonPorts:
    """Ports free right now: two loopback TCP ports, one TCP+UDP port on every address.

    The kernel hands out ephemeral ports, so a daemon already on 8989/8990/9651 is never
    collided with. The sockets are held until all are chosen, so the ports differ.
    """
    with contextlib.ExitStack() as held:
        api = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        api.bind((_LOOPBACK, 0))
        jsonrpc = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        jsonrpc.bind((_LOOPBACK, 0))
        peering = _peering_port(held)
        return DaemonPorts(api=api.getsockname()[1], jsonrpc=jsonrpc.getsockname()[1],
                           peering=peering)


def _peering_port(held: contextlib.ExitStack) -> int:
    family, wildcard = (socket.AF_INET6, "::") if socket.has_ipv6 else (socket.AF_INET, "")
    for _ in range(50):
        tcp = held.enter_context(socket.socket(family, socket.SOCK_STREAM))
        try:
            tcp.bind((wildcard, 0))
        except OSError:  # no IPv6 on this host after all
            family, wildcard = socket.AF_INET, ""
            continue
        port = int(tcp.getsockname()[1])
        udp = held.enter_context(socket.socket(family, socket.SOCK_DGRAM))
        try:
            udp.bind((wildcard, port))
        except OSError:
            continue
        return port
    raise OSError("found no port free for both TCP and UDP")


def _child_setup(parent: int) -> Callable[[], None]:
    """Runs in the child between fork and exec: private files, and die with the parent."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None

    def setup() -> None:
        os.umask(0o077)  # the key file the daemon writes is the owner's only
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)

    return setup


async def spawn(argv: list[str], *, cwd: Path, log: Path) -> asyncio.subprocess.Process:
    """Start ``argv`` in ``cwd`` with its output in ``log`` (0600, rewritten each start)."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as output:
        return await asyncio.create_subprocess_exec(
            *argv, cwd=cwd, stdin=asyncio.subprocess.DEVNULL, stdout=output,
            stderr=asyncio.subprocess.STDOUT, close_fds=True,
            # preexec_fn is the only hook that runs in the child before exec, where
            # PR_SET_PDEATHSIG must be set; it is small and calls no Python locks.
            preexec_fn=_child_setup(os.getpid()),
        )


async def stop(process: asyncio.subprocess.Process, grace: float) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; returns once the child is reaped."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
    try:
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()  # cancelled while waiting: never leave the daemon behind
        raise


def output_tail(log: Path, lines: int = 20) -> str:
    """The last lines the daemon wrote, for an error message."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no output)"
    tail = text.strip().splitlines()[-lines:]
    return "\n".join(tail) if tail else "(no output)"
