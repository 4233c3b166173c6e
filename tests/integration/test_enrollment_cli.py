"""The operator's commands as real subprocesses against a server made by ``init``.

``init`` configures the outbox, so the sign-in emails of this module are ``.eml`` files
in ``<data dir>/outbox``: the demo setup the README describes.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.support.sign_in_mail import SignInMail, read_sign_in_mail

from ._enrollment_support import (
    Device,
    Operator,
    RpcError,
    ServerProcess,
    free_port,
    new_email,
    server_command,
)

pytestmark = pytest.mark.anyio

FORBIDDEN, LINK_REJECTED, INVALID_PARAMS = -32002, -32008, -32602
EXIT_OK, EXIT_REFUSED = 0, 1


@dataclass(frozen=True)
class Demo:
    """A project made with ``init`` and served."""

    server: ServerProcess
    init_output: str

    @property
    def data_dir(self) -> Path:
        """The project's data directory."""
        return self.server.data_dir

    async def mails_to(self, email: str) -> list[SignInMail]:
        """Sign-in emails to ``email`` in the outbox, oldest first, once the server's mail
        worker has nothing pending."""
        admin = Operator(self.server)
        try:
            await admin.mail_settled()
        finally:
            await admin.aclose()
        found = [read_sign_in_mail(p.read_bytes())
                 for p in sorted((self.data_dir / "outbox").glob("*.eml"))]
        return [mail for mail in found if mail.message["To"] == email]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """``init`` (a subprocess, default mail settings) then ``serve``."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    made = subprocess.run(  # noqa: S603 - our own CLI
        server_command(data_dir, "init", "Demo", "--overlay", "loopback",
                       "--port", str(free_port())),
        capture_output=True, text=True, check=False,
    )
    assert made.returncode == EXIT_OK, made.stderr
    server = ServerProcess(data_dir)
    server.start()
    try:
        yield Demo(server=server, init_output=made.stdout)
    finally:
        code = server.stop()
    assert code == 0, server.log()


async def cli(demo: Demo, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``hero-assistance-server --data-dir DIR ARGS`` as a subprocess."""
    return await anyio.run_process(server_command(demo.data_dir, *args), check=False)


async def cli_json(demo: Demo, *args: str) -> list[dict[str, Any]]:
    """A listing command with ``--json``."""
    done = await cli(demo, *args, "--json")
    assert done.returncode == EXIT_OK, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


@contextlib.asynccontextmanager
async def clients(demo: Demo, count: int) -> AsyncIterator[tuple[Operator, list[Device]]]:
    """The admin socket and ``count`` fresh devices."""
    admin = Operator(demo.server)
    made = [Device(demo.server) for _ in range(count)]
    try:
        yield admin, made
    finally:
        for client in (admin, *made):
            await client.aclose()


async def ask(device: Device, email: str, label: str = "laptop") -> None:
    """``auth.request_link``."""
    await device.call("auth.request_link", {"email": email, "device_label": label})


def test_init_sends_sign_in_emails_to_the_outbox_by_default(demo: Demo) -> None:
    config = json.loads((demo.data_dir / "server.json").read_text())
    assert config["mail"]["kind"] == "outbox"
    assert config["link_lifetime_minutes"] == 15
    assert str(demo.data_dir / "outbox") in demo.init_output


async def test_enroll_prints_the_user_and_a_second_enrollment_is_refused(demo: Demo) -> None:
    email = new_email("wes")
    first = await cli(demo, "enroll", email, "--role", "agent", "--name", "Wes")
    assert first.returncode == EXIT_OK, first.stderr
    assert f"enrolled {email} as agent" in first.stdout.decode()
    again = await cli(demo, "enroll", email.upper(), "--role", "customer")
    assert again.returncode == EXIT_REFUSED
    assert again.stderr.decode().strip() == f"refused: {email} is already enrolled"
    assert again.stdout == b""


async def test_users_and_devices_show_status_binding_and_last_seen(demo: Demo) -> None:
    email = new_email("xena")
    async with clients(demo, 1) as (admin, [laptop]):
        await admin.enroll(email)
        await ask(laptop, email, "Xena's laptop")
        [mail] = await demo.mails_to(email)  # the outbox holds the demo's emails
        await laptop.call("auth.confirm", {"code": mail.code})

    [user] = [u for u in await cli_json(demo, "users") if u["email"] == email]
    assert user["status"] == "active"
    table = await cli(demo, "devices")
    assert table.returncode == EXIT_OK
    header, *rows = table.stdout.decode().splitlines()
    assert header.split() == ["address", "user_id", "label", "bound_at", "last_seen"]
    [row] = [line for line in rows if line.startswith(laptop.address + " ")]
    assert str(user["id"]) in row.split()
    assert "Xena's laptop" in row
    assert len(row.split()) >= 5  # bound_at and last_seen are printed


