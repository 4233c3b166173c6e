"""Client-side supervision: reuse a running mycelium daemon, or run one for the client.

``supervised_node`` first asks the configured API (URL or Unix socket), then the
default one; a daemon that answers ``getInfo`` is reused and left alone. Otherwise it
starts ``mycelium`` from PATH with the app's own key, data directory, ports and TUN
name, waits until it answers, and stops it when the context exits (SIGTERM, then
SIGKILL). The child also gets ``PR_SET_PDEATHSIG``, so it dies with the client even
when the client is killed without a chance to clean up.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from ._process import DaemonPorts, output_tail, pick_ports, spawn, stop
from .api import DEFAULT_API, MyceliumApi, parse_endpoint
from .errors import DaemonStartFailed, DaemonUnreachable, MyceliumError, MyceliumNotInstalled
from .node import NodeInfo

_log = logging.getLogger(__name__)
KEY_FILE = "priv_key.bin"
LOG_FILE = "mycelium.log"
INSTALL_URL = "https://github.com/threefoldtech/mycelium/releases"
_START_ATTEMPTS = 3


def default_base_dir() -> Path:
    """``$XDG_DATA_HOME/hero_assistance/mycelium`` (``~/.local/share/…`` by default)."""
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "hero_assistance" / "mycelium"


@dataclass(frozen=True, slots=True, kw_only=True)
class DaemonOptions:
    """How to find or start the daemon.

    ``api``: a daemon the user pointed at (URL or Unix socket), asked first.
    ``base_dir``: the app's daemon directory (key file, log); ``default_base_dir()``
    when None. ``tun_name``: a fresh ``hamyc-…`` name per start when None.
    """

    api: str | None = None
    default_api: str = DEFAULT_API
    base_dir: Path | None = None
    peers: tuple[str, ...] = ()
    program: str = "mycelium"
    tun_name: str | None = None
    tun: bool = True
    peer_discovery: bool = True
    probe_timeout: float = 2.0
    start_timeout: float = 30.0
    stop_timeout: float = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class MyceliumNode:
    """A daemon the client uses; ``pid`` is set when this process started it."""

    endpoint: str
    info: NodeInfo
    pid: int | None = None
    key_file: Path | None = None

    @property
    def started_here(self) -> bool:
        """Whether the supervisor started (and will stop) this daemon."""
        return self.pid is not None


@asynccontextmanager
async def supervised_node(options: DaemonOptions | None = None) -> AsyncIterator[MyceliumNode]:
    """A daemon that answers for the duration of the context (reused or started)."""
    options = options or DaemonOptions()
    tried: list[str] = []
    running = await find_running_node(options, tried)
    if running is not None:
        yield running
        return
    program = shutil.which(options.program)
    if program is None:
        raise MyceliumNotInstalled(
            f"no mycelium daemon answers ({'; '.join(tried)}) and no {options.program!r} "
            f"program is on PATH. Install mycelium from {INSTALL_URL} and put the binary on "
            "PATH, or point hero_assistance at a running daemon with --mycelium-api URL "
            "(or a Unix socket path such as unix:///run/mycelium/api.sock)")
    base = options.base_dir or default_base_dir()
    _private_directory(base)
    process, node = await _start(program, base, options)
    try:
        _log.info("started mycelium (pid %s) as node %s", process.pid, node.info.address)
        yield node
    finally:
        await stop(process, options.stop_timeout)
        _log.info("stopped mycelium (pid %s)", process.pid)


async def find_running_node(options: DaemonOptions,
                            tried: list[str] | None = None) -> MyceliumNode | None:
    """The first of the configured and the default API that answers ``getInfo``."""
    candidates = [options.api] if options.api else []
    candidates += [options.default_api] if options.default_api not in candidates else []
    for endpoint in candidates:
        parse_endpoint(endpoint)  # a malformed address is a configuration error
        try:
            async with MyceliumApi(endpoint, timeout=options.probe_timeout) as api:
                info = await api.node_info()
        except MyceliumError as exc:
            _log.info("no usable mycelium daemon at %s: %s", endpoint, exc)
            if tried is not None:
                tried.append(str(exc))
            continue
        _log.info("using the running mycelium daemon at %s (node %s)", endpoint, info.address)
        return MyceliumNode(endpoint=endpoint, info=info)
    return None


def daemon_arguments(program: str, key_file: Path, ports: DaemonPorts,
                     options: DaemonOptions) -> list[str]:
    """The command line of a daemon started for this app."""
    tun_name = options.tun_name or f"hamyc-{secrets.token_hex(3)}"
    argv = [program, "--key-file", str(key_file),
            "--api-addr", f"127.0.0.1:{ports.api}",
            "--jsonrpc-addr", f"127.0.0.1:{ports.jsonrpc}",
            "--tcp-listen-port", str(ports.peering),
            "--quic-listen-port", str(ports.peering),
            "--tun-name", tun_name]
    if not options.tun:
        argv.append("--no-tun")
    if not options.peer_discovery:
        argv.append("--disable-peer-discovery")
    if options.peers:
        argv += ["--peers", *options.peers]  # last: clap reads values up to the next flag
    return argv


async def _start(program: str, base: Path,
                 options: DaemonOptions) -> tuple[asyncio.subprocess.Process, MyceliumNode]:
    key_file, log = base / KEY_FILE, base / LOG_FILE
    for attempt in range(1, _START_ATTEMPTS + 1):
        ports = pick_ports()
        try:
            process = await spawn(daemon_arguments(program, key_file, ports, options),
                                  cwd=base, log=log)
        except OSError as exc:
            raise DaemonStartFailed(f"could not run {program}: {exc}") from exc
        endpoint = f"http://127.0.0.1:{ports.jsonrpc}"
        try:
            info = await _wait_until_answering(process, endpoint, options.start_timeout, log)
        except DaemonStartFailed:
            await stop(process, options.stop_timeout)
            # Another program may take a chosen port between choice and bind: retry.
            if attempt < _START_ATTEMPTS and "in use" in output_tail(log).lower():
                continue
            raise
        except BaseException:
            await stop(process, options.stop_timeout)
            raise
        _private_key_file(key_file)
        return process, MyceliumNode(endpoint=endpoint, info=info, pid=process.pid,
                                     key_file=key_file)
    raise AssertionError("unreachable")  # pragma: no cover


async def _wait_until_answering(process: asyncio.subprocess.Process, endpoint: str,
                                within: float, log: Path) -> NodeInfo:
    deadline = time.monotonic() + within
    async with MyceliumApi(endpoint, timeout=1.0) as api:
        while True:
            if process.returncode is not None:
                raise DaemonStartFailed(
                    f"mycelium exited with status {process.returncode} before its API "
                    f"answered; its last output ({log}):\n{output_tail(log)}")
            try:
                return await api.node_info()
            except DaemonUnreachable:
                if time.monotonic() > deadline:
                    raise DaemonStartFailed(
                        f"mycelium did not answer at {endpoint} within {within:g} s; its "
                        f"last output ({log}):\n{output_tail(log)}") from None
                await asyncio.sleep(0.05)


def _private_directory(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def _private_key_file(path: Path) -> None:
    if path.exists():
        path.chmod(0o600)
    else:
        _log.warning("mycelium answers but wrote no key file at %s", path)
