"""Presence values and merging devices into one watcher per person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hero_assistance.domain.identity import Role
from hero_assistance.domain.presence import (
    PRESENCE_TIMEOUT,
    Presence,
    PresenceState,
    TicketWatcher,
    watchers_of,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def beat(addr: str, user_id: int, role: Role = Role.AGENT, *, ticket: int | None = 1,
         typing: bool = False, ago: float = 0,
         state: PresenceState = PresenceState.ONLINE) -> Presence:
    return Presence(device_addr=addr, user_id=user_id, role=role, state=state,
                    viewing_ticket_id=ticket, typing=typing,
                    last_seen=NOW - timedelta(seconds=ago))


def test_live_means_recent_and_not_signed_off() -> None:
    assert beat("a", 1).is_live(NOW)
    assert beat("a", 1, state=PresenceState.AWAY).is_live(NOW)
    assert not beat("a", 1, state=PresenceState.OFFLINE).is_live(NOW)
    timeout = PRESENCE_TIMEOUT.total_seconds()
    assert beat("a", 1, ago=timeout - 0.001).is_live(NOW)
    assert not beat("a", 1, ago=timeout).is_live(NOW)
    assert beat("a", 1, ago=100).is_live(NOW, timeout=timedelta(minutes=5))


def test_same_signal_ignores_the_time_and_compares_what_others_see() -> None:
    base = beat("a", 1)
    assert base.same_signal(beat("a", 1, ago=30))
    assert not base.same_signal(beat("a", 1, typing=True))
    assert not base.same_signal(beat("a", 1, ticket=2))
    assert not base.same_signal(beat("a", 1, ticket=None))
    assert not base.same_signal(beat("a", 1, state=PresenceState.AWAY))


def test_watchers_are_merged_per_person_typing_on_any_device_counts() -> None:
    presences = [
        beat("agent-laptop", 10, ago=20),
        beat("agent-phone", 10, typing=True, ago=5),
        beat("customer", 20, Role.CUSTOMER, ago=1),
        beat("admin", 5, Role.ADMIN, ago=2),
    ]
    assert watchers_of(1, presences, NOW) == [
        TicketWatcher(user_id=5, role=Role.ADMIN, typing=False,
                      last_seen=NOW - timedelta(seconds=2)),
        TicketWatcher(user_id=10, role=Role.AGENT, typing=True,
                      last_seen=NOW - timedelta(seconds=5)),
        TicketWatcher(user_id=20, role=Role.CUSTOMER, typing=False,
                      last_seen=NOW - timedelta(seconds=1)),
    ]


def test_typing_on_any_device_counts_whatever_order_the_devices_come_in() -> None:
    typing_first = [beat("b-phone", 10, typing=True), beat("c-laptop", 10)]
    for presences in (typing_first, list(reversed(typing_first))):
        [watcher] = watchers_of(1, presences, NOW)
        assert watcher.typing
    quiet = [beat("b-phone", 10), beat("c-laptop", 10, ago=3)]
    [watcher] = watchers_of(1, quiet, NOW)
    assert not watcher.typing
    assert watcher.last_seen == NOW  # the most recent of the devices


def test_watchers_leave_out_other_tickets_silent_and_signed_off_devices() -> None:
    presences = [
        beat("elsewhere", 1, ticket=2),
        beat("nowhere", 2, ticket=None),
        beat("silent", 3, ago=PRESENCE_TIMEOUT.total_seconds()),
        beat("gone", 4, state=PresenceState.OFFLINE),
        beat("here", 5),
    ]
    assert [w.user_id for w in watchers_of(1, presences, NOW)] == [5]
    assert watchers_of(3, presences, NOW) == []


def test_a_silent_device_does_not_mark_its_person_typing() -> None:
    presences = [
        beat("old", 10, typing=True, ago=PRESENCE_TIMEOUT.total_seconds() + 1),
        beat("new", 10),
    ]
    [watcher] = watchers_of(1, presences, NOW)
    assert not watcher.typing
    assert watcher.last_seen == NOW
