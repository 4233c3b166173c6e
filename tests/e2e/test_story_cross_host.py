"""v1 acceptance: the whole support story across five hosts on a simulated overlay.

Six network namespaces: a switch (a Linux bridge) and five hosts plugged into it by
veth pairs, each with its own overlay address in ``4bb:1::/64`` and the mycelium API
stand-in on its own ``127.0.0.1:8990``:

- ``server``    4bb:1::10  ``hero-assistance-server serve --overlay mycelium``, and a real
                           SMTP server (aiosmtpd, a process) on its 127.0.0.1
- ``customer1`` 4bb:1::21  the customer's laptop
- ``customer2`` 4bb:1::22  the customer's phone
- ``agent``     4bb:1::31  the support agent
- ``stranger``  4bb:1::41  a device nobody enrolled

Every device runs the client's local service (``hero-assistance-client serve``) in its
namespace and the command line through it, as a person would; each one is its
namespace's mycelium node, so the server knows it only by that source address. The
admin uses the server's own CLI over its admin socket. The story runs in order, each
step checked where the person doing it would see it.
"""

from __future__ import annotations

import base64
import hashlib
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest

from hero_assistance.apps.server.config import MailConfig, ServerConfig, write_config
from tests.support.client_cli import Result, Watch, Workspace
from tests.support.netns import why_no_namespaces
from tests.support.overlay_lan import STANDIN_API, OverlayHost, overlay_lan
from tests.support.processes import Child, server_command, start, start_server
from tests.support.sign_in_mail import SignInMail, read_sign_in_mail
from tests.support.smtp_sink import SINK, Maildir
from tests.unit.images import png_image

pytestmark = pytest.mark.slow

SUBNET = "4bb:1::/64"
ADDRESSES = {"server": "4bb:1::10", "customer1": "4bb:1::21", "customer2": "4bb:1::22",
             "agent": "4bb:1::31", "stranger": "4bb:1::41"}
DEVICES = ("customer1", "customer2", "agent", "stranger")
PORT = 7330
SERVER_URL = f"http://[{ADDRESSES['server']}]:{PORT}"
PROJECT, LABEL = "Acme Rockets", "acme"
CUSTOMER, AGENT = "carol@acme.example", "alice@support.example"
UNKNOWN = "someone@unknown.example"
SENDER = "support@acme.example"
DEVICE_LABELS = {"customer1": "Carol's laptop", "customer2": "Carol's phone",
                 "agent": "Alice's desk", "stranger": "Found in a taxi"}
LIVE_WITHIN = 5.0
"""How soon a live event must reach a watching device (the issue says "a few seconds")."""
NOTE_ONLY_WORD = "quokkafeather"
"""A word only the internal note contains."""

EXIT_NOT_SIGNED_IN = 4


@dataclass
class Story:
    """The five hosts, the server, its mailbox, and each device's client."""

    hosts: dict[str, OverlayHost]
    data_dir: Path
    server: Child
    mailbox: Maildir
    devices: dict[str, Workspace]
    stops: ExitStack
    """Stops everything started for the story, newest first (watches on devices too)."""
    facts: dict[str, Any] = field(default_factory=dict)
    """What a step learned that a later one checks (ids, the accepted answer, ...)."""

    def admin(self, *args: str, expect: int = 0) -> Result:
        """``hero-assistance-server ARGS`` on the server host, over its admin socket."""
        done = self.hosts["server"].namespace.run(
            *server_command(), "--data-dir", str(self.data_dir), *args)
        result = Result(done.returncode, done.stdout, done.stderr)
        assert result.code == expect, (args, result)
        return result

    def watch(self, role: str) -> Watch:
        """``watch --json`` on a device, running until the story ends."""
        device = self.devices[role]
        # The device's client streams the server's events (it subscribed without a
        # past to replay, being new): from here on no event is missed.
        poll(lambda: device.service_call("client.projects"),
             lambda states: [s["streaming"] for s in states] == [True], within=LIVE_WITHIN)
        watch = device.watch()
        self.stops.callback(watch.stop)
        watch.started()
        return watch

    def sign_in_mails(self, email: str, count: int) -> list[SignInMail]:
        """The ``count`` sign-in emails the SMTP server received for ``email``."""
        return [read_sign_in_mail(mail.data) for mail in self.mailbox.wait_for(email, count)]


