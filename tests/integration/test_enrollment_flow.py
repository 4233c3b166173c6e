"""Sign-in by real email: the server (a subprocess) mails through a real SMTP server.

The project server is configured for SMTP with STARTTLS and LOGIN against aiosmtpd in
this process (trusting the test's CA through ``mail.smtp_ca_file``). Each test reads
the message the SMTP server received, follows its link or types its code from chosen
loopback addresses, and asks ``auth.whoami`` from each address who ended up bound.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hero_assistance.domain.magic_links import hash_secret
from tests.support.sign_in_mail import SignInMail, read_sign_in_mail, token_of

from ._enrollment_support import (
    SMTP_PASSWORD,
    SMTP_USER,
    TEMPORARY_REFUSAL,
    Device,
    MailCatcher,
    Operator,
    Received,
    RpcError,
    ServerProcess,
    ThrowawayCertificate,
    make_certificate,
    make_server_dir,
    new_email,
    smtp_mail_config,
    smtp_server,
)

pytestmark = pytest.mark.anyio

NOT_BOUND, FORBIDDEN, NOT_FOUND, CONFLICT = -32001, -32002, -32003, -32004
RATE_LIMITED, LINK_REJECTED = -32006, -32008
LIFETIME_MINUTES = 2  # not the default, to see that server.json is honoured
MAX_WRONG_CODES = 5


@dataclass(frozen=True)
class Project:
    """The running server and the SMTP server it mails through."""

    server: ServerProcess
    mailbox: MailCatcher

    async def received(self, email: str) -> list[Received]:
        """What the SMTP server got for ``email`` once the mail queue has settled.

        The server answers first and mails afterwards, so "nothing arrived" is only
        true once its worker has nothing pending.
        """
        admin = Operator(self.server)
        try:
            await admin.mail_settled()
        finally:
            await admin.aclose()
        return self.mailbox.to(email)

    async def mails_to(self, email: str) -> list[SignInMail]:
        """Every sign-in email the SMTP server received for ``email``, oldest first."""
        return [read_sign_in_mail(m.data) for m in await self.received(email)]

    async def only_mail_to(self, email: str) -> SignInMail:
        """The one email ``email`` received."""
        [mail] = await self.mails_to(email)
        return mail


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayCertificate:
    """The SMTP server's self-signed certificate."""
    return make_certificate(tmp_path_factory.mktemp("cert"))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory,
            certificate: ThrowawayCertificate) -> Iterator[Project]:
    """aiosmtpd (STARTTLS + LOGIN) and a server whose server.json points at it."""
    with smtp_server(security="starttls", certificate=certificate,
                     require_auth=True) as (mailbox, port):
        data_dir = make_server_dir(
            tmp_path_factory.mktemp("smtp-project") / "data",
            link_lifetime_minutes=LIFETIME_MINUTES,
            mail=smtp_mail_config(port, security="starttls", ca_file=str(certificate.cert),
                                  username=SMTP_USER, password=SMTP_PASSWORD),
        )
        server = ServerProcess(data_dir)
        server.start()
        try:
            yield Project(server=server, mailbox=mailbox)
        finally:
            code = server.stop()
        assert code == 0, server.log()


@contextlib.asynccontextmanager
async def devices(project: Project, count: int) -> AsyncIterator[list[Device]]:
    """``count`` fresh devices, each on its own loopback address."""
    made = [Device(project.server) for _ in range(count)]
    try:
        yield made
    finally:
        for device in made:
            await device.aclose()


@contextlib.asynccontextmanager
async def operator(project: Project) -> AsyncIterator[Operator]:
    """The admin socket."""
    admin = Operator(project.server)
    try:
        yield admin
    finally:
        await admin.aclose()


async def ask(device: Device, email: str, label: str = "laptop") -> dict[str, Any]:
    """``auth.request_link`` from ``device``."""
    result: dict[str, Any] = await device.call("auth.request_link",
                                               {"email": email, "device_label": label})
    return result


async def refused(code: int, device: Device, method: str,
                  params: dict[str, Any] | None = None) -> RpcError:
    """The call must fail with ``code``."""
    with pytest.raises(RpcError) as caught:
        await device.call(method, params)
    assert caught.value.code == code, caught.value
    return caught.value


async def bound_to(device: Device) -> str | None:
    """The email the device is bound to, or ``None``."""
    me = await device.whoami()
    assert me["device_addr"] == device.address
    return me["user"]["email"] if me["bound"] else None


