"""The local demo behind scripts/start.sh and scripts/stop.sh.

``start``: a demo project in ``.hero_assistance/`` (ignored by git) with a demo agent
and a demo customer, the project server (mycelium when a daemon answers, otherwise
the loopback overlay), each demo device signed in through a real sign-in email (read
from the project's outbox), and a Support tab per device. Running it again reuses what
exists and starts only what is not running. ``stop``: stops every process it recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from email import policy
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".hero_assistance"
PROJECT_DIR = STATE / "project"
PIDS = STATE / "pids"
LOGS = STATE / "logs"
PORTS_FILE = STATE / "ports.json"
BIN = Path(sys.executable).parent
SERVER = str(BIN / "hero-assistance-server")
CLIENT = str(BIN / "hero-assistance-client")
MYCELIUM_API = "http://127.0.0.1:8990"
PROJECT_LABEL = "demo"
WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class DemoPerson:
    """A demo user and the device that signs in for them."""

    key: str
    email: str
    name: str
    role: str
    device: str  # loopback device address (ignored on mycelium)
    preferred_port: int


PEOPLE = (
    DemoPerson("agent", "agent@example.com", "Demo Agent", "agent", "127.0.0.21", 7341),
    DemoPerson("customer", "customer@example.com", "Demo Customer", "customer",
               "127.0.0.22", 7342),
)


def say(text: str) -> None:
    """Progress for the person running the demo."""
    print(text, flush=True)


def fail(text: str) -> None:
    """Stop the demo with a message."""
    print(f"error: {text}", file=sys.stderr, flush=True)
    raise SystemExit(1)


# -- processes ------------------------------------------------------------------------

def _pid_file(name: str) -> Path:
    return PIDS / f"{name}.pid"


def running_pid(name: str) -> int | None:
    """The recorded process of ``name`` if it is still alive."""
    try:
        pid = int(_pid_file(name).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def spawn(name: str, argv: list[str]) -> None:
    """Start a detached process, logging to ``logs/NAME.log``, and record its PID."""
    LOGS.mkdir(parents=True, exist_ok=True)
    PIDS.mkdir(parents=True, exist_ok=True)
    with (LOGS / f"{name}.log").open("ab") as log:
        child = subprocess.Popen(  # noqa: S603 - our own entry points
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=ROOT,
        )
    _pid_file(name).write_text(f"{child.pid}\n")


def stop_all() -> int:
    """SIGTERM every recorded process, SIGKILL what outlives 10 s; forget the PIDs."""
    if not PIDS.exists():
        say("nothing to stop")
        return 0
    for pid_file in sorted(PIDS.glob("*.pid")):
        name = pid_file.stem
        pid = running_pid(name)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while running_pid(name) is not None and time.monotonic() < deadline:
                time.sleep(0.1)
            if running_pid(name) is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
            say(f"stopped {name} (pid {pid})")
        pid_file.unlink()
    return 0


def run(argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one of our commands and return its output."""
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT,  # noqa: S603
                          stdin=subprocess.DEVNULL, check=False)
    if check and done.returncode != 0:
        fail(f"{' '.join(argv[1:])} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done


def wait_for(what: str, probe: Any, timeout: float = WAIT_SECONDS) -> Any:
    """Poll ``probe()`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, OSError, ValueError):
            result = probe()
            if result:
                return result
        time.sleep(0.2)
    fail(f"{what} did not answer within {timeout:.0f} s (see {LOGS})")
    return None


# -- ports and overlay -----------------------------------------------------------------

def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on ``host:port``."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def choose_ports() -> dict[str, int]:
    """The ports recorded by an earlier run, or free ones near the defaults."""
    with contextlib.suppress(FileNotFoundError, ValueError):
        return dict(json.loads(PORTS_FILE.read_text()))
    ports: dict[str, int] = {}
    wanted = {"server": 7330, **{p.key: p.preferred_port for p in PEOPLE}}
    for name, preferred in wanted.items():
        port = preferred
        while not port_is_free(port) or port in ports.values():
            port += 1
        ports[name] = port
    STATE.mkdir(parents=True, exist_ok=True)
    PORTS_FILE.write_text(json.dumps(ports, indent=2) + "\n")
    return ports


def mycelium_answers() -> bool:
    """Whether a mycelium daemon answers getInfo on its default API address."""
    try:
        reply = httpx.post(MYCELIUM_API, timeout=1.0,
                           json={"jsonrpc": "2.0", "id": 1, "method": "getInfo", "params": []})
        return "result" in reply.json()
    except (httpx.HTTPError, ValueError):
        return False


# -- the demo ---------------------------------------------------------------------------

def server_url() -> str:
    """The project server's URL from its ready line (it knows its overlay address)."""
    log = (LOGS / "server.log").read_text(errors="replace")
    ready = [line for line in log.splitlines() if line.startswith("ready: ")]
    if not ready:
        return ""
    return ready[-1].removeprefix("ready: ").removesuffix("/rpc").strip()


def ensure_server(ports: dict[str, int]) -> tuple[str, str]:
    """Create and start the project server; its URL and overlay name."""
    overlay = "mycelium" if mycelium_answers() else "loopback"
    if not (PROJECT_DIR / "server.json").exists():
        run([SERVER, "--data-dir", str(PROJECT_DIR), "init", "Demo project",
             "--overlay", overlay, "--port", str(ports["server"]),
             "--sender", "support@example.com"])
    config = json.loads((PROJECT_DIR / "server.json").read_text())
    overlay = config["overlay"]
    if running_pid("server") is None:
        say(f"starting the project server on the {overlay} overlay"
            + ("" if overlay == "mycelium" else
               " (no mycelium daemon answers on 127.0.0.1:8990; loopback is for demos)"))
        (LOGS / "server.log").unlink(missing_ok=True)
        spawn("server", [SERVER, "--data-dir", str(PROJECT_DIR), "serve"])
    url = wait_for("the project server", server_url)
    wait_for("the project server", lambda: httpx.post(
        f"{url}/rpc", json={"jsonrpc": "2.0", "id": 1, "method": "project.info"},
        timeout=2.0).json().get("result"))
    return str(url), str(overlay)


def ensure_enrolled() -> None:
    """Enroll the demo people who are not enrolled yet."""
    users = json.loads(run([SERVER, "--data-dir", str(PROJECT_DIR), "users", "--json"]).stdout)
    known = {user["email"] for user in users}
    for person in PEOPLE:
        if person.email not in known:
            run([SERVER, "--data-dir", str(PROJECT_DIR), "enroll", person.email,
                 "--role", person.role, "--name", person.name])
            say(f"enrolled {person.email} as {person.role}")


def client_argv(person: DemoPerson, overlay: str) -> list[str]:
    """The client command line of one demo device."""
    argv = [CLIENT, "--config-dir", str(STATE / person.key), "--overlay", overlay,
            "--no-service"]
    if overlay == "loopback":
        argv += ["--device", person.device]
    return argv


def newest_code_for(address: str, after: float) -> str:
    """The sign-in code of the newest email to ``address`` written after ``after``."""
    outbox = PROJECT_DIR / "outbox"
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        if path.stat().st_mtime < after:
            break
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] != address:
            continue
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        for line in text.splitlines():
            if "enter this code" in line:
                return line.rsplit(" ", 1)[-1].strip()
    return ""