@pytest.fixture
def story(tmp_path: Path) -> Iterator[Story]:
    """The hosts, the SMTP server, the project server and a client service per device;
    everything stopped and every namespace deleted afterwards, whatever happened."""
    reason = why_no_namespaces()
    if reason is not None:
        print(f"SKIPPED: {reason}")  # noqa: T201 - the reason belongs in the log too
        pytest.skip(reason)
    devices: dict[str, Workspace] = {}
    # ExitStack: every stop runs, newest first, even when another fails, and all of them
    # before the namespaces go.
    with overlay_lan(ADDRESSES, subnet=SUBNET, logs=tmp_path) as hosts, ExitStack() as stops:
        server_host = hosts["server"]
        smtp = start([*server_host.prefix(), sys.executable, str(SINK), "--listen",
                      "127.0.0.1:0", "--maildir", str(tmp_path / "mail")], tmp_path / "smtp.log")
        stops.callback(smtp.stop)
        smtp_port = int(smtp.wait_for(r'"smtp": "127\.0\.0\.1:(\d+)"').group(1))
        data_dir = tmp_path / "project"
        write_config(data_dir, ServerConfig(
            project_name=PROJECT, overlay="mycelium", port=PORT,
            mail=MailConfig(kind="smtp", sender=SENDER, smtp_host="127.0.0.1",
                            smtp_port=smtp_port, smtp_security="none",
                            smtp_timeout_seconds=5.0)))
        server = start_server(data_dir, tmp_path / "server.log", "--overlay", "mycelium",
                              "--mycelium-api", STANDIN_API, prefix=server_host.prefix())
        stops.callback(server.stop)
        # The server asked its daemon (getInfo) and bound exactly that address.
        assert server.wait_ready() == f"{SERVER_URL}/rpc"
        for role in DEVICES:
            host = hosts[role]
            (tmp_path / role).mkdir()
            devices[role] = Workspace(tmp_path / role, host.address,
                                      mycelium_api=host.mycelium_api, prefix=host.prefix())
            devices[role].start_service()
            stops.callback(devices[role].stop_service)
        yield Story(hosts=hosts, data_dir=data_dir, server=server,
                    mailbox=Maildir(tmp_path / "mail"), devices=devices, stops=stops)


def test_the_v1_story_across_five_hosts(story: Story, tmp_path: Path) -> None:
    started = time.monotonic()
    steps: list[tuple[str, Callable[[Story, Path], None]]] = [
        ("1 the admin enrolls the customer and the agent", admin_enrolls_people),
        ("2 each device follows, gets its emailed code and binds", devices_sign_in),
        ("3 the customer files a ticket with an image", customer_files_a_ticket),
        ("4 the agent sees it live and is shown as viewing", agent_sees_it_live),
        ("5 the agent replies and adds an internal note", agent_replies_and_notes),
        ("6 the customer's other device sees it all but the note", phone_sees_the_story),
        ("7 the customer revokes the laptop from the phone", laptop_revoked),
        ("8 the stranger can only ask for a link", stranger_can_only_ask),
        ("9 the admin disables the customer on every device", customer_disabled),
    ]
    took: list[str] = []
    for name, step in steps:
        begun = time.monotonic()
        try:
            step(story, tmp_path)
        except BaseException as exc:
            exc.add_note(f"in step {name}")
            raise
        took.append(f"step {name}: {time.monotonic() - begun:.1f} s")
    print("\n".join(took), f"\nwhole story: {time.monotonic() - started:.1f} s")  # noqa: T201
    assert story.server.stop() == 0  # a clean shutdown on SIGTERM
    assert "Traceback" not in story.server.output()


# -- the steps --------------------------------------------------------------------------