async def sign_in(project: Project, device: Device, email: str, label: str = "laptop"
                  ) -> dict[str, Any]:
    """Ask for a link and type the code from the email on the same device."""
    await ask(device, email, label)
    result: dict[str, Any] = await device.call(
        "auth.confirm", {"code": (await project.mails_to(email))[-1].code})
    return result


def secrets_in_database(server: ServerProcess) -> bytes:
    """Everything the database holds: the raw files (with the WAL) and a full SQL dump."""
    raw = b"".join(path.read_bytes() for path in sorted(server.data_dir.iterdir())
                   if path.name.startswith(server.database.name))
    with contextlib.closing(sqlite3.connect(f"file:{server.database}?mode=ro",
                                            uri=True)) as db:
        dump = "\n".join(db.iterdump())
    return raw + dump.encode()


# -- the email and the link ----------------------------------------------------------


async def test_the_link_in_the_email_binds_the_device_that_asked_not_the_one_opening_it(
    project: Project,
) -> None:
    email = new_email("carol")
    async with operator(project) as admin, devices(project, 2) as (laptop, phone):
        await admin.enroll(email)
        answer = await ask(laptop, email, "Carol's laptop")
        assert answer["accepted"] is True
        assert answer["expires_in_seconds"] == LIFETIME_MINUTES * 60

        [received] = await project.received(email)
        assert received.tls
        assert received.authenticated_as == SMTP_USER
        assert received.mail_from == "support@acme.test"
        mail = read_sign_in_mail(received.data)
        assert mail.message["To"] == email
        assert mail.message["Subject"] == "Sign in to Acme support"
        assert mail.link.startswith(f"{project.server.base_url}/auth/link/")
        assert len(token_of(mail.link)) >= 22  # at least 128 bits, URL-safe base64
        for part in (mail.text, mail.html):
            assert "Carol&#x27;s laptop" in part or "Carol's laptop" in part
            assert f"{LIFETIME_MINUTES} minutes" in part

        page = await phone.http.get(mail.link)  # opened on the phone, not the laptop
        assert page.status_code == 200
        assert laptop.address in page.text
        assert email in page.text
        assert 'method="post"' in page.text
        assert page.headers["cache-control"] == "no-store"
        assert (await bound_to(laptop), await bound_to(phone)) == (None, None)

        done = await phone.http.post(mail.link)
        assert done.status_code == 200
        assert laptop.address in done.text
        assert (await bound_to(laptop), await bound_to(phone)) == (email, None)
        [mine] = await laptop.call("device.list")
        assert (mine["address"], mine["label"]) == (laptop.address, "Carol's laptop")


async def test_the_code_binds_the_device_that_asked_and_activates_the_user(
    project: Project,
) -> None:
    email = new_email("dave")
    async with operator(project) as admin, devices(project, 1) as [desktop]:
        user = await admin.enroll(email)
        assert user["status"] == "invited"
        await ask(desktop, email)
        code = (await project.only_mail_to(email)).code
        device = await desktop.call("auth.confirm", {"code": code.lower().replace("-", " ")})
        assert device["address"] == desktop.address
        assert device["user_id"] == user["id"]
        assert await bound_to(desktop) == email
        [listed] = [u for u in await admin.call("user.list") if u["email"] == email]
        assert listed["status"] == "active"


async def test_a_get_of_the_link_page_binds_nothing_however_often_it_is_fetched(
    project: Project,
) -> None:
    # Mail scanners and previews fetch links; only the button's POST may bind.
    email = new_email("erin")
    async with operator(project) as admin, devices(project, 2) as (asker, other):
        await admin.enroll(email)
        await ask(asker, email)
        link = (await project.only_mail_to(email)).link
        for client in (asker, other, asker):
            assert (await client.http.get(link)).status_code == 200
            assert (await client.http.head(link)).status_code in {200, 405}
        assert (await bound_to(asker), await bound_to(other)) == (None, None)
        [pending] = await admin.pending_links(email)
        assert pending["device_addr"] == asker.address
        assert pending["attempts"] == 0
        # Still good: the code works after all those visits.
        await asker.call("auth.confirm", {"code": (await project.only_mail_to(email)).code})
        assert await bound_to(asker) == email
        assert await admin.pending_links(email) == []


