"""Enrollment over time, on the real SQLite store and the real outbox: link expiry,
restarts, and the ``last_seen`` of bound devices.

Waiting out a real lifetime would take minutes, so these tests run the enrollment use
cases in-process with a manual clock over the production adapters (SQLite file,
``.eml`` outbox, the system's secrets) instead of the server subprocess.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hero_assistance.adapters.mail import OutboxMailer
from hero_assistance.adapters.memory.clock import ManualClock
from hero_assistance.adapters.sqlite import SqliteStorage
from hero_assistance.adapters.system import SystemSecrets
from hero_assistance.domain.errors import LinkRejected
from hero_assistance.domain.identity import CallerIdentity, Role, UnboundDevice
from hero_assistance.domain.magic_links import LINK_LIFETIME
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.services import (
    Accounts,
    DeliveryPass,
    DeviceEnrollment,
    MailDelivery,
)
from tests.support.sign_in_mail import SignInMail, read_sign_in_mail, token_of

pytestmark = pytest.mark.anyio

OPERATOR = CallerIdentity(user_id=0, device_addr="admin-socket", role=Role.ADMIN)
LAPTOP = UnboundDevice(device_addr="127.0.0.2")
EMAIL = "carol@acme.test"
KEY = bytes(range(32))  # the data directory's mail key, the same across restarts


@dataclass
class Stack:
    """The use cases over real adapters, with a clock the test moves."""

    data_dir: Path
    storage: SqliteStorage
    clock: ManualClock
    accounts: Accounts
    devices: DeviceEnrollment
    delivery: MailDelivery

    async def ask(self) -> None:
        """LAPTOP asks for a link for Carol; the mail worker delivers it."""
        await self.devices.request_link(LAPTOP, email=EMAIL, device_label="laptop")
        await self.worker_pass()

    async def worker_pass(self) -> DeliveryPass:
        """What one pass of the server's mail worker does: turn the recorded sign-in
        requests into links and queued mail, then send the mail that is due."""
        while await self.devices.issue_requested_links():
            pass
        return await self.delivery.deliver_due()

    @property
    def outbox(self) -> Path:
        """Where the mail goes."""
        return self.data_dir / "outbox"

    def mails(self) -> list[SignInMail]:
        """Every email written, oldest first (file names start with the time)."""
        return [read_sign_in_mail(p.read_bytes()) for p in sorted(self.outbox.glob("*.eml"))]


async def _stack(data_dir: Path, clock: ManualClock, lifetime: timedelta = LINK_LIFETIME
                 ) -> Stack:
    storage = await SqliteStorage.open(data_dir / "project.sqlite3",
                                       ProjectSettings(name="Acme"), mail_key=KEY)
    mailer = OutboxMailer(data_dir / "outbox", sender="support@acme.test")
    devices = DeviceEnrollment(storage, clock, SystemSecrets(),
                               lambda token: f"http://127.0.0.1:7330/auth/link/{token}",
                               lifetime=lifetime)
    return Stack(data_dir=data_dir, storage=storage, clock=clock,
                 accounts=Accounts(storage, clock), devices=devices,
                 delivery=MailDelivery(storage, clock, mailer))


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """A fresh project with Carol enrolled."""
    made = await _stack(tmp_path, ManualClock())
    try:
        await made.accounts.enroll(OPERATOR, email=EMAIL, role=Role.CUSTOMER,
                                   display_name="Carol")
        yield made
    finally:
        await made.storage.close()


async def _expect_refused(stack: Stack, mail: SignInMail, reason: str,
                          code_reason: str | None = None) -> None:
    """The link page (GET and POST) and the code from the asking device all refuse."""
    token = token_of(mail.link)
    with pytest.raises(LinkRejected, match=reason):
        await stack.devices.preview_link(token)
    with pytest.raises(LinkRejected, match=reason):
        await stack.devices.confirm_link(token)
    with pytest.raises(LinkRejected, match=code_reason or reason):
        await stack.devices.confirm_code(LAPTOP, mail.code)


async def test_a_link_and_its_code_expire_after_fifteen_minutes(stack: Stack) -> None:
    await stack.ask()
    [mail] = stack.mails()
    assert "15 minutes" in mail.text
    stack.clock.advance(LINK_LIFETIME - timedelta(seconds=1))
    preview = await stack.devices.preview_link(token_of(mail.link))
    assert preview.device_addr == LAPTOP.device_addr
    stack.clock.advance(timedelta(seconds=1))
    await _expect_refused(stack, mail, "expired")
    assert await stack.devices.pending_links(OPERATOR) == []
    assert await stack.storage.read(lambda r: r.devices.get(LAPTOP.device_addr)) is None


async def test_a_shorter_lifetime_from_the_configuration_is_honoured(tmp_path: Path) -> None:
    clock = ManualClock()
    short = await _stack(tmp_path, clock, lifetime=timedelta(minutes=1))
    try:
        await short.accounts.enroll(OPERATOR, email=EMAIL, role=Role.CUSTOMER,
                                    display_name="Carol")
        await short.ask()
        [mail] = short.mails()
        assert "expire in 1 minute and" in mail.text
        assert "expire in 1 minute and" in mail.html
        clock.advance(timedelta(seconds=59))
        await short.devices.preview_link(token_of(mail.link))
        clock.advance(timedelta(seconds=1))
        await _expect_refused(short, mail, "expired")
    finally:
        await short.storage.close()


async def test_resending_an_expired_link_mails_a_fresh_one_that_works(stack: Stack) -> None:
    await stack.ask()
    [old] = await stack.storage.read(lambda r: r.magic_links.all())
    stack.clock.advance(LINK_LIFETIME)
    new = await stack.devices.resend_link(OPERATOR, old.id)
    await stack.delivery.deliver_due()
    assert new.expires_at == stack.clock.now() + LINK_LIFETIME
    assert new.device_addr == LAPTOP.device_addr
    first, second = stack.mails()
    # The old code is now a wrong guess at the new link of the same device.
    await _expect_refused(stack, first, "withdrawn", code_reason="wrong code")
    binding = await stack.devices.confirm_link(token_of(second.link))
    assert binding.address == LAPTOP.device_addr


async def test_a_pending_link_survives_a_restart_and_stays_single_use(tmp_path: Path) -> None:
    clock = ManualClock()
    before = await _stack(tmp_path, clock)
    try:
        await before.accounts.enroll(OPERATOR, email=EMAIL, role=Role.CUSTOMER,
                                     display_name="Carol")
        await before.ask()
        [mail] = before.mails()
    finally:
        await before.storage.close()
    stored = (tmp_path / "project.sqlite3").read_bytes()
    assert token_of(mail.link).encode() not in stored
    assert mail.code.replace("-", "").encode() not in stored

    clock.advance(timedelta(minutes=5))
    after = await _stack(tmp_path, clock)
    try:
        binding = await after.devices.confirm_code(LAPTOP, mail.code)
        assert binding.address == LAPTOP.device_addr
        await _expect_refused(after, mail, "already been used", code_reason="no pending")
    finally:
        await after.storage.close()


async def test_last_seen_follows_use_of_the_device_at_most_once_a_minute(stack: Stack) -> None:
    await stack.ask()
    [mail] = stack.mails()
    bound = await stack.devices.confirm_code(LAPTOP, mail.code)
    caller = await stack.accounts.identify(LAPTOP.device_addr)
    assert isinstance(caller, CallerIdentity)

    async def last_seen() -> datetime:
        [device] = await stack.devices.list_devices(caller)
        return device.last_seen

    stack.clock.advance(timedelta(seconds=30))
    await stack.accounts.identify(LAPTOP.device_addr)
    assert await last_seen() == bound.bound_at  # within the minute: no write
    stack.clock.advance(timedelta(seconds=31))
    await stack.accounts.identify(LAPTOP.device_addr)
    assert await last_seen() == stack.clock.now()
    [listed] = await stack.devices.list_devices(OPERATOR)
    assert (listed.bound_at, listed.last_seen) == (bound.bound_at, stack.clock.now())


async def test_mail_queued_before_a_restart_is_sent_after_it_once(tmp_path: Path) -> None:
    clock = ManualClock()
    before = await _stack(tmp_path, clock)
    try:
        await before.accounts.enroll(OPERATOR, email=EMAIL, role=Role.CUSTOMER,
                                     display_name="Carol")
        # The server stopped right after answering: nothing was delivered yet.
        await before.devices.request_link(LAPTOP, email=EMAIL, device_label="laptop")
        assert before.mails() == []
    finally:
        await before.storage.close()
    clock.advance(timedelta(seconds=30))
    after = await _stack(tmp_path, clock)
    try:
        assert (await after.worker_pass()).sent == 1
        assert (await after.worker_pass()).sent == 0
        [mail] = after.mails()
        binding = await after.devices.confirm_code(LAPTOP, mail.code)
        assert binding.address == LAPTOP.device_addr
    finally:
        await after.storage.close()