def admin_enrolls_people(story: Story, _tmp: Path) -> None:
    said = story.admin("enroll", CUSTOMER, "--role", "customer", "--name", "Carol Customer")
    assert said.stdout.startswith(f"enrolled {CUSTOMER} as customer")
    said = story.admin("enroll", AGENT, "--role", "agent", "--name", "Alice Agent")
    assert said.stdout.startswith(f"enrolled {AGENT} as agent")
    users = {user["email"]: user for user in msgspec.json.decode(
        story.admin("users", "--json").stdout)}
    assert {email: (user["role"], user["status"]) for email, user in users.items()} == {
        CUSTOMER: ("customer", "invited"), AGENT: ("agent", "invited")}
    story.facts["user_ids"] = {email: user["id"] for email, user in users.items()}


def devices_sign_in(story: Story, _tmp: Path) -> None:
    people = {"customer1": (CUSTOMER, "customer"), "customer2": (CUSTOMER, "customer"),
              "agent": (AGENT, "agent")}
    sent = {CUSTOMER: 0, AGENT: 0}
    for role, (email, user_role) in people.items():
        device, address = story.devices[role], story.hosts[role].address
        followed = device.json("follow", SERVER_URL, "--label", LABEL)
        # The device is its namespace's mycelium node, as its daemon (stand-in) says.
        assert (followed["phase"], followed["bound"], followed["device_addr"]) == (
            "online", False, address), followed
        asked = device.json("enroll", email, "--project", LABEL,
                            "--device-label", DEVICE_LABELS[role])  # stdin: closed at once
        assert asked["state"] is None
        assert asked["request"] == story.facts.setdefault("accepted", asked["request"])
        sent[email] += 1
        mail = story.sign_in_mails(email, sent[email])[-1]  # both parts parsed and compared
        assert mail.message["To"] == email
        assert mail.message["From"] == SENDER
        assert PROJECT in mail.message["Subject"]
        assert mail.link.startswith(f"{SERVER_URL}/auth/link/")  # the server's own URL
        assert DEVICE_LABELS[role] in mail.text  # says which device asked
        bound = device.json("enroll", email, "--project", LABEL, "--code", mail.code)
        assert bound["state"]["bound"] is True
        [state] = device.json("projects")
        assert (state["label"], state["phase"], state["bound"], state["device_addr"]) == (
            LABEL, "online", True, address)
        assert (state["user"]["email"], state["user"]["role"]) == (email, user_role)
    # The server knows each device by the address its packets came from, nothing else.
    bindings = {device["address"]: device["user_id"] for device in msgspec.json.decode(
        story.admin("devices", "--json").stdout)}
    ids = story.facts["user_ids"]
    assert bindings == {story.hosts["customer1"].address: ids[CUSTOMER],
                        story.hosts["customer2"].address: ids[CUSTOMER],
                        story.hosts["agent"].address: ids[AGENT]}
    # Watching from here on: the agent's desk and the customer's phone.
    story.facts["agent_watch"] = story.watch("agent")
    story.facts["phone_watch"] = story.watch("customer2")


def customer_files_a_ticket(story: Story, tmp: Path) -> None:
    picture = tmp / "engine.png"
    picture.write_bytes(png_image(6, 4, (200, 120, 0)))
    sha = hashlib.sha256(picture.read_bytes()).hexdigest()
    created = story.devices["customer1"].json(
        "new", "--project", LABEL, "--subject", "Engine will not ignite",
        "--body", "Countdown reaches zero and nothing happens.", "--priority", "high",
        "--attach", str(picture))
    ticket = created["ticket"]
    assert (ticket["subject"], ticket["status"], ticket["priority"]) == (
        "Engine will not ignite", "new", "high")
    assert ticket["requester_id"] == story.facts["user_ids"][CUSTOMER]
    assert created["attachments"] == [sha]
    assert created["message"]["attachments"] == [sha]
    story.facts.update(ticket_id=ticket["id"], sha=sha, picture=picture.read_bytes())


