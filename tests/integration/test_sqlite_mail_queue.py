"""The SQLite mail queue against a real file: bodies are sealed at rest, bound to their row.

The contract suite shows the queue behaves like the in-memory one; these tests show
what only a file can: that the bytes on disk (database, WAL and a plain SQL dump)
never hold a queued body in readable form, that the same key reads it back after a
restart, and that another key or a moved body reads as "no body" instead of failing.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hero_assistance.adapters.sqlite import SqliteStorage
from hero_assistance.domain.mail_queue import MailKind, MailStatus, QueuedMail

from ._sqlite_support import PROJECT

pytestmark = pytest.mark.anyio

TOKEN = "q1W2e3R4t5Y6u7I8o9P0-the-token"  # noqa: S105 - a made-up sign-in token
CODE = "ABCD-EFGH"
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _mail(mail_id: int = 1) -> QueuedMail:
    return QueuedMail(
        id=mail_id, kind=MailKind.SIGN_IN, recipient="carol@acme.test",
        subject="Sign in to Acme support",
        text=f"Open http://[400::1]:7330/auth/link/{TOKEN}\nor enter {CODE}\n",
        html=f"<a href=\"http://[400::1]:7330/auth/link/{TOKEN}\">x</a> {CODE}",
        message_key=f"sign-in.{mail_id}.nonce", created_at=T0, queued_at=T0,
        next_attempt_at=T0,
    )


def _everything_on_disk(path: Path) -> bytes:
    raw = b"".join(p.read_bytes() for p in sorted(path.parent.iterdir())
                   if p.name.startswith(path.name))
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        dump = "\n".join(db.iterdump())
    return raw + dump.encode()


async def test_a_queued_body_is_never_on_disk_in_clear_and_reads_back_with_the_key(
    tmp_path: Path,
) -> None:
    path, key = tmp_path / "project.sqlite3", os.urandom(32)
    async with await SqliteStorage.open(path, PROJECT, mail_key=key) as store:
        await store.write(lambda r: r.mail_queue.add(_mail()))
        on_disk = _everything_on_disk(path)  # the WAL still holds the committed pages
        assert b"carol@acme.test" in on_disk  # the envelope is in clear, on purpose
        for secret in (TOKEN, CODE, "auth/link"):
            assert secret.encode() not in on_disk, secret
    async with await SqliteStorage.open(path, PROJECT, mail_key=key) as store:
        again = await store.read(lambda r: r.mail_queue.get(1))
    assert again == _mail()
    assert TOKEN.encode() not in _everything_on_disk(path)


async def test_another_key_reads_the_body_as_missing_not_as_an_error(tmp_path: Path) -> None:
    path = tmp_path / "project.sqlite3"
    async with await SqliteStorage.open(path, PROJECT, mail_key=os.urandom(32)) as store:
        await store.write(lambda r: r.mail_queue.add(_mail()))
    async with await SqliteStorage.open(path, PROJECT, mail_key=os.urandom(32)) as store:
        got = await store.read(lambda r: r.mail_queue.get(1))
    assert got is not None
    assert (got.text, got.html, got.has_body) == (None, None, False)
    assert (got.recipient, got.status) == ("carol@acme.test", MailStatus.PENDING)


async def test_a_sealed_body_moved_to_another_row_does_not_open_there(tmp_path: Path) -> None:
    path, key = tmp_path / "project.sqlite3", os.urandom(32)
    async with await SqliteStorage.open(path, PROJECT, mail_key=key) as store:
        await store.write(lambda r: r.mail_queue.add(_mail(1)))
        await store.write(lambda r: r.mail_queue.add(replace(
            _mail(2), text="harmless", html="<p>harmless</p>")))
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE mail_queue SET body = (SELECT body FROM mail_queue WHERE id = 1) "
                   "WHERE id = 2")
        db.commit()
    async with await SqliteStorage.open(path, PROJECT, mail_key=key) as store:
        first = await store.read(lambda r: r.mail_queue.get(1))
        moved = await store.read(lambda r: r.mail_queue.get(2))
    assert first is not None
    assert first.has_body
    assert moved is not None
    assert not moved.has_body


async def test_a_sent_mail_keeps_no_body_in_the_file(tmp_path: Path) -> None:
    path, key = tmp_path / "project.sqlite3", os.urandom(32)
    async with await SqliteStorage.open(path, PROJECT, mail_key=key) as store:
        await store.write(lambda r: r.mail_queue.add(_mail()))
        queued = await store.read(lambda r: r.mail_queue.get(1))
        assert queued is not None
        await store.write(lambda r: r.mail_queue.update(queued.delivered(T0)))
    with contextlib.closing(sqlite3.connect(path)) as db:
        [(body,)] = db.execute("SELECT body FROM mail_queue").fetchall()
    assert body is None


def test_a_mail_key_must_be_32_bytes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SqliteStorage(tmp_path / "x.sqlite3", mail_key=b"short")
