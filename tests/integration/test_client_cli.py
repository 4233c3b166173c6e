"""``hero-assistance-client`` against real project servers, with and without its service.

Each test runs twice: once with the local service running (``serve``; the command line
then talks to it over its Unix socket) and once without it (the command line opens
the library itself for each command). The output and exit codes must be the same.
A device follows two servers, signs in to both with the codes the servers mail to
their outboxes, and works with tickets across them.
"""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.openrpc_meta import meta_schema_errors
from tests.support.client_cli import Lines, Workspace, finish
from tests.unit.images import png_image
from tests.unit.photos import SECRETS, jpeg_photo, zip_archive

from .server_harness import Person, ServerProcess, free_port, newest_code, start_server

pytestmark = pytest.mark.slow

DEVICES = {"library": "127.0.60.1", "service": "127.0.60.2"}
SECOND_DEVICES = {"library": "127.0.60.11", "service": "127.0.60.12"}
AGENT_DEVICE = "127.0.61.1"


@dataclass(frozen=True)
class Projects:
    """Two project servers the device follows, and an agent of Acme on their own device."""

    acme: ServerProcess
    globex: ServerProcess
    agent: Person

    def agent_reply(self, ticket_id: int, body: str) -> None:
        """The agent answers on Acme, from the agent's device."""
        transport = httpx.HTTPTransport(local_address=self.agent.address, verify=False)
        with httpx.Client(transport=transport, base_url=self.acme.base_url,
                          timeout=10) as http:
            answer = http.post("/rpc", json={
                "jsonrpc": "2.0", "id": 1, "method": "message.post",
                "params": {"ticket_id": ticket_id, "body": body}}).json()
        assert "result" in answer, answer

    def agent_download(self, sha256: str) -> bytes:
        """The bytes of an attachment on Acme, as the agent's device fetches them."""
        transport = httpx.HTTPTransport(local_address=self.agent.address, verify=False)
        with httpx.Client(transport=transport, base_url=self.acme.base_url,
                          timeout=10) as http:
            response = http.get(f"/attachments/{sha256}")
        assert response.status_code == 200, response.text
        return response.content


@dataclass(frozen=True)
class Device:
    """A signed-in device, and whether its commands go through the service."""

    workspace: Workspace
    mode: str
    email: str

    def run(self, *args: str, stdin: str | None = None, expect: int | None = 0) -> Any:
        """Run a command (see :meth:`Workspace.run`)."""
        return self.workspace.run(*args, stdin=stdin, expect=expect)

    def json(self, *args: str) -> Any:
        """Run a command with ``--json`` and parse what it printed."""
        return self.workspace.json(*args)


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Projects]:
    """Acme and Globex, each a real server process on the loopback overlay."""
    root = tmp_path_factory.mktemp("client-cli-servers")
    acme = start_server(root / "acme", name="Acme Support")
    try:
        globex = start_server(root / "globex", name="Globex")
    except BaseException:
        acme.stop()
        raise
    try:
        agent = acme.person("agent", AGENT_DEVICE, name="Agnes Agent")
        yield Projects(acme=acme, globex=globex, agent=agent)
    finally:
        codes = (acme.stop(), globex.stop())
    assert codes == (0, 0)


def service_call(path: Path, method: str, params: Any = None) -> Any:
    """One call on the service's socket, spoken by hand (newline-delimited JSON-RPC)."""
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": 7, "method": method}
    if params is not None:
        request["params"] = params
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(10)
        conn.connect(str(path))
        conn.sendall(json.dumps(request).encode() + b"\n")
        with conn.makefile("rb") as reader:
            answer = json.loads(reader.readline())
    assert answer["id"] == 7
    return answer


@pytest.fixture(scope="module", params=["library", "service"])
def device(request: pytest.FixtureRequest, projects: Projects,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Device]:
    """A device that follows both projects and signed in to each with its emailed code.

    Acme's code is typed at the prompt of ``enroll`` (stdin); Globex's is passed with
    ``--code`` to a second ``enroll`` after the first asked for the email.
    """
    mode: str = request.param
    workspace = Workspace(tmp_path_factory.mktemp(f"client-cli-{mode}"), DEVICES[mode])
    email = f"{mode}-customer@example.com"
    for server in (projects.acme, projects.globex):
        server.admin_call("user.enroll", {"email": email, "role": "customer",
                                          "display_name": f"{mode.title()} Customer"})
    if mode == "service":
        workspace.start_service()
    try:
        followed = workspace.run("follow", f"127.0.0.1:{projects.acme.port}", "--label", "acme")
        assert "following acme (Acme Support)" in followed.stdout
        assert "not signed in" in followed.stdout
        # No --label: named after the project.
        assert workspace.json("follow", projects.globex.base_url)["label"] == "globex"

        prompt = workspace.spawn("enroll", email, "--project", "acme", stdin=subprocess.PIPE)
        typed = finish(prompt, newest_code(projects.acme.outbox, email, timeout=15) + "\n")
        assert typed.code == 0, typed
        assert f"acme: online, signed in as {email} (customer)" in typed.stdout

        asked = workspace.run("enroll", email, "--project", "globex")  # stdin: empty
        assert "--code CODE" in asked.stderr
        confirmed = workspace.json("enroll", email, "--project", "globex", "--code",
                                   newest_code(projects.globex.outbox, email))
        assert confirmed["state"]["bound"] is True
        yield Device(workspace=workspace, mode=mode, email=email)
    finally:
        stopped = workspace.stop_service()
    assert stopped in (None, 0), workspace.service_log()
    assert not workspace.socket.exists()