async def test_a_used_link_and_its_code_are_dead(project: Project) -> None:
    email = new_email("fay")
    async with operator(project) as admin, devices(project, 2) as (asker, other):
        await admin.enroll(email)
        await ask(asker, email)
        mail = await project.only_mail_to(email)
        assert (await asker.http.post(mail.link)).status_code == 200
        for method in ("get", "post"):
            again = await other.http.request(method.upper(), mail.link)
            assert again.status_code == 410
            assert "already been used" in again.text
        # The code is tied to the asking device, which is bound now; elsewhere it is nothing.
        await refused(CONFLICT, asker, "auth.confirm", {"code": mail.code})
        error = await refused(LINK_REJECTED, other, "auth.confirm", {"code": mail.code})
        assert "no pending sign-in" in error.data["reason"]
        assert await bound_to(other) is None


async def test_unknown_links_get_the_refusal_page(project: Project) -> None:
    async with devices(project, 1) as [device]:
        page = await device.http.get(f"{project.server.base_url}/auth/link/not-a-real-token")
        assert page.status_code == 410
        assert "cannot be used" in page.text
        assert (await device.http.post(page.url)).status_code == 410


async def test_the_database_holds_hashes_of_the_token_and_code_never_the_secrets(
    project: Project,
) -> None:
    email = new_email("gus")
    async with operator(project) as admin, devices(project, 1) as [device]:
        await admin.enroll(email)
        # The mail server refuses for a while: the mail, link and code in it, waits in
        # the queue. The files are read then, and again once it was sent.
        project.mailbox.refuse = TEMPORARY_REFUSAL
        try:
            await ask(device, email)
            # Refused once at least: the link exists and its sealed mail waits.
            queued = await admin.mail_to(email, "pending", attempts=1)
            assert queued["has_body"] is True
            while_queued = secrets_in_database(project.server)
        finally:
            project.mailbox.refuse = ""
        mail = await project.only_mail_to(email)
        token, code = token_of(mail.link), mail.code.replace("-", "")
        after_sending = secrets_in_database(project.server)
        # The hashes are there, so this is the data the link lives in ...
        assert hash_secret(token).encode() in after_sending
        assert hash_secret(code).encode() in after_sending
        # ... and neither secret is, in any form, while queued or after.
        for stored in (while_queued, after_sending):
            for secret in (token, code, mail.code, code.lower(), mail.link):
                assert secret.encode() not in stored, secret
        [sent] = [m for m in (await admin.mail_queue("sent"))["mails"]
                  if m["recipient"] == email]
        assert sent["has_body"] is False


# -- who gets an email -------------------------------------------------------------------


async def test_enrolled_unknown_and_disabled_emails_get_the_same_answer_one_mail_only(
    project: Project,
) -> None:
    enrolled, unknown, disabled = new_email("hal"), new_email("nobody"), new_email("ivy")
    async with operator(project) as admin, devices(project, 3) as (d1, d2, d3):
        await admin.enroll(enrolled)
        off = await admin.enroll(disabled)
        await admin.call("user.update", {"user_id": off["id"], "disabled": True})
        answers = [await ask(d1, enrolled), await ask(d2, unknown), await ask(d3, disabled)]
        assert answers[0] == answers[1] == answers[2]
        assert len(await project.received(enrolled)) == 1
        assert await project.received(unknown) == []
        assert await project.received(disabled) == []
        assert [link["device_addr"] for link in await admin.pending_links()
                if link["email"] in {enrolled, unknown, disabled}] == [d1.address]


async def test_other_devices_can_neither_lock_the_owner_out_nor_flood_the_mailbox(
    project: Project,
) -> None:
    # On today's main three requests from any three addresses locked the owner out.
    owner = new_email("jo")
    shares, share = 6, 2  # the defaults: 12 mails an hour, 2 per device
    async with operator(project) as admin, devices(project, shares + 2) as many:
        await admin.enroll(owner)
        strangers, laptop, late = many[:shares - 1], many[shares - 1], many[shares]
        for device in strangers:
            for _ in range(share):
                await ask(device, owner, "not the owner")
        await ask(laptop, owner, "Jo's laptop")
        mine = [m for m in await project.mails_to(owner) if laptop.address in m.text]
        assert len(mine) == 1
        assert "calls itself \u201cJo's laptop\u201d" in mine[0].text
        await laptop.call("auth.confirm", {"code": mine[0].code})
        assert await bound_to(laptop) == owner
        # Every share is taken now: a further device is answered alike and mailed nothing.
        assert await ask(late, owner) == await ask(many[-1], new_email("nobody"))
        assert len(await project.received(owner)) == shares * share - 1
        assert len(await project.received(owner)) <= 12
        requests = await admin.call("admin.sign_in_requests", {"limit": 20})
        assert [r["outcome"] for r in requests if r["device_addr"] == late.address] == [
            "mailbox_full"]


