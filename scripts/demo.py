"""The local demo behind scripts/start.sh and scripts/stop.sh.

``start``: a demo project in ``.hero_assistance/`` (ignored by git) with a demo agent
and a demo customer, the project server (mycelium when a daemon answers, otherwise
the loopback overlay), each demo device signed in through a real sign-in email (read
from the project's outbox), and a Support tab per device. Running it again reuses what
exists and starts only what is not running. ``stop``: stops every process it recorded.

Whether a process is ready is read from the ready file it writes (the server's
``ready.json`` in its data directory, each tab's ``--ready-file``), never from its log.

Environment (all optional): ``HERO_ASSISTANCE_DEMO_DIR`` (where the demo's state
lives; default ``.hero_assistance/`` in the repository), ``HERO_ASSISTANCE_DEMO_PORT``
(the server's port, default 7330; the tabs take PORT+11 and PORT+12, or the next free
ones), ``HERO_ASSISTANCE_DEMO_OVERLAY`` (``loopback`` or ``mycelium``; default: mycelium
when a daemon answers on 127.0.0.1:8990).
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

from hero_assistance.adapters.serving import read_ready
from hero_assistance.apps.server.admin_client import AdminClient, AdminError, ServerNotRunning

ROOT = Path(__file__).resolve().parents[1]
STATE = Path(os.environ.get("HERO_ASSISTANCE_DEMO_DIR") or ROOT / ".hero_assistance").resolve()
BASE_PORT = int(os.environ.get("HERO_ASSISTANCE_DEMO_PORT") or 7330)
OVERLAY = os.environ.get("HERO_ASSISTANCE_DEMO_OVERLAY", "")
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
POLL_SECONDS = 0.05


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
    DemoPerson("agent", "agent@example.com", "Demo Agent", "agent", "127.0.0.21",
               BASE_PORT + 11),
    DemoPerson("customer", "customer@example.com", "Demo Customer", "customer",
               "127.0.0.22", BASE_PORT + 12),
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
    with contextlib.suppress(OSError):  # an exited child of ours that is not reaped yet
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
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
    stopping: dict[str, int] = {}
    for pid_file in sorted(PIDS.glob("*.pid")):
        pid = running_pid(pid_file.stem)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            stopping[pid_file.stem] = pid
    deadline = time.monotonic() + 10  # all of them stop at once, each within 10 s
    while any(running_pid(name) is not None for name in stopping) and (
            time.monotonic() < deadline):
        time.sleep(POLL_SECONDS)
    for name, pid in stopping.items():
        if running_pid(name) is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        say(f"stopped {name} (pid {pid})")
    for pid_file in PIDS.glob("*.pid"):
        pid_file.unlink()
    return 0


def run(argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one of our commands and return its output."""
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT,  # noqa: S603
                          stdin=subprocess.DEVNULL, check=False)
    if check and done.returncode != 0:
        fail(f"{' '.join(argv[1:])} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done


def wait_for(what: str, probe: Any, timeout: float = WAIT_SECONDS,
             process: str | None = None) -> Any:
    """Poll ``probe()`` until it returns something truthy (fail early if ``process``,
    a recorded name, exits meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, OSError, ValueError):
            result = probe()
            if result:
                return result
        if process is not None and running_pid(process) is None:
            fail(f"{what} exited (see {LOGS / (process + '.log')})")
        time.sleep(POLL_SECONDS)
    fail(f"{what} did not answer within {timeout:.0f} s (see {LOGS})")
    return None


def ready_url(path: Path, process: str) -> str:
    """The URL in ``path`` if the recorded process ``process`` wrote it and runs."""
    record = read_ready(path)
    return record.url if record is not None and record.pid == running_pid(process) else ""


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
    wanted = {"server": BASE_PORT, **{p.key: p.preferred_port for p in PEOPLE}}
    for name, preferred in wanted.items():
        port = preferred
        while not port_is_free(port) or port in ports.values():
            port += 1
        ports[name] = port
    STATE.mkdir(parents=True, exist_ok=True)
    PORTS_FILE.write_text(json.dumps(ports, indent=2) + "\n")
    return ports


def demo_overlay() -> str:
    """The overlay a new demo project uses (``HERO_ASSISTANCE_DEMO_OVERLAY`` decides)."""
    if OVERLAY in ("loopback", "mycelium"):
        return OVERLAY
    if OVERLAY:
        fail(f"HERO_ASSISTANCE_DEMO_OVERLAY is {OVERLAY!r}: say loopback or mycelium")
    return "mycelium" if mycelium_answers() else "loopback"


def mycelium_answers() -> bool:
    """Whether a mycelium daemon answers getInfo on its default API address."""
    try:
        reply = httpx.post(MYCELIUM_API, timeout=1.0,
                           json={"jsonrpc": "2.0", "id": 1, "method": "getInfo", "params": []})
        return "result" in reply.json()
    except (httpx.HTTPError, ValueError):
        return False


# -- the demo ---------------------------------------------------------------------------
# Only the server and the tabs are processes; everything else is a call on what runs:
# the operator's methods on the server's admin socket, each device's on its own tab
# (the client service behind the Support tab). No command is started to ask a question.

def ensure_server(ports: dict[str, int]) -> tuple[str, str]:
    """Create and start the project server; its URL and overlay name."""
    if not (PROJECT_DIR / "server.json").exists():
        run([SERVER, "--data-dir", str(PROJECT_DIR), "init", "Demo project",
             "--overlay", demo_overlay(), "--port", str(ports["server"]),
             "--sender", "support@example.com"])
    config = json.loads((PROJECT_DIR / "server.json").read_text())
    overlay = config["overlay"]
    if running_pid("server") is None:
        say(f"starting the project server on the {overlay} overlay"
            + ("" if overlay == "mycelium" or OVERLAY else
               " (no mycelium daemon answers on 127.0.0.1:8990; loopback is for demos)"))
        (LOGS / "server.log").unlink(missing_ok=True)
        spawn("server", [SERVER, "--data-dir", str(PROJECT_DIR), "serve"])
    # The server writes ready.json once it listens (it knows its overlay address).
    url = wait_for("the project server",
                   lambda: ready_url(PROJECT_DIR / "ready.json", "server"), process="server")
    return str(url).removesuffix("/rpc"), str(overlay)


def ensure_enrolled() -> None:
    """Enroll the demo people who are not enrolled yet (as the operator)."""
    try:
        with AdminClient(PROJECT_DIR, timeout=WAIT_SECONDS) as admin:
            known = {user["email"] for user in admin.call("user.list")}
            for person in PEOPLE:
                if person.email not in known:
                    admin.call("user.enroll", {"email": person.email, "role": person.role,
                                               "display_name": person.name})
                    say(f"enrolled {person.email} as {person.role}")
    except (AdminError, ServerNotRunning) as exc:
        fail(f"enrolling the demo people: {exc}")


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


def tab_call(tab: str, method: str, params: dict[str, Any] | None = None) -> Any:
    """A method of a device's client service, on its tab's ``/rpc`` (as a local program
    of this user calls it)."""
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        request["params"] = params
    try:
        answer = httpx.post(f"{tab}rpc", json=request, timeout=WAIT_SECONDS,
                            trust_env=False).json()
    except (httpx.HTTPError, ValueError) as exc:
        fail(f"{method} on {tab}: {exc}")
    if "error" in answer:
        fail(f"{method} on {tab}: {answer['error'].get('message')}")
    return answer["result"]


def ensure_device(person: DemoPerson, tab: str, url: str) -> None:
    """Follow the project from this device and sign it in if it is not yet."""
    def mine() -> dict[str, Any] | None:
        # wait: until the first attempt on each project is over (it knows if it is bound)
        states = tab_call(tab, "client.projects", {"wait": 10})
        return next((s for s in states if s.get("label") == PROJECT_LABEL), None)

    state = mine()
    if state is None:
        tab_call(tab, "client.follow", {"address": url, "label": PROJECT_LABEL})
        state = mine()
    if state is not None and state.get("bound"):
        return
    asked_at = time.time() - 1
    tab_call(tab, "client.enroll", {"project": PROJECT_LABEL, "email": person.email,
                                    "device_label": f"demo {person.key}"})
    code = wait_for(f"the sign-in email of {person.email}",
                    lambda: newest_code_for(person.email, asked_at), timeout=10)
    confirmed = tab_call(tab, "client.confirm", {"project": PROJECT_LABEL, "code": code})
    if not confirmed.get("bound"):
        fail(f"the {person.key}'s device is not signed in after its code: {confirmed}")
    say(f"signed in the {person.key}'s device")


def start_tab(person: DemoPerson, overlay: str, port: int) -> None:
    """Serve the Support tab of one device, unless it runs already."""
    name = f"tab-{person.key}"
    if running_pid(name) is None:
        spawn(name, [*client_argv(person, overlay), "ui", "--port", str(port),
                     "--ready-file", str(_tab_ready_file(person))])


def _tab_ready_file(person: DemoPerson) -> Path:
    return STATE / f"tab-{person.key}.ready.json"


def wait_tab(person: DemoPerson) -> str:
    """The URL of a device's Support tab, once it serves."""
    name = f"tab-{person.key}"
    url = wait_for(f"the {person.key}'s Support tab",
                   lambda: ready_url(_tab_ready_file(person), name), process=name)
    return str(url)


def start() -> int:
    """Bring the whole demo up; exit 0 once everything answers."""
    ports = choose_ports()
    url, overlay = ensure_server(ports)
    people = PEOPLE if overlay == "loopback" else PEOPLE[:1]
    for person in people:  # the tabs start side by side, while the people are enrolled
        start_tab(person, overlay, ports[person.key])
    ensure_enrolled()
    tabs = {person.key: wait_tab(person) for person in people}
    for person in people:
        ensure_device(person, tabs[person.key], url)
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