def test_projects_shows_each_project_signed_in_and_live(device: Device) -> None:
    states = device.json("projects")
    assert [s["label"] for s in states] == ["acme", "globex"]
    for state in states:
        assert state["phase"] == "online"
        assert state["bound"] is True
        assert state["streaming"] is True
        assert state["user"]["email"] == device.email
        assert state["device_addr"] == device.workspace.device
    assert [s["project_name"] for s in states] == ["Acme Support", "Globex"]

    table = device.run("projects").stdout
    assert "\x1b[" not in table  # plain text in a pipe
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["LABEL", "PROJECT", "SERVER"]
    assert any(line.startswith("acme ") and device.email in line for line in lines)
    if device.mode == "service":
        # The follow went through the service: it holds both projects, signed in.
        held = service_call(device.workspace.socket, "client.projects")["result"]
        assert [(s["label"], s["bound"]) for s in held] == [("acme", True), ("globex", True)]


def test_devices_lists_this_device_on_every_project(device: Device) -> None:
    found = device.json("devices")
    assert sorted(item["project"] for item in found) == ["acme", "globex"]
    for item in found:
        assert item["device"]["address"] == device.workspace.device
        assert item["this_device"] is True


def test_devices_revoke_unbinds_another_device_of_the_same_person(
        device: Device, projects: Projects, tmp_path: Path) -> None:
    phone = Workspace(tmp_path, SECOND_DEVICES[device.mode])
    phone.run("follow", f"127.0.0.1:{projects.acme.port}", "--label", "acme")
    phone.run("enroll", device.email, "--project", "acme")  # stdin: empty
    phone.run("enroll", device.email, "--project", "acme", "--code",
              newest_code(projects.acme.outbox, device.email, timeout=15))
    listed = {item["device"]["address"] for item in device.json("devices", "--project", "acme")}
    assert listed == {device.workspace.device, phone.device}

    said = device.run("devices", "revoke", phone.device, "--project", "acme").stdout
    assert said.startswith(f"acme: revoked {phone.device} (")
    assert [item["device"]["address"] for item in device.json("devices", "--project", "acme")
            ] == [device.workspace.device]
    refused = phone.run("show", "1", "--project", "acme", expect=4)
    assert f"acme: device {phone.device} is not bound to a user" in refused.stderr
    # Gone already: nothing of this person's to revoke at that address (not found).
    again = device.run("devices", "--project", "acme", "revoke", phone.device, "--json",
                       expect=1)
    assert json.loads(again.stderr)["error"]["message"] == (
        f"acme: device {phone.device} is not bound to your account")
    device.run("tickets", "--project", "acme")  # this device still works


def test_an_attached_photo_is_posted_under_the_id_of_what_the_server_stored(
    device: Device, projects: Projects, tmp_path: Path,
) -> None:
    # A phone photo with GPS and a ZIP appended: the server stores it without either,
    # so its id is not the hash of the file; the command line posts the server's id.
    photo = tmp_path / "IMG_0042.jpg"
    photo.write_bytes(jpeg_photo(trailing=zip_archive()))
    created = device.json("new", "--project", "acme", "--subject", "Photo of the label",
                          "--attach", str(photo))
    [sha] = created["attachments"]
    assert sha != hashlib.sha256(photo.read_bytes()).hexdigest()
    assert created["message"]["attachments"] == [sha]
    stored = projects.agent_download(sha)
    assert hashlib.sha256(stored).hexdigest() == sha
    assert [secret for secret in SECRETS if secret in stored] == []