async def test_a_device_past_its_share_is_refused_alike_for_enrolled_and_unknown(
    project: Project,
) -> None:
    enrolled, unknown = new_email("kit"), new_email("ghost")
    async with operator(project) as admin, devices(project, 3) as (one, two, other):
        await admin.enroll(enrolled)
        errors = []
        for email, device in ((enrolled, one), (unknown, two)):
            first = [await ask(device, email) for _ in range(2)]
            assert first[0] == first[1]
            errors.append(await refused(RATE_LIMITED, device, "auth.request_link",
                                        {"email": email, "device_label": "x"}))
        assert 0 < errors[0].data["retry_after"] <= 3600
        # The same refusal for both: the limit does not reveal who is enrolled.
        assert (errors[0].message, errors[0].data.keys()) == (errors[1].message,
                                                             errors[1].data.keys())
        assert "from this device" in errors[0].message
        await ask(other, enrolled)  # another device is not held back
        assert len(await project.received(enrolled)) == 3


async def test_requests_are_rate_limited_per_device_whatever_the_email(
    project: Project,
) -> None:
    async with devices(project, 2) as (busy, calm):
        for _ in range(10):
            await ask(busy, new_email("probe"))
        error = await refused(RATE_LIMITED, busy, "auth.request_link",
                              {"email": new_email("probe"), "device_label": "x"})
        assert error.data["retry_after"] > 0
        await ask(calm, new_email("probe"))  # another device is not affected


# -- wrong codes, bound addresses ----------------------------------------------------


async def test_wrong_codes_are_counted_until_the_link_locks(project: Project) -> None:
    email = new_email("kim")
    async with operator(project) as admin, devices(project, 1) as [device]:
        await admin.enroll(email)
        await ask(device, email)
        mail = await project.only_mail_to(email)
        wrong = "".join("2" if ch != "2" else "3" for ch in mail.code.replace("-", ""))
        for attempt in range(1, MAX_WRONG_CODES + 1):
            error = await refused(LINK_REJECTED, device, "auth.confirm", {"code": wrong})
            assert error.data == {"reason": "wrong code"}
            if attempt < MAX_WRONG_CODES:
                [pending] = await admin.pending_links(email)
                assert pending["attempts"] == attempt
        error = await refused(LINK_REJECTED, device, "auth.confirm", {"code": mail.code})
        assert "too many wrong codes" in error.data["reason"]
        assert (await device.http.get(mail.link)).status_code == 410
        assert (await device.http.post(mail.link)).status_code == 410
        assert await bound_to(device) is None
        assert await admin.pending_links(email) == []
        # A fresh link starts over.
        await sign_in(project, device, email)
        assert await bound_to(device) == email


async def test_an_address_bound_to_one_person_cannot_be_bound_to_another(
    project: Project,
) -> None:
    first, second = new_email("lee"), new_email("max")
    async with operator(project) as admin, devices(project, 1) as [device]:
        await admin.enroll(first)
        await admin.enroll(second)
        await ask(device, first)
        await ask(device, second)  # both pending for the same address
        first_link = (await project.only_mail_to(first)).link
        assert (await device.http.post(first_link)).status_code == 200
        clash = await device.http.post((await project.only_mail_to(second)).link)
        assert clash.status_code == 409
        assert "already bound to another account" in clash.text
        assert await bound_to(device) == first
        # And a bound device cannot ask for another link at all.
        await refused(CONFLICT, device, "auth.request_link",
                      {"email": second, "device_label": "again"})


# -- mail failures -----------------------------------------------------------------------