def ensure_device(person: DemoPerson, url: str, overlay: str) -> None:
    """Follow the project from this device and sign it in if it is not yet."""
    argv = client_argv(person, overlay)
    projects = json.loads(run([*argv, "--json", "projects"]).stdout or "[]")
    states = projects if isinstance(projects, list) else projects.get("projects", [])
    mine = next((s for s in states if s.get("label") == PROJECT_LABEL), None)
    if mine is None:
        run([*argv, "follow", url, "--label", PROJECT_LABEL])
    elif mine.get("bound"):
        return
    asked_at = time.time() - 1
    run([*argv, "enroll", person.email, "--project", PROJECT_LABEL,
         "--device-label", f"demo {person.key}"])
    code = wait_for(f"the sign-in email of {person.email}",
                    lambda: newest_code_for(person.email, asked_at), timeout=10)
    run([*argv, "enroll", person.email, "--project", PROJECT_LABEL, "--code", code])
    say(f"signed in the {person.key}'s device")


def ensure_tab(person: DemoPerson, overlay: str, port: int) -> str:
    """Serve the Support tab of one device; its URL."""
    name = f"tab-{person.key}"
    if running_pid(name) is None:
        spawn(name, [*client_argv(person, overlay), "ui", "--port", str(port)])
    tab = f"http://127.0.0.1:{port}/"
    wait_for(f"the {person.key}'s Support tab",
             lambda: httpx.get(tab, timeout=2.0).status_code == 200)
    return tab


def start() -> int:
    """Bring the whole demo up; exit 0 once everything answers."""
    ports = choose_ports()
    url, overlay = ensure_server(ports)
    ensure_enrolled()
    people = PEOPLE if overlay == "loopback" else PEOPLE[:1]
    tabs = {}
    for person in people:
        ensure_device(person, url, overlay)
        tabs[person.key] = ensure_tab(person, overlay, ports[person.key])
    say("")
    say(f"hero_assistance demo is running ({overlay} overlay)")
    say(f"  project server   {url}/rpc   (OpenRPC: rpc.discover)")
    for key, tab in tabs.items():
        say(f"  Support tab      {tab}   ({key})")
    if overlay == "mycelium":
        say("  (one mycelium node is one device: only the agent's tab runs on this host)")
    say(f"  sign-in emails   {PROJECT_DIR / 'outbox'}/*.eml")
    say(f"  logs             {LOGS}/")
    say("stop it with: bash scripts/stop.sh")
    return 0


def main() -> int:
    """``demo.py start|stop``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["start", "stop"])
    args = parser.parse_args()
    return start() if args.action == "start" else stop_all()


if __name__ == "__main__":
    sys.exit(main())