def test_new_with_attachment_then_show_reply_close_and_reopen(device: Device,
                                                              tmp_path: Path) -> None:
    picture = tmp_path / "screenshot.png"
    picture.write_bytes(png_image(4, 3))
    created = device.json("new", "--project", "acme", "--subject", "Printer [on] fire",
                          "--body", "It smokes.", "--priority", "high",
                          "--attach", str(picture))
    ticket = created["ticket"]
    sha = hashlib.sha256(picture.read_bytes()).hexdigest()
    assert (ticket["subject"], ticket["priority"], ticket["status"]) == (
        "Printer [on] fire", "high", "new")
    assert created["attachments"] == [sha]
    assert created["message"]["attachments"] == [sha]

    number = str(ticket["id"])
    reply = device.json("reply", number, "--project", "acme", "--body", "Still smoking")
    assert reply["message"]["body"] == "Still smoking"

    shown = device.json("show", number, "--project", "acme")
    assert shown["ticket"]["id"] == ticket["id"]
    assert [m["attachments"] for m in shown["messages"]] == [[sha], []]
    assert [p["display_name"] for p in shown["people"]] == [f"{device.mode.title()} Customer"]
    text = device.run("show", number, "--project", "acme").stdout
    assert text.startswith(f"#{number} Printer [on] fire\nacme · new · high\n")
    assert "It smokes." in text
    assert "Still smoking" in text
    assert f"[attachment {sha[:12]}]" in text

    assert device.json("close", number, "--project", "acme")["ticket"]["status"] == "closed"
    closed = device.json("tickets", "--project", "acme", "--status", "closed")
    assert ticket["id"] in [item["ticket"]["id"] for item in closed["items"]]
    reopened = device.run("reopen", number, "--project", "acme")
    assert reopened.stdout.strip() == f"ticket #{number} (acme) is now open"


def test_tickets_lists_every_project_and_filters(device: Device) -> None:
    word = f"toaster{device.mode}"
    on_acme = device.json("new", "--project", "acme", "--subject", f"The {word} hums")
    on_globex = device.json("new", "--project", "globex", "--subject", "Globex badge lost",
                            "--priority", "urgent")

    page = device.json("tickets")
    assert page["problems"] == {}
    listed = {(item["project"], item["ticket"]["id"]) for item in page["items"]}
    assert ("acme", on_acme["ticket"]["id"]) in listed
    assert ("globex", on_globex["ticket"]["id"]) in listed

    urgent = device.json("tickets", "--priority", "urgent,high")
    assert {item["ticket"]["priority"] for item in urgent["items"]} <= {"urgent", "high"}
    assert ("globex", on_globex["ticket"]["id"]) in {
        (item["project"], item["ticket"]["id"]) for item in urgent["items"]}

    found = device.json("tickets", "--query", word)
    assert [(i["project"], i["ticket"]["subject"]) for i in found["items"]] == [
        ("acme", f"The {word} hums")]

    table = device.run("tickets", "--project", "globex").stdout.splitlines()
    assert table[0].split() == ["PROJECT", "ID", "STATUS", "PRIORITY", "SUBJECT", "UPDATED",
                                "ASSIGNEE"]
    # The first column is the unread marker (issue 14): "●" or blank, then the project.
    assert all(line.lstrip("● ").startswith("globex ") for line in table[1:]), table


def test_inbox_counts_replies_from_others_until_shown(device: Device,
                                                      projects: Projects) -> None:
    ticket = device.json("new", "--project", "acme", "--subject", "Invoice missing")["ticket"]
    projects.agent_reply(ticket["id"], "Which month?")
    projects.agent_reply(ticket["id"], "And which account?")

    def unread() -> int:
        box = device.json("inbox")
        assert box["problems"] == {}
        return next(item["unread"] for item in box["items"]
                    if (item["project"], item["ticket"]["id"]) == ("acme", ticket["id"]))

    assert unread() == 2
    device.run("show", str(ticket["id"]), "--project", "acme")  # reading marks it read
    assert unread() == 0


def test_watch_prints_live_events_until_interrupted(device: Device) -> None:
    ticket = device.json("new", "--project", "globex", "--subject", "Watch me")["ticket"]
    watcher = device.workspace.spawn("watch", "--json")
    assert watcher.stdout is not None
    assert watcher.stderr is not None
    out, err = Lines(watcher.stdout), Lines(watcher.stderr)
    try:
        err.until(lambda line: line.startswith("watching 2 project(s)"))
        device.run("reply", str(ticket["id"]), "--project", "globex", "--body", "seen live")
        line = out.until(lambda text: "seen live" in text)
        notification = json.loads(line)
        assert notification["method"] == "client.event"
        assert notification["params"]["project"] == "globex"
        event = notification["params"]["event"]
        assert (event["kind"], event["ticket_id"]) == ("message.created", ticket["id"])
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(10) == 0
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
        out.join()
        err.join()
        watcher.stdout.close()
        watcher.stderr.close()


