"""What the design says operators manage, done through the server's real CLI and process.

``devices revoke``, ``settings`` (and ``project_name`` in ``server.json`` applied at the
next ``serve``), the sign-in limits of ``server.json``, ``mail`` and ``sign-ins``, and the
requester's own words in the sign-in email and on the link page. These tests change
project-wide settings, so they run their own server, not the session's.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import msgspec
import pytest

from hero_assistance.apps.server import cli
from hero_assistance.apps.server.config import load_config, write_config
from tests.support.sign_in_mail import SignInMail, asked_from, read_sign_in_mail

from .server_harness import (
    RpcClient,
    ServerProcess,
    child_environment,
    rpc_socket,
    run_cli,
    serve_again,
    server_command,
    start_server,
)

pytestmark = pytest.mark.anyio

NOT_BOUND, FORBIDDEN, RATE_LIMITED = -32001, -32002, -32006
PER_DEVICE = 4  # sign_in.requests_per_device_per_hour in this module's server.json


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module only, with low sign-in limits in its server.json."""
    running = start_server(tmp_path_factory.mktemp("operator"), name="Operator project",
                           sign_in={"requests_per_device_per_hour": PER_DEVICE,
                                    "requests_per_device_and_email_per_hour": 2,
                                    "mails_per_email_per_hour": 4})
    try:
        yield running
    finally:
        code = running.stop()
    assert code == 0, running.log()


async def _mails_to(server: ServerProcess, to: str, count: int = 1) -> list[SignInMail]:
    """Once ``count`` sign-in emails to ``to`` are in the outbox, all of them."""
    def found() -> list[SignInMail]:
        mails = (read_sign_in_mail(p.read_bytes()) for p in sorted(server.outbox.glob("*.eml")))
        return [m for m in mails if m.message["To"] == to]

    with anyio.fail_after(10):
        while len(mails := found()) < count:  # noqa: ASYNC110 - written by another process
            await anyio.sleep(0.02)
    return mails


async def _settled_queue(server: ServerProcess) -> dict[str, Any]:
    """``mail --json`` once every sign-in request was handled and nothing is pending
    (the mail worker makes links and their mail just after the answer)."""
    with anyio.fail_after(10):
        while True:
            code, out, err = await run_cli(server.data_dir, "sign-ins", "--json")
            assert code == cli.EXIT_OK, err
            handled = all(r["outcome"] != "received" for r in json.loads(out))
            code, out, err = await run_cli(server.data_dir, "mail", "--json")
            assert code == cli.EXIT_OK, err
            queue: dict[str, Any] = json.loads(out)
            if handled and not queue["pending"]:
                return queue
            await anyio.sleep(0.05)


# -- devices revoke ------------------------------------------------------------------


async def test_devices_revoke_unbinds_a_device_at_once_and_closes_its_socket(
    own_server: ServerProcess,
) -> None:
    laptop, phone = "127.0.81.1", "127.0.81.2"
    person = own_server.person("customer", laptop, phone)
    async with RpcClient(own_server, laptop) as lost, rpc_socket(own_server, laptop) as ws:
        await ws.subscribe()
        code, out, err = await run_cli(own_server.data_dir, "devices", "revoke", laptop)
        assert code == cli.EXIT_OK, err
        assert f"revoked {laptop}" in out
        assert f"user {person.user_id}" in out
        refused = await lost.error("ticket.list", {})
        assert refused.code == NOT_BOUND
        closing, _reason = await ws.closed()
        assert closing is not None
    async with RpcClient(own_server, phone) as kept:
        assert (await kept.call("auth.whoami"))["bound"] is True  # only that device
    code, out, _ = await run_cli(own_server.data_dir, "devices", "--json")
    assert laptop not in {d["address"] for d in json.loads(out)}
    assert phone in {d["address"] for d in json.loads(out)}


def test_revoking_an_unknown_device_is_refused_with_exit_code_1(
    own_server: ServerProcess,
) -> None:
    done = subprocess.run(  # noqa: S603 - our own CLI
        [*server_command(), "--data-dir", str(own_server.data_dir), "devices", "revoke",
         "127.0.81.250"], capture_output=True, text=True, check=False,
        env=child_environment(), timeout=30)
    assert done.returncode == cli.EXIT_REFUSED
    assert "127.0.81.250" in done.stderr


# -- settings ------------------------------------------------------------------------


async def test_settings_change_the_name_and_policy_at_once_and_tell_live_clients(
    own_server: ServerProcess,
) -> None:
    alice, bob = "127.0.82.1", "127.0.82.2"
    own_server.person("customer", alice)
    own_server.person("customer", bob)
    code, out, _ = await run_cli(own_server.data_dir, "settings")
    assert code == cli.EXIT_OK
    assert "name                       Operator project" in out
    assert "customers_see_all_tickets  no" in out
    async with RpcClient(own_server, alice) as a, RpcClient(own_server, bob) as b, \
            rpc_socket(own_server, bob) as live:
        ticket = await a.call("ticket.create", {"subject": "Alice's printer"})
        assert [t["id"] for t in (await b.call("ticket.list", {}))["items"]] == []
        await live.subscribe()

        code, out, err = await run_cli(own_server.data_dir, "settings", "--name",
                                       "Operator Ltd", "--customers-see-all-tickets", "yes")
        assert code == cli.EXIT_OK, err
        assert "name                       Operator Ltd" in out

        event = await live.next_event()  # a customer's live stream learns it at once
        assert event["kind"] == "project.updated"
        assert event["data"]["project"] == {"name": "Operator Ltd",
                                            "customers_see_all_tickets": True}
        assert (await b.call("project.info"))["name"] == "Operator Ltd"
        listed = await b.call("ticket.list", {})  # the policy applies at once, too
        assert ticket["id"] in [t["id"] for t in listed["items"]]
    assert load_config(own_server.data_dir).project_name == "Operator Ltd"
    code, out, _ = await run_cli(own_server.data_dir, "settings", "--json")
    assert json.loads(out) == {"name": "Operator Ltd", "customers_see_all_tickets": True}
    await run_cli(own_server.data_dir, "settings", "--customers-see-all-tickets", "no")