async def test_while_mail_is_refused_the_answer_is_the_same_and_the_mail_follows_later(
    project: Project,
) -> None:
    # On today's main the enrolled email got -32009 while the unknown one got the usual
    # answer: the outage told who is enrolled. Now both are answered alike, the mail waits.
    email, ghost = new_email("ned"), new_email("nobody")
    async with operator(project) as admin, devices(project, 2) as (device, prober):
        await admin.enroll(email)
        project.mailbox.refuse = TEMPORARY_REFUSAL
        try:
            answers = [await ask(device, email), await ask(prober, ghost)]
            assert answers[0] == answers[1]
            # Refused twice: it was retried, and is still waiting.
            waiting = await admin.mail_to(email, "pending", attempts=2)
            assert "451" in waiting["last_error"]
            assert project.mailbox.to(email) == []
        finally:
            project.mailbox.refuse = ""
        [mail] = await project.mails_to(email)  # sent once the server takes it again
        message_ids = {m.message["Message-ID"] for m in await project.mails_to(email)}
        assert len(message_ids) == 1
        assert f".{waiting['id']}." in next(iter(message_ids))
        await device.call("auth.confirm", {"code": mail.code})
        assert await bound_to(device) == email


async def test_a_recipient_refused_for_good_fails_the_mail_for_the_operator_to_see(
    project: Project,
) -> None:
    email = new_email("gone")
    async with operator(project) as admin, devices(project, 1) as [device]:
        await admin.enroll(email)
        project.mailbox.unknown.add(email)
        try:
            assert (await ask(device, email))["accepted"] is True
            await admin.mail_settled()
        finally:
            project.mailbox.unknown.discard(email)
        [failed] = [m for m in (await admin.mail_queue("failed"))["mails"]
                    if m["recipient"] == email]
        assert failed["attempts"] == 1  # not retried
        assert "550" in failed["last_error"]
        assert failed["has_body"] is False  # a sign-in mail keeps no link once finished
        assert project.mailbox.to(email) == []


# -- enrollment and device management ----------------------------------------------------


async def test_an_admin_device_enrolls_people_and_a_second_enrollment_conflicts(
    project: Project,
) -> None:
    boss, customer, newcomer = new_email("boss"), new_email("olga"), new_email("pat")
    async with operator(project) as admin, devices(project, 2) as (boss_pc, olga_pc):
        await admin.enroll(boss, role="admin")
        await admin.enroll(customer)
        await sign_in(project, boss_pc, boss)
        await sign_in(project, olga_pc, customer)
        made = await boss_pc.call("user.enroll", {"email": newcomer.upper(), "role": "agent",
                                                  "display_name": "Pat"})
        assert (made["email"], made["role"], made["status"]) == (newcomer, "agent", "invited")
        error = await refused(CONFLICT, boss_pc, "user.enroll",
                              {"email": newcomer, "role": "customer", "display_name": "P"})
        assert "already enrolled" in error.message
        with pytest.raises(RpcError) as over_socket:
            await admin.enroll(newcomer)
        assert over_socket.value.code == CONFLICT
        await refused(FORBIDDEN, olga_pc, "user.enroll",
                      {"email": new_email("x"), "role": "admin", "display_name": "X"})


async def test_revoking_the_calling_device_takes_effect_at_once_and_it_can_bind_again(
    project: Project,
) -> None:
    email = new_email("quinn")
    async with operator(project) as admin, devices(project, 1) as [device]:
        await admin.enroll(email)
        await sign_in(project, device, email)
        revoked = await device.call("device.revoke", {"address": device.address})
        assert revoked["address"] == device.address
        await refused(NOT_BOUND, device, "device.list")
        await refused(NOT_BOUND, device, "ticket.list", {})
        assert await bound_to(device) is None
        # Revoked is unbound, not banned: a new link binds it again.
        await sign_in(project, device, email, label="same laptop, again")
        assert await bound_to(device) == email
        [again] = await device.call("device.list")
        assert again["label"] == "same laptop, again"