def agent_sees_it_live(story: Story, _tmp: Path) -> None:
    ticket_id = story.facts["ticket_id"]
    watch: Watch = story.facts["agent_watch"]
    event = watch.event(lambda e: e["kind"] == "ticket.created", timeout=LIVE_WITHIN)
    assert event["ticket_id"] == ticket_id
    assert event["data"]["ticket"]["subject"] == "Engine will not ignite"

    # The agent opens the ticket: the agent's client tells the server (presence.update).
    story.devices["agent"].service_call("presence.update", {
        "project": LABEL, "viewing_ticket_id": ticket_id})
    agent_id = story.facts["user_ids"][AGENT]
    phone = story.devices["customer2"]

    def watchers() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = phone.service_call(
            "presence.list", {"project": LABEL, "ticket_id": ticket_id})
        return found

    seen = poll(watchers, bool, within=LIVE_WITHIN)
    assert [(w["user_id"], w["display_name"], w["role"]) for w in seen] == [
        (agent_id, "Alice Agent", "agent")]
    # ... and the customer's live stream says so too.
    change = story.facts["phone_watch"].event(
        lambda e: e["kind"] == "presence.changed" and e["ticket_id"] == ticket_id,
        timeout=LIVE_WITHIN)
    assert change["data"]["presence"]["user_id"] == agent_id


def agent_replies_and_notes(story: Story, _tmp: Path) -> None:
    agent, ticket_id = story.devices["agent"], str(story.facts["ticket_id"])
    reply = agent.json("reply", ticket_id, "--project", LABEL,
                       "--body", "Please check that the fuel valve is open.")["message"]
    assert reply["visibility"] == "public"
    note = agent.json("reply", ticket_id, "--project", LABEL, "--internal", "--body",
                      f"Valve recall batch {NOTE_ONLY_WORD}; do not mention yet.")["message"]
    assert note["visibility"] == "internal"
    # A change after the note: once the phone's stream shows it, it has had its chance
    # to show the note too.
    assert agent.json("status", ticket_id, "pending", "--project", LABEL)["ticket"][
        "status"] == "pending"
    agent_watch: Watch = story.facts["agent_watch"]
    for message_id in (reply["id"], note["id"]):  # staff see both, live
        agent_watch.event(lambda e, m=message_id: e["kind"] == "message.created"
                          and e["data"]["message"]["id"] == m, timeout=LIVE_WITHIN)
    story.facts.update(reply=reply, note=note)


def phone_sees_the_story(story: Story, _tmp: Path) -> None:
    phone, ticket_id = story.devices["customer2"], story.facts["ticket_id"]
    reply, note, sha = story.facts["reply"], story.facts["note"], story.facts["sha"]
    watch: Watch = story.facts["phone_watch"]
    watch.event(lambda e: e["kind"] == "ticket.updated" and e["ticket_id"] == ticket_id
                and e["data"]["ticket"]["status"] == "pending", timeout=LIVE_WITHIN)
    live = [e["data"]["message"]["id"] for e in watch.events()
            if e["kind"] == "message.created"]
    assert reply["id"] in live
    assert note["id"] not in live
    assert NOTE_ONLY_WORD not in "".join(watch.out.seen)

    shown = phone.run("show", str(ticket_id), "--project", LABEL, "--json")
    assert NOTE_ONLY_WORD not in shown.stdout
    conversation = shown.json()
    assert conversation["ticket"]["status"] == "pending"
    customer_id, agent_id = story.facts["user_ids"][CUSTOMER], story.facts["user_ids"][AGENT]
    messages = conversation["messages"]
    assert [(m["author_id"], m["visibility"]) for m in messages] == [
        (customer_id, "public"), (agent_id, "public")]
    assert messages[0]["attachments"] == [sha]  # the image, filed from the laptop
    assert (messages[1]["id"], messages[1]["body"]) == (reply["id"], reply["body"])
    assert {p["display_name"] for p in conversation["people"]} == {
        "Carol Customer", "Alice Agent"}
    history = phone.service_call("ticket.history", {"project": LABEL, "ticket_id": ticket_id})
    assert (agent_id, "status", "new", "pending") in {
        (h["actor_id"], h["field"], h["old"], h["new"]) for h in history}
    image = phone.service_call("attachment.download", {"project": LABEL, "sha256": sha})
    assert base64.b64decode(image["data_base64"]) == story.facts["picture"]
    about = phone.service_call("attachment.get", {"project": LABEL, "sha256": sha})
    assert (about["mime"], about["width"], about["height"]) == ("image/png", 6, 4)

    # Searching for the note's word finds the ticket for the agent, never for the customer.
    found = story.devices["agent"].json("tickets", "--project", LABEL, "--query", NOTE_ONLY_WORD)
    assert [item["ticket"]["id"] for item in found["items"]] == [ticket_id]
    hidden = phone.json("tickets", "--project", LABEL, "--query", NOTE_ONLY_WORD)
    assert hidden["items"] == []
    assert hidden["problems"] == {}