def test_exit_codes_tell_refusals_apart(device: Device, server: ServerProcess) -> None:
    ticket = device.json("new", "--project", "acme", "--subject", "Exit codes")["ticket"]
    number = str(ticket["id"])
    # 1: not found (the ticket, or the project label).
    assert "does not exist" in device.run("show", "999999", "--project", "acme",
                                          expect=1).stderr
    device.run("show", number, "--project", "nowhere", expect=1)
    # 2: usage.
    if device.mode == "library":  # refused by the parser, before any service is asked
        device.run("show", "not-a-number", "--project", "acme", expect=2)
    device.run("tickets", "--status", "bogus", expect=2)
    device.run("new", "--project", "acme", "--subject", "x", "--attach", "/no/such.png",
               expect=2)
    device.run("show", number, expect=2)  # two projects followed: which one?
    # 1 too: a conflict (this device is signed in already).
    device.run("enroll", device.email, "--project", "acme", "--code", "AAAA-BBBB", expect=1)
    # 4: forbidden (a customer may not assign), a project not signed in to, a refused code.
    device.run("assign", number, "--project", "acme", "--to", "me", expect=4)
    device.run("follow", server.base_url, "--label", "stranger")
    device.run("tickets", "--project", "stranger", expect=4)
    device.run("enroll", device.email, "--project", "stranger", "--code", "AAAA-BBBB",
               expect=4)
    # 5: the server does not answer.
    dead = free_port()
    device.run("follow", f"127.0.0.1:{dead}", "--label", "down")
    refused = device.run("tickets", "--project", "down", "--json", expect=5)
    assert json.loads(refused.stderr)["error"]["code"] == -32010
    # Across projects, the ones that answer are listed and the others named.
    page = device.json("tickets")
    assert {label: problem["code"] for label, problem in page["problems"].items()} == {
        "stranger": -32001, "down": -32010}
    assert ("acme", ticket["id"]) in {(i["project"], i["ticket"]["id"]) for i in page["items"]}
    for label in ("stranger", "down"):
        device.run("unfollow", label)
    assert [s["label"] for s in device.json("projects")] == ["acme", "globex"]


def test_service_describes_itself_on_a_private_socket(device: Device) -> None:
    if device.mode != "service":
        pytest.skip("the service runs only in the service mode")
    path = device.workspace.socket
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = service_call(path, "rpc.discover")["result"]
    assert meta_schema_errors(document) == []
    names = {method["name"] for method in document["methods"]}
    assert {"client.projects", "client.follow", "events.subscribe", "ticket.list",
            "attachment.upload", "presence.update"} <= names
    again = device.workspace.run("serve", expect=1)
    assert "already runs" in again.stderr


def test_watch_ends_when_the_service_stops(device: Device) -> None:
    if device.mode != "service":
        pytest.skip("the service runs only in the service mode")
    watcher = device.workspace.spawn("watch")
    assert watcher.stdout is not None
    assert watcher.stderr is not None
    err = Lines(watcher.stderr)
    try:
        err.until(lambda line: line.startswith("watching"))
        assert device.workspace.stop_service() == 0
        assert watcher.wait(15) == 5
        assert "the client service stopped" in err.until(lambda line: "stopped" in line)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
        err.join()
        watcher.stdout.close()
        watcher.stderr.close()
    # Later commands carry on with the library in their own process.
    assert [s["label"] for s in device.json("projects")] == ["acme", "globex"]


HOSTILE = ("Look\x1b[2J\x1b]0;owned\x07\x1b[31m here\x1b[0m\rfaked\x9b2J"
           "\u202eevil\u2028end\x7f\x08")


def test_show_and_watch_never_print_control_codes_from_the_server(device: Device,
                                                                  projects: Projects) -> None:
    ticket = device.json("new", "--project", "acme", "--subject",
                         "Terminal \u202eexe.txt \x9b2J")["ticket"]
    number = str(ticket["id"])
    watcher = device.workspace.spawn("watch")
    assert watcher.stdout is not None
    assert watcher.stderr is not None
    out, err = Lines(watcher.stdout), Lines(watcher.stderr)
    try:
        err.until(lambda line: line.startswith("watching 2 project(s)"))
        projects.agent_reply(ticket["id"], HOSTILE)
        line = out.until(lambda text: "Look" in text)
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(10) == 0
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
        out.join()
        err.join()
        watcher.stdout.close()
        watcher.stderr.close()
    assert "\\x1b[2J\\x1b]0;owned\\x07" in line
    shown = device.run("show", number, "--project", "acme").stdout
    for printed in (line, shown, *out.seen, *err.seen):
        assert not any(ch in printed for ch in "\x1b\x07\r\x9b\u202e\u2028\x00\x7f"), printed
    assert "Look\\x1b[2J\\x1b]0;owned\\x07\\x1b[31m here\\x1b[0m\\x0dfaked\\x9b2J" in shown
    assert "Terminal \\u202eexe.txt \\x9b2J" in shown
    # --json stays exact: the same characters, written as JSON escapes.
    exact = device.json("show", number, "--project", "acme")
    assert exact["messages"][-1]["body"] == HOSTILE
    assert exact["ticket"]["subject"] == "Terminal \u202eexe.txt \x9b2J"
