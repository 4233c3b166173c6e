"""Linux network namespaces for tests: made, used and always deleted by the test.

Every namespace is private to one test, so the traffic its processes send never
leaves it (or the veth pair that joins it to another test namespace).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


class NamespaceError(Exception):
    """An ``ip`` command failed."""


def ip(*args: str) -> str:
    """Run ``ip ARGS`` and return its output; raises ``NamespaceError``."""
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)  # noqa: S603, S607
    if result.returncode != 0:
        raise NamespaceError(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def why_no_namespaces() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is missing"
    return None


@dataclass(frozen=True)
class Namespace:
    """One network namespace, named ``name``."""

    name: str

    def ip(self, *args: str) -> str:
        """``ip -n NAME ARGS``."""
        return ip("-n", self.name, *args)

    def prefix(self) -> tuple[str, ...]:
        """The argv prefix that runs a program inside the namespace."""
        return ("ip", "netns", "exec", self.name)

    def run(self, *argv: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run a program inside the namespace to completion."""
        return subprocess.run([*self.prefix(), *argv], capture_output=True, text=True,  # noqa: S603
                              check=False, timeout=timeout)

    def listening(self) -> list[str]:
        """Local addresses of TCP listeners (``ss -ltnH``), as ``addr:port``."""
        out = self.run("ss", "-ltnH").stdout
        return [line.split()[3] for line in out.splitlines() if line.strip()]


@contextmanager
def namespaces(*roles: str) -> Iterator[list[Namespace]]:
    """Fresh namespaces ``hs-ROLE-RAND`` with lo up; deleted on exit, whatever happened."""
    tag = secrets.token_hex(3)
    made: list[Namespace] = []
    try:
        for role in roles:
            space = Namespace(f"hs-{role}-{tag}")
            ip("netns", "add", space.name)
            made.append(space)
            space.ip("link", "set", "lo", "up")
        yield made
    finally:
        for space in made:
            subprocess.run(["ip", "netns", "del", space.name], capture_output=True,  # noqa: S603, S607
                           check=False)


def join(left: Namespace, right: Namespace) -> tuple[str, str]:
    """A veth pair between two namespaces, both ends up; the interface names."""
    tag = secrets.token_hex(3)
    a, b = f"hsv{tag}a", f"hsv{tag}b"
    ip("link", "add", a, "netns", left.name, "type", "veth", "peer", "name", b,
       "netns", right.name)
    left.ip("link", "set", a, "up")
    right.ip("link", "set", b, "up")
    return a, b


def add_address(space: Namespace, interface: str, cidr: str) -> None:
    """An address usable at once (no duplicate address detection wait)."""
    space.ip("addr", "add", cidr, "dev", interface, "nodad")


def make_bridge(space: Namespace) -> str:
    """A bridge inside ``space``, up, with MLD snooping off (neighbour discovery floods)."""
    name = f"hsbr{secrets.token_hex(3)}"
    space.ip("link", "add", name, "type", "bridge", "mcast_snooping", "0")
    space.ip("link", "set", name, "up")
    return name


def plug(host: Namespace, switch: Namespace, bridge: str) -> str:
    """A veth pair from ``host`` to a port of ``bridge`` in ``switch``; the host's end."""
    host_end, port = join(host, switch)
    switch.ip("link", "set", port, "master", bridge)
    return host_end