def laptop_revoked(story: Story, _tmp: Path) -> None:
    laptop, phone = story.devices["customer1"], story.devices["customer2"]
    laptop_address = story.hosts["customer1"].address
    revoked = phone.json("devices", "revoke", laptop_address, "--project", LABEL)
    assert revoked["revoked"]["address"] == laptop_address
    assert [item["device"]["address"] for item in phone.json("devices", "--project", LABEL)
            ] == [story.hosts["customer2"].address]
    refused = laptop.run("tickets", "--project", LABEL, expect=EXIT_NOT_SIGNED_IN)
    assert f"device {laptop_address} is not bound" in refused.stderr
    laptop.run("show", str(story.facts["ticket_id"]), "--project", LABEL,
               expect=EXIT_NOT_SIGNED_IN)
    phone.run("tickets", "--project", LABEL)  # the phone itself still works


def stranger_can_only_ask(story: Story, _tmp: Path) -> None:
    stranger, address = story.devices["stranger"], story.hosts["stranger"].address
    followed = stranger.json("follow", SERVER_URL, "--label", LABEL)
    assert (followed["phase"], followed["bound"], followed["device_addr"]) == (
        "online", False, address)
    refused = stranger.run("tickets", "--project", LABEL, expect=EXIT_NOT_SIGNED_IN)
    assert f"device {address} is not bound" in refused.stderr
    stranger.run("show", str(story.facts["ticket_id"]), "--project", LABEL,
                 expect=EXIT_NOT_SIGNED_IN)
    stranger.run("new", "--project", LABEL, "--subject", "Let me in",
                 expect=EXIT_NOT_SIGNED_IN)
    mails_before = len(story.mailbox.messages())
    asked = stranger.json("enroll", UNKNOWN, "--project", LABEL,
                          "--device-label", DEVICE_LABELS["stranger"])
    # The very answer an enrolled person got: nothing tells the stranger who is enrolled.
    assert asked["request"] == story.facts["accepted"]
    time.sleep(1.0)  # an email would have been sent before the answer; a margin anyway
    assert story.mailbox.to(UNKNOWN) == []
    assert len(story.mailbox.messages()) == mails_before
    links = msgspec.json.decode(story.admin("links", "--json").stdout)
    assert address not in [link["device_addr"] for link in links]
    [state] = stranger.json("projects")
    assert state["bound"] is False


def customer_disabled(story: Story, _tmp: Path) -> None:
    assert story.admin("disable", CUSTOMER).stdout.strip() == f"disabled {CUSTOMER}"
    users = {user["email"]: user["status"] for user in msgspec.json.decode(
        story.admin("users", "--json").stdout)}
    assert users == {CUSTOMER: "disabled", AGENT: "active"}
    phone, laptop = story.devices["customer2"], story.devices["customer1"]
    ticket_id = str(story.facts["ticket_id"])
    for args in (("tickets",), ("show", ticket_id), ("new", "--subject", "Let me back in")):
        refused = phone.run(*args, "--project", LABEL, expect=EXIT_NOT_SIGNED_IN)
        assert f"{LABEL}: this account is disabled" in refused.stderr, args
    refused = laptop.run("tickets", "--project", LABEL, expect=EXIT_NOT_SIGNED_IN)
    assert f"device {story.hosts['customer1'].address} is not bound" in refused.stderr
    # The agent is untouched: the refusals are about the customer, not the server.
    seen = story.devices["agent"].json("tickets", "--project", LABEL)
    assert [item["ticket"]["id"] for item in seen["items"]] == [story.facts["ticket_id"]]


def poll(read: Callable[[], Any], done: Callable[[Any], bool], *, within: float) -> Any:
    """``read()`` until ``done`` holds for what it returned; fails after ``within`` s."""
    deadline = time.monotonic() + within
    while not done(value := read()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {within} s")
        time.sleep(0.05)
    return value
