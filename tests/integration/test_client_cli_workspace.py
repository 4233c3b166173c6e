"""The workspace on the command line: queues, ``tickets --view``, ``assign --team``,
``teams``, ``canned`` and ``unread``, against a real server.

Through the local service (``serve``): the same commands in library mode are covered
by ``test_client_cli.py``'s pairs; here they would cost a connection per command.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.support.client_cli import Workspace

from .server_harness import Person, ServerProcess, newest_code, start_server

pytestmark = pytest.mark.slow

AGENT_DEVICE, CUSTOMER_DEVICE = "127.0.64.1", "127.0.64.2"


@dataclass(frozen=True)
class Desk:
    """A server, an agent's command line, a customer on their own device, a team."""

    server: ServerProcess
    agent: Workspace
    customer: Person
    team_id: int

    def file(self, subject: str) -> int:
        """The customer files a ticket from their device; its id."""
        transport = httpx.HTTPTransport(local_address=self.customer.address, verify=False)
        with httpx.Client(transport=transport, base_url=self.server.base_url,
                          timeout=10) as http:
            answer = http.post("/rpc", json={"jsonrpc": "2.0", "id": 1,
                                             "method": "ticket.create",
                                             "params": {"subject": subject}}).json()
        return int(answer["result"]["id"])


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    root = tmp_path_factory.mktemp("cli-workspace")
    server = start_server(root / "server", name="Acme Support")
    try:
        email = "agent@example.com"
        agent_user = server.admin_call("user.enroll", {"email": email, "role": "agent",
                                                       "display_name": "Agnes Agent"})
        customer = server.person("customer", CUSTOMER_DEVICE, name="Carl Customer")
        team = server.admin_call("team.create", {"name": "Billing",
                                                 "members": [agent_user["id"]]})
        server.admin_call("canned.create", {
            "title": "Greeting", "shared": True,
            "body": "Hello {{customer.name}}, this is {{agent.name}} on #{{ticket.id}}."})
        (root / "agent").mkdir()
        agent = Workspace(root / "agent", AGENT_DEVICE)
        agent.start_service()
        agent.run("follow", f"127.0.0.1:{server.port}", "--label", "acme")
        agent.run("enroll", email, "--project", "acme")
        agent.run("enroll", email, "--project", "acme", "--code",
                  newest_code(server.outbox, email, timeout=15))
        try:
            yield Desk(server=server, agent=agent, customer=customer, team_id=int(team["id"]))
        finally:
            assert agent.stop_service() in (None, 0), agent.service_log()
    finally:
        assert server.stop() == 0


def test_an_agent_works_a_queue_from_the_command_line(desk: Desk) -> None:
    ticket = desk.file("Invoice shows the wrong VAT")
    agent = desk.agent
    assert agent.json("tickets", "--view", "mine")["items"] == []
    unassigned = agent.json("tickets", "--view", "unassigned")["items"]
    assert [(i["ticket"]["id"], i["unread"]) for i in unassigned] == [(ticket, True)]
    said = agent.run("assign", str(ticket), "--to", "me", "--team", str(desk.team_id)).stdout
    assert f"ticket #{ticket} (acme) is assigned to user" in said
    assert f"team {desk.team_id}" in said
    mine = agent.json("tickets", "--view", "mine")["items"]
    assert [i["ticket"]["id"] for i in mine] == [ticket]
    assert mine[0]["ticket"]["team_id"] == desk.team_id
    team = agent.json("tickets", "--project", "acme", "--team", str(desk.team_id))["items"]
    assert [i["ticket"]["id"] for i in team] == [ticket]
    table = agent.run("tickets", "--view", "mine").stdout
    assert "●" in table.splitlines()[1]  # still unread: the agent never opened it
    agent.run("show", str(ticket))
    refused = agent.run("tickets", "--team", "1", expect=2)
    assert "--project" in refused.stderr


def test_queues_unread_teams_and_canned(desk: Desk) -> None:
    ticket = desk.file("Cannot download the receipt")
    agent = desk.agent
    agent.run("assign", str(ticket), "--to", "me")
    queues = agent.json("queues")
    (acme,) = queues["items"]
    views = {v["view"]: v for v in acme["counts"]["views"]}
    assert views["my_open"]["count"] >= 1
    assert {"unassigned", "all_open", "pending", "recently_resolved", "team"} <= set(views)
    assert "Billing" in agent.run("queues").stdout
    unread = agent.json("unread")
    assert ticket in [i["ticket"]["id"] for i in unread["items"]]
    assert unread["unread"] >= 1
    agent.run("show", str(ticket))  # reading it on the command line marks it read
    assert ticket not in [i["ticket"]["id"] for i in agent.json("unread")["items"]]
    teams = agent.run("teams").stdout
    assert "Billing" in teams
    assert "Agnes Agent" in teams
    (canned,) = [c for c in agent.json("canned") if c["title"] == "Greeting"]
    filled = agent.run("canned", str(canned["id"]), "--ticket", str(ticket)).stdout
    assert filled.strip() == f"Hello Carl Customer, this is Agnes Agent on #{ticket}."
    assert "--ticket" in agent.run("canned", str(canned["id"]), expect=2).stderr


def test_hostile_team_names_and_canned_text_cannot_drive_the_terminal(desk: Desk) -> None:
    # Staff may name a team or write a canned reply with anything but control characters
    # in a name (the domain refuses those); the command line shows the rest escaped.
    desk.server.admin_call("team.create", {"name": "\u202egnilliB <b>x</b>"})
    saved = desk.server.admin_call("canned.create", {
        "title": "Clear \u202e screen", "shared": True,
        "body": "\x1b[2J\x1b]0;owned\x07 hi {{customer.name}}"})
    ticket = desk.file("Hostile text")
    agent = desk.agent
    teams = agent.run("teams").stdout
    assert "\\u202egnilliB <b>x</b>" in teams
    listed = agent.run("canned").stdout
    assert "Clear \\u202e screen" in listed
    assert "\\x1b[2J" in listed
    filled = agent.run("canned", str(saved["id"]), "--ticket", str(ticket)).stdout
    assert "\\x1b[2J\\x1b]0;owned\\x07 hi Carl Customer" in filled
    for shown in (teams, listed, filled):
        assert not {"\x1b", "\x07", "\u202e"} & set(shown)