async def test_settings_refuse_a_bad_name_and_only_admins_change_them(
    own_server: ServerProcess,
) -> None:
    customer = "127.0.82.9"
    own_server.person("customer", customer)
    code, _, err = await run_cli(own_server.data_dir, "settings", "--name", "bad\x1bname")
    assert code == cli.EXIT_REFUSED
    assert "control characters" in err
    async with RpcClient(own_server, customer) as c:
        assert (await c.error("project.update", {"name": "Mine now"})).code == FORBIDDEN


def test_project_name_edited_in_server_json_is_applied_at_the_next_serve(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path, name="Before")
    try:
        last_seq = server.admin_call("project.info")["last_seq"]
    finally:
        assert server.stop() == 0
    config = load_config(server.data_dir)
    write_config(server.data_dir, msgspec.structs.replace(config, project_name="After"))
    again = serve_again(server)
    try:
        info = again.admin_call("project.info")
        assert info["name"] == "After"
        assert info["last_seq"] == last_seq + 1  # recorded: reconnecting clients learn it
    finally:
        assert again.stop() == 0
    third = serve_again(again)  # the file unchanged since: nothing more happens
    try:
        assert third.admin_call("project.info")["last_seq"] == last_seq + 1
    finally:
        assert third.stop() == 0


# -- sign-in limits from server.json, the mail queue, the sign-in log -------------------


async def test_sign_in_limits_come_from_server_json(own_server: ServerProcess) -> None:
    assert load_config(own_server.data_dir).sign_in.requests_per_device_per_hour == PER_DEVICE
    async with RpcClient(own_server, "127.0.83.1") as device:
        for n in range(PER_DEVICE):
            await device.call("auth.request_link", {"email": f"probe{n}@acme.test",
                                                    "device_label": "probe"})
        refused = await device.error("auth.request_link", {"email": "probe9@acme.test",
                                                          "device_label": "probe"})
    assert refused.code == RATE_LIMITED


async def test_the_requesters_words_are_quoted_next_to_its_address_escaped_and_bounded(
    own_server: ServerProcess,
) -> None:
    asker = "127.0.84.1"
    person = own_server.person("customer")
    label = 'IT <b>"desk"</b> \u202eefas\u202c ' + "x" * 50
    async with RpcClient(own_server, asker) as device:
        await device.call("auth.request_link", {"email": person.email,
                                                "device_label": label[:60]})
    [mail] = await _mails_to(own_server, person.email)
    assert asked_from(mail) == asker
    assert "calls itself \u201cIT <b>\"desk\"</b> efas" in mail.text
    assert "(its own words, not checked by anyone)" in mail.text
    assert "\u202e" not in mail.text + mail.html
    assert "IT &lt;b&gt;&quot;desk&quot;&lt;/b&gt; efas" in mail.html
    async with RpcClient(own_server, "127.0.84.2") as other:
        shown = (await other.http.get(mail.link)).text
    assert f"<code>{asker}</code>" in shown
    assert ("The device that asked calls itself &ldquo;<span class=\"requester-words\">"
            "IT &lt;b&gt;&quot;desk&quot;&lt;/b&gt; efas") in shown
    assert "\u202e" not in shown


async def test_mail_and_sign_ins_show_the_queue_and_the_requests(
    own_server: ServerProcess,
) -> None:
    person = own_server.person("customer")
    async with RpcClient(own_server, "127.0.85.1") as device:
        await device.call("auth.request_link", {"email": person.email,
                                                "device_label": "tablet \u202eevil"})
        await device.call("auth.request_link", {"email": "ghost@acme.test",
                                                "device_label": "tablet"})
    queue = await _settled_queue(own_server)
    [sent] = [m for m in queue["mails"] if m["recipient"] == person.email]
    assert (sent["kind"], sent["status"], sent["has_body"]) == ("sign_in", "sent", False)
    code, table, _ = await run_cli(own_server.data_dir, "mail", "--status", "sent")
    assert code == cli.EXIT_OK
    assert table.splitlines()[0].startswith("pending 0, sent ")
    assert person.email in table
    code, listing, _ = await run_cli(own_server.data_dir, "sign-ins", "--limit", "2")
    assert code == cli.EXIT_OK
    assert "\u202e" not in listing  # shown as an escape, never sent to the terminal raw
    assert "tablet \\u202eevil" in listing
    rows = json.loads((await run_cli(own_server.data_dir, "sign-ins", "--json",
                                     "--limit", "2"))[1])
    assert [(r["email"], r["outcome"]) for r in rows] == [(None, "unknown"),
                                                         (person.email, "mailed")]
    code, _, err = await run_cli(own_server.data_dir, "mail", "retry", str(sent["id"]))
    assert code == cli.EXIT_REFUSED
    assert "only failed mail" in err
