"""The mail queue survives a dead mail server and a killed project server.

The project server (a subprocess) mails through a real SMTP server (aiosmtpd in this
process) that is not even listening at first. People ask for links and are answered at
once; the server is then killed with SIGKILL while their mail waits for a retry, started
again, and the SMTP server comes up: every mail is delivered exactly once, its code
works, and nothing in the database ever held a link or code readable.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.support.sign_in_mail import read_sign_in_mail, token_of

from ._enrollment_support import (
    Device,
    MailCatcher,
    Operator,
    ServerProcess,
    free_port,
    make_server_dir,
    new_email,
    smtp_mail_config,
    smtp_server,
)

pytestmark = pytest.mark.anyio


def _database_bytes(server: ServerProcess) -> bytes:
    raw = b"".join(path.read_bytes() for path in sorted(server.data_dir.iterdir())
                   if path.name.startswith(server.database.name))
    with contextlib.closing(sqlite3.connect(f"file:{server.database}?mode=ro",
                                            uri=True)) as db:
        dump = "\n".join(db.iterdump())
    return raw + dump.encode()


@contextlib.asynccontextmanager
async def _operator(server: ServerProcess) -> AsyncIterator[Operator]:
    admin = Operator(server)
    try:
        yield admin
    finally:
        await admin.aclose()


async def _pending(server: ServerProcess) -> list[dict[str, Any]]:
    async with _operator(server) as admin:
        mails: list[dict[str, Any]] = (await admin.mail_queue("pending"))["mails"]
    return mails


async def test_smtp_down_then_a_sigkill_every_mail_is_sent_once_when_both_are_back(
    tmp_path: Path,
) -> None:
    smtp_port = free_port()  # nothing listens here yet: connections are refused
    data_dir = make_server_dir(tmp_path / "data", mail=smtp_mail_config(
        smtp_port, retry_first_seconds=0.2, retry_longest_seconds=0.5))
    server = ServerProcess(data_dir)
    server.start()
    emails = [new_email(who) for who in ("ann", "ben", "cat")]
    devices = [Device(server) for _ in emails]
    try:
        async with _operator(server) as admin:
            for email in emails:
                await admin.enroll(email)
        for device, email in zip(devices, emails, strict=True):
            answer = await device.call("auth.request_link",
                                       {"email": email, "device_label": "laptop"})
            assert answer["accepted"] is True  # answered while mail is down
        with anyio.fail_after(10):
            # Polled: the queue lives in the server process, and its mail is queued by
            # the worker just after the answers, so an empty queue is not yet "waiting".
            while True:
                waiting = await _pending(server)
                if len(waiting) == len(emails) and all(m["attempts"] >= 2 for m in waiting):
                    break
                await anyio.sleep(0.05)
        assert {m["recipient"] for m in waiting} == set(emails)
        while_down = _database_bytes(server)
        assert server.kill() == -9
        server.start()  # due mail is read from the database at start
        catcher = MailCatcher()
        with smtp_server(port=smtp_port, catcher=catcher):
            with anyio.fail_after(15):
                while len(catcher.received) < len(emails):  # noqa: ASYNC110 - another thread
                    await anyio.sleep(0.05)
            async with _operator(server) as admin:
                settled = await admin.mail_settled()
            assert len(catcher.received) == len(emails)  # each once
        assert (settled["pending"], settled["sent"], settled["failed"]) == (0, len(emails), 0)
        mails = {m.rcpt_tos[0]: read_sign_in_mail(m.data) for m in catcher.received}
        assert set(mails) == set(emails)
        assert len({m.message["Message-ID"] for m in mails.values()}) == len(emails)
        for device, email in zip(devices, emails, strict=True):
            mail = mails[email]
            for secret in (token_of(mail.link), mail.code.replace("-", ""), mail.code):
                assert secret.encode() not in while_down
                assert secret.encode() not in _database_bytes(server)
            bound = await device.call("auth.confirm", {"code": mail.code})
            assert bound["address"] == device.address
    finally:
        for device in devices:
            await device.aclose()
        code = server.stop()
    assert code == 0, server.log()