async def test_two_devices_of_one_person_are_both_bound_and_see_the_same_tickets(
    project: Project,
) -> None:
    email = new_email("rita")
    async with operator(project) as admin, devices(project, 2) as (laptop, phone):
        user = await admin.enroll(email)
        await sign_in(project, laptop, email, "laptop")
        await sign_in(project, phone, email, "phone")
        assert (await bound_to(laptop), await bound_to(phone)) == (email, email)

        mine = await laptop.call("device.list")
        assert {(d["address"], d["label"]) for d in mine} == {
            (laptop.address, "laptop"), (phone.address, "phone")}
        for seen in mine:
            assert seen["user_id"] == user["id"]
            assert datetime.fromisoformat(seen["last_seen"]) >= datetime.fromisoformat(
                seen["bound_at"])
        assert await phone.call("device.list") == mine

        ticket = await laptop.call("ticket.create", {"subject": "Printer on fire"})
        listed = await phone.call("ticket.list", {})
        assert [t["id"] for t in listed["items"]] == [ticket["id"]]
        assert (await phone.call("ticket.get", {"ticket_id": ticket["id"]}))["subject"] == \
            "Printer on fire"

        renamed = await phone.call("device.rename", {"address": laptop.address,
                                                     "label": "old laptop"})
        assert renamed["label"] == "old laptop"
        await phone.call("device.revoke", {"address": laptop.address})
        await refused(NOT_BOUND, laptop, "ticket.list", {})
        assert [t["id"] for t in (await phone.call("ticket.list", {}))["items"]] == [
            ticket["id"]]


async def test_people_manage_only_their_own_devices_admins_anyones(project: Project) -> None:
    boss, sam, tia = new_email("boss"), new_email("sam"), new_email("tia")
    async with operator(project) as admin, devices(project, 3) as (boss_pc, sam_pc, tia_pc):
        await admin.enroll(boss, role="admin")
        sam_user = await admin.enroll(sam)
        await admin.enroll(tia)
        for device, email in ((boss_pc, boss), (sam_pc, sam), (tia_pc, tia)):
            await sign_in(project, device, email)
        await refused(NOT_FOUND, tia_pc, "device.revoke", {"address": sam_pc.address})
        await refused(NOT_FOUND, tia_pc, "device.rename",
                      {"address": sam_pc.address, "label": "mine now"})
        await refused(NOT_FOUND, tia_pc, "device.list", {"user_id": sam_user["id"]})
        assert await bound_to(sam_pc) == sam

        everyone = {d["address"] for d in await boss_pc.call("device.list")}
        assert {boss_pc.address, sam_pc.address, tia_pc.address} <= everyone
        [sams] = await boss_pc.call("device.list", {"user_id": sam_user["id"]})
        assert sams["address"] == sam_pc.address
        await boss_pc.call("device.revoke", {"address": sam_pc.address})
        await refused(NOT_BOUND, sam_pc, "device.list")


async def test_an_admin_disables_a_user_on_every_device_and_enables_them_again(
    project: Project,
) -> None:
    boss, uma = new_email("boss"), new_email("uma")
    async with operator(project) as admin, \
            devices(project, 4) as (boss_pc, uma_laptop, uma_phone, stranger):
        await admin.enroll(boss, role="admin")
        user = await admin.enroll(uma)
        await sign_in(project, boss_pc, boss)
        await sign_in(project, uma_laptop, uma)
        await sign_in(project, uma_phone, uma)

        changed = await boss_pc.call("user.update", {"user_id": user["id"], "disabled": True})
        assert changed["status"] == "disabled"
        for device in (uma_laptop, uma_phone):
            error = await refused(FORBIDDEN, device, "auth.whoami")
            assert "disabled" in error.message
        # A disabled person's email gets the same answer as anyone's, and no mail.
        before = len(await project.received(uma))
        assert (await ask(stranger, uma))["accepted"] is True
        assert len(await project.received(uma)) == before

        changed = await boss_pc.call("user.update", {"user_id": user["id"], "disabled": False})
        assert changed["status"] == "active"
        assert (await bound_to(uma_laptop), await bound_to(uma_phone)) == (uma, uma)


async def test_the_link_lifetime_comes_from_server_json(project: Project) -> None:
    email = new_email("vic")
    async with operator(project) as admin, devices(project, 1) as [device]:
        await admin.enroll(email)
        await ask(device, email)
        await admin.mail_settled()  # the link is made by the mail worker, after the answer
        [link] = await admin.pending_links(email)
        lifetime = (datetime.fromisoformat(link["expires_at"])
                    - datetime.fromisoformat(link["created_at"]))
        assert lifetime.total_seconds() == LIFETIME_MINUTES * 60


def test_the_server_refuses_to_start_with_an_unreadable_ca_file(tmp_path: Path) -> None:
    data_dir = make_server_dir(tmp_path / "data", mail=smtp_mail_config(
        25, security="starttls", ca_file="missing-ca.pem"))
    server = ServerProcess(data_dir)
    with pytest.raises(RuntimeError, match="smtp_ca_file"):
        server.start()
    assert server.stop() == 2