async def test_device_labels_from_the_network_cannot_drive_the_operators_terminal(
        demo: Demo) -> None:
    email = new_email("zed")
    # Control characters, C1 CSI included, are refused as input (D-15); bidi marks
    # (formatting characters) pass the label rules and must still not reach the terminal.
    label = "pc \u202eexe.txt \u2066x"
    async with clients(demo, 1) as (admin, [laptop]):
        await admin.enroll(email)
        with pytest.raises(RpcError) as refused:
            await ask(laptop, email, "pc \x9b2J")
        assert refused.value.code == INVALID_PARAMS
        await ask(laptop, email, label)
        [mail] = await demo.mails_to(email)
        await laptop.call("auth.confirm", {"code": mail.code})
    for command in ("devices", "links"):
        printed = (await cli(demo, command)).stdout.decode()
        assert not any(ch in printed for ch in "\x9b\u202e\u2066"), command
    table = (await cli(demo, "devices")).stdout.decode()
    assert "pc \\u202eexe.txt \\u2066x" in table
    [device] = [d for d in await cli_json(demo, "devices") if d["address"] == laptop.address]
    assert device["label"] == label


async def test_links_lists_pending_links_and_expire_links_withdraws_them(demo: Demo) -> None:
    email = new_email("yan")
    async with clients(demo, 1) as (admin, [phone]):
        await admin.enroll(email)
        await ask(phone, email, "phone")
        await admin.mail_settled()  # the link is made by the mail worker, after the answer
        [link] = [x for x in await cli_json(demo, "links") if x["email"] == email]
        assert (link["device_addr"], link["device_label"], link["attempts"]) == (
            phone.address, "phone", 0)
        assert not {"token", "code", "token_hash", "code_hash"} & link.keys()

        done = await cli(demo, "expire-links", email)
        assert done.returncode == EXIT_OK, done.stderr
        assert done.stdout.decode().strip() == f"withdrew 1 pending link(s) of {email}"
        assert await admin.pending_links(email) == []
        [mail] = await demo.mails_to(email)
        with pytest.raises(RpcError) as refused:
            await phone.call("auth.confirm", {"code": mail.code})
        assert refused.value.code == LINK_REJECTED
        assert "no pending sign-in" in refused.value.data["reason"]
        page = await phone.http.get(mail.link)
        assert page.status_code == 410
        assert "withdrawn" in page.text


async def test_resend_link_mails_a_fresh_link_for_the_device_that_asked(demo: Demo) -> None:
    email = new_email("zoe")
    async with clients(demo, 2) as (admin, [tablet, helper]):
        await admin.enroll(email)
        await ask(tablet, email, "tablet")
        await admin.mail_settled()  # the link is made by the mail worker, after the answer
        [pending] = await admin.pending_links(email)

        done = await cli(demo, "resend-link", str(pending["id"]))
        assert done.returncode == EXIT_OK, done.stderr
        [fresh] = await admin.pending_links(email)
        assert fresh["id"] != pending["id"]
        assert done.stdout.decode().strip() == (
            f"queued a new link (id {fresh['id']}) for device {tablet.address}; "
            "'mail' shows its delivery")
        old, new = await demo.mails_to(email)
        assert old.link != new.link
        assert (await helper.http.get(old.link)).status_code == 410
        # Pressed on another device, the new link still binds the tablet that asked.
        assert (await helper.http.post(new.link)).status_code == 200
        assert (await tablet.whoami())["bound"] is True
        assert (await helper.whoami())["bound"] is False

    unknown = await cli(demo, "resend-link", "987654")
    assert unknown.returncode == EXIT_REFUSED
    assert "987654 does not exist" in unknown.stderr.decode()


async def test_disable_locks_every_device_at_once_and_enable_lets_them_back(
    demo: Demo,
) -> None:
    email = new_email("abe")
    async with clients(demo, 1) as (admin, [laptop]):
        await admin.enroll(email)
        await ask(laptop, email)
        await laptop.call("auth.confirm", {"code": (await demo.mails_to(email))[-1].code})

        off = await cli(demo, "disable", email)
        assert (off.returncode, off.stdout.decode().strip()) == (EXIT_OK, f"disabled {email}")
        with pytest.raises(RpcError) as locked:
            await laptop.whoami()
        assert locked.value.code == FORBIDDEN
        [user] = [u for u in await admin.call("user.list") if u["email"] == email]
        assert user["status"] == "disabled"

        on = await cli(demo, "enable", email)
        assert (on.returncode, on.stdout.decode().strip()) == (EXIT_OK, f"enabled {email}")
        me = await laptop.whoami()
        assert (me["bound"], me["user"]["status"]) == (True, "active")
