"""The connection guard's bookkeeping: caps, eviction order, counters back to zero."""

from __future__ import annotations

import logging
import random

import pytest

from hero_assistance.adapters.serving import ConnectionGuard, Lease


class Connections:
    """Fake connections: ``close`` records who the guard evicted."""

    def __init__(self, guard: ConnectionGuard) -> None:
        self.guard = guard
        self.closed: list[int] = []
        self.leases: dict[int, Lease] = {}
        self._next = 0

    def open(self, peer: str) -> int | None:
        number = self._next
        self._next += 1
        lease = self.guard.admit(peer, lambda: self.closed.append(number))
        if lease is None:
            return None
        self.leases[number] = lease
        return number


def test_a_peer_at_its_cap_loses_its_stalest_waiting_connection() -> None:
    conns = Connections(ConnectionGuard(max_connections=100, max_per_peer=3))
    first, second, third = (conns.open("a") for _ in range(3))
    assert None not in (first, second, third)
    conns.leases[first].heard()  # first spoke last: second is now the stalest
    fourth = conns.open("a")
    assert fourth is not None
    assert conns.closed == [second]
    assert conns.guard.held_by("a") == 3


def test_busy_connections_and_websockets_are_never_evicted() -> None:
    conns = Connections(ConnectionGuard(max_connections=100, max_per_peer=2))
    for number in (conns.open("a"), conns.open("a")):
        assert number is not None
        conns.leases[number].busy()
    assert conns.open("a") is None  # nothing of a's can go: the new one is refused
    assert conns.closed == []
    assert conns.open("b") is not None  # other peers are not affected
    assert conns.guard.counts().refused == 1


def test_the_overall_cap_evicts_the_stalest_of_anyone() -> None:
    conns = Connections(ConnectionGuard(max_connections=3, max_per_peer=3))
    a, b, c = conns.open("a"), conns.open("b"), conns.open("c")
    assert a is not None
    assert b is not None
    assert c is not None
    conns.leases[a].heard()
    conns.leases[b].busy()
    device = conns.open("device")
    assert device is not None
    assert conns.closed == [c]  # b is busy, a spoke after c
    conns.leases[b].waiting()  # b answered: waiting again, and the freshest
    assert conns.open("device") is not None
    assert conns.closed == [c, a]


def test_refused_when_nothing_can_be_evicted() -> None:
    conns = Connections(ConnectionGuard(max_connections=2, max_per_peer=2))
    for peer in ("a", "b"):
        number = conns.open(peer)
        assert number is not None
        conns.leases[number].busy()
    assert conns.open("c") is None
    counts = conns.guard.counts()
    assert (counts.open, counts.refused, counts.evicted) == (2, 1, 0)


def test_release_is_idempotent_and_everything_returns_to_zero() -> None:
    guard = ConnectionGuard(max_connections=10, max_per_peer=5)
    conns = Connections(guard)
    numbers = [conns.open(peer) for peer in ("a", "a", "b")]
    for number in numbers:
        assert number is not None
        lease = conns.leases[number]
        lease.release()
        lease.release()
        lease.timed_out()  # late timers of a released connection change nothing
        lease.waiting()
        lease.heard()
        lease.busy()
    counts = guard.counts()
    assert (counts.open, counts.peers, guard.evictable()) == (0, 0, 0)
    assert guard.held_by("a") == guard.held_by("b") == 0
    assert counts.timed_out == 0


def test_a_timeout_releases_and_is_counted() -> None:
    guard = ConnectionGuard(max_connections=10, max_per_peer=5)
    lease = guard.admit("a", lambda: None)
    assert lease is not None
    lease.timed_out()
    lease.release()
    counts = guard.counts()
    assert (counts.open, counts.timed_out) == (0, 1)


@pytest.mark.parametrize("seed", range(20))
def test_random_traffic_keeps_the_books_exact(seed: int) -> None:
    rng = random.Random(seed)
    guard = ConnectionGuard(max_connections=rng.randint(1, 40), max_per_peer=rng.randint(1, 8))
    conns = Connections(guard)
    busy: set[int] = set()
    for _ in range(2000):
        action = rng.random()
        live = [n for n, lease in conns.leases.items() if not lease.released]
        if action < 0.4 or not live:
            conns.open(f"peer{rng.randint(0, 9)}")
        else:
            number = rng.choice(live)
            lease = conns.leases[number]
            if action < 0.55:
                lease.busy()
                busy.add(number)
            elif action < 0.7:
                lease.waiting()
                busy.discard(number)
            elif action < 0.8:
                lease.heard()
            elif action < 0.9:
                lease.timed_out()
            else:
                lease.release()
        live_leases = [lease for lease in conns.leases.values() if not lease.released]
        counts = guard.counts()
        assert counts.open == len(live_leases) <= guard.max_connections
        per_peer: dict[str, int] = {}
        for lease in live_leases:
            per_peer[lease.peer] = per_peer.get(lease.peer, 0) + 1
        assert max(per_peer.values(), default=0) <= guard.max_per_peer
        assert counts.peers == len(per_peer)
        assert all(guard.held_by(peer) == held for peer, held in per_peer.items())
        assert not busy.intersection(conns.closed), "a busy connection was evicted"
    for lease in conns.leases.values():
        lease.release()
    counts = guard.counts()
    assert (counts.open, counts.peers, guard.evictable()) == (0, 0, 0)
    assert counts.admitted == len(conns.leases)
    assert counts.evicted == len(conns.closed)


def test_refusals_and_evictions_are_reported_once_per_interval(
        caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    guard = ConnectionGuard(max_connections=1, max_per_peer=1, clock=lambda: now[0])
    caplog.set_level(logging.WARNING)
    lease = guard.admit("a", lambda: None)
    assert lease is not None
    lease.busy()
    for _ in range(50):
        assert guard.admit("b", lambda: None) is None
    reports = [r for r in caplog.records if "refused at a cap" in r.getMessage()]
    assert len(reports) == 1
    now[0] = 11.0
    assert guard.admit("b", lambda: None) is None
    reports = [r for r in caplog.records if "refused at a cap" in r.getMessage()]
    assert len(reports) == 2
    assert "50 refused" in reports[1].getMessage()  # 49 held back, and this one


def test_caps_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ConnectionGuard(max_connections=0, max_per_peer=1)
