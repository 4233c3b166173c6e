"""``hero-assistance-client doctor``: this device's set-up checked, each problem with what
to do — the mycelium daemon and address, the config directory and service socket, disk
space, and for each followed project whether it answers and how far its clock is off.

Clock skew matters: sign-in links expire after minutes and presence after a heartbeat
timeout, both judged by the server's clock. The server's HTTP ``Date`` header is compared
with this machine's clock (to the second, which is all the header says).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from ...adapters.mycelium import DEFAULT_API, MyceliumApi, MyceliumError
from .._checks import Finding, private, report
from .followed import FollowedProjects
from .runtime import ClientOptions

MAX_SKEW_SECONDS = 60.0
LOW_DISK_BYTES = 64 * 1024 * 1024
REACH_TIMEOUT = 10.0


def _files(options: ClientOptions) -> list[Finding]:
    found = []
    config = options.config_dir
    if config.exists():
        found.append(private(config, mode=0o700, what="config directory"))
    else:
        found.append(Finding("config directory", ok=True, detail=f"{config} (not created yet)"))
    if options.socket_path.exists():
        found.append(private(options.socket_path, mode=0o600, what="service socket"))
    else:
        found.append(Finding("service socket", ok=True, detail="the local service is not "
                             "running (every command then opens the library itself)"))
    where = config if config.exists() else config.parent
    while not where.exists():
        where = where.parent
    free = shutil.disk_usage(where).free
    if free < LOW_DISK_BYTES:
        found.append(Finding("disk", ok=False, detail=f"only {free // 2**20} MiB free",
                             advice=f"free space on the disk of {where}"))
    else:
        found.append(Finding("disk", ok=True, detail=f"{free // 2**20} MiB free"))
    return found


async def _overlay(options: ClientOptions) -> tuple[Finding, str | None]:
    """The overlay finding and the address outgoing sockets bind to (loopback only)."""
    if options.overlay == "loopback":
        if not options.device:
            return Finding("overlay", ok=False, detail="loopback overlay without a device "
                           "address", advice="pass --device 127.x.y.z"), None
        return Finding("overlay", ok=True, detail=f"loopback device {options.device} "
                       "(demos and tests only)"), options.device
    endpoint = options.mycelium_api or DEFAULT_API
    try:
        async with MyceliumApi(endpoint) as api:
            info = await api.node_info()
    except MyceliumError as exc:
        if shutil.which("mycelium"):
            return Finding("mycelium", ok=True, detail=f"no daemon answers at {endpoint} "
                           f"({exc}); the client starts mycelium from PATH itself"), None
        return Finding("mycelium", ok=False, detail=f"no daemon answers at {endpoint} and "
                       "no mycelium program is on PATH",
                       advice="install mycelium and run it as a service (docs/deploy.md), or "
                       "point --mycelium-api at a running daemon"), None
    return Finding("mycelium", ok=True, detail=f"daemon at {endpoint}, this device is "
                   f"{info.address}"), None


async def _project(label: str, url: str, bind: str | None) -> list[Finding]:
    transport = httpx.AsyncHTTPTransport(local_address=bind, verify=False, retries=0)
    try:
        async with httpx.AsyncClient(transport=transport, timeout=REACH_TIMEOUT) as http:
            sent = time.time()
            answer = await http.post(f"{url}/rpc", json={"jsonrpc": "2.0", "id": 1,
                                                        "method": "project.info"})
            received = time.time()
    except httpx.HTTPError as exc:
        return [Finding(f"project {label}", ok=False, detail=f"{url} does not answer: "
                        f"{exc or type(exc).__name__}",
                        advice="check that the server runs and that this device's overlay "
                        "reaches it (hero-assistance-client projects)")]
    found = [Finding(f"project {label}", ok=answer.status_code == 200,
                     detail=f"{url} answers (HTTP {answer.status_code})")]
    date = answer.headers.get("date")
    if date is None:
        found.append(Finding(f"clock {label}", ok=True, detail="the server sends no Date"))
        return found
    server_time = parsedate_to_datetime(date).timestamp()
    # The header has whole seconds, taken somewhere between sending and receiving.
    skew = 0.0
    if server_time < sent - 1:
        skew = server_time - sent
    elif server_time > received + 1:
        skew = server_time - received
    if abs(skew) > MAX_SKEW_SECONDS:
        side = "behind" if skew > 0 else "ahead of"
        found.append(Finding(f"clock {label}", ok=False,
                             detail=f"this machine's clock is {abs(skew):.0f} s {side} the "
                             "server's",
                             advice="turn on time synchronisation on both machines "
                             "(timedatectl set-ntp true); sign-in codes and presence use "
                             "the server's clock"))
    else:
        found.append(Finding(f"clock {label}", ok=True, detail=f"within {MAX_SKEW_SECONDS:.0f}"
                             f" s of the server's (off by {abs(skew):.0f} s)"))
    return found


async def diagnose(options: ClientOptions) -> list[Finding]:
    """Every check of this device and its followed projects."""
    found = await asyncio.to_thread(_files, options)
    overlay, bind = await _overlay(options)
    found.append(overlay)
    try:
        followed = await asyncio.to_thread(FollowedProjects(options.config_dir).load)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is reported, not raised
        found.append(Finding("followed projects", ok=False, detail=str(exc),
                             advice="fix or remove the file it names"))
        return found
    if not followed:
        found.append(Finding("followed projects", ok=True, detail="none yet "
                             "(hero-assistance-client follow ADDRESS)"))
    for project in followed:
        found += await _project(project.label, project.server, bind)
    return found


def run_doctor(options: ClientOptions, say: Callable[[str], None]) -> int:
    """Print every finding with what to do about each problem; 1 if there is any."""
    return report(asyncio.run(diagnose(options)), say)
