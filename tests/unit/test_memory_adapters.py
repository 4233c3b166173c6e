"""The in-memory adapters' own guard rails (their port contracts live in tests/contract)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from hero_assistance.adapters.memory import (
    ManualClock,
    MemoryBlobStore,
    MemoryMailer,
    RecordingPublisher,
    StaticOverlay,
)
from hero_assistance.domain.errors import Unavailable
from hero_assistance.domain.events import Event, EventKind
from hero_assistance.domain.ports import OutgoingMail

pytestmark = pytest.mark.anyio


def test_the_manual_clock_moves_only_forward() -> None:
    clock = ManualClock(datetime(2030, 5, 1, tzinfo=UTC))
    clock.advance(timedelta(seconds=5))
    assert clock.now() == datetime(2030, 5, 1, 0, 0, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    assert clock.now() == datetime(2030, 5, 1, 0, 0, 5, tzinfo=UTC)
    assert ManualClock().now().tzinfo is UTC


async def test_the_blob_store_refuses_a_name_that_is_not_the_digest() -> None:
    blobs = MemoryBlobStore()
    with pytest.raises(ValueError, match="does not match"):
        await blobs.put("0" * 64, b"data")
    assert not await blobs.exists("0" * 64)
    sha = hashlib.sha256(b"data").hexdigest()
    await blobs.put(sha, b"data")
    assert await blobs.get(sha) == b"data"


async def test_the_mailer_keeps_mail_and_plays_a_dead_server() -> None:
    mailer = MemoryMailer()
    mail = OutgoingMail(to="a@b.example", subject="s", text="t", html="<p>t</p>")
    await mailer.send(mail)
    mailer.reachable = False
    with pytest.raises(Unavailable):
        await mailer.send(mail)
    assert mailer.sent == [mail]


def test_the_publisher_records_and_forwards_in_order() -> None:
    publisher = RecordingPublisher()
    heard: list[int | None] = []
    publisher.listen(lambda e: heard.append(e.seq))
    events = [Event(seq=n, kind=EventKind.TICKET_CREATED, ticket_id=1, requester_id=1,
                    internal=False, occurred_at=datetime(2026, 1, 1, tzinfo=UTC), data={})
              for n in (1, 2)]
    publisher.publish(events)
    assert publisher.published == events
    assert heard == [1, 2]


async def test_the_static_overlay_answers_with_its_configuration() -> None:
    overlay = StaticOverlay("400::1", "400::/7")
    assert overlay.name == "static"
    assert await overlay.listen_address() == "400::1"
    assert overlay.is_device_address("5ff:1::2")
    assert not overlay.is_device_address("600::1")
    assert not overlay.is_device_address("127.0.0.1")
    assert not overlay.is_device_address("not an address")
