"""Bookkeeping of a listener's open connections: caps per peer and overall, eviction.

The protocol asks :meth:`ConnectionGuard.admit` in ``connection_made``, before any
byte is parsed. Under the caps a connection gets a :class:`Lease`; at a cap the guard
first tries to make room by evicting a connection that is waiting *for its client*
(idle after connect, a head or a body still arriving, idle between requests), the one
whose client sent its last byte longest ago. A connection the server owes an answer
(its request is complete and being handled) and a WebSocket are never evicted. Only
when nothing can be evicted is the new connection refused (closed at once).

This keeps real devices in: a flood of slow connections that reaches the cap makes
room for each new connection at the expense of the flood's own stalest member, and a
device's request head arrives in milliseconds, long before it could be the stalest.

Everything here is O(1) per event (ordered dicts keyed by lease), so the bookkeeping
costs the same at the cap as with one connection.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

_log = logging.getLogger(__name__)
REPORT_EVERY = 10.0
"""Refusals, evictions and timeouts are logged as one summary line at most this often."""


@dataclass(slots=True)
class GuardCounts:
    """What the guard did since it was made (monotonic counters) and holds now."""

    open: int = 0
    peers: int = 0
    admitted: int = 0
    refused: int = 0
    evicted: int = 0
    timed_out: int = 0


class Lease:
    """One admitted connection. Tell the guard what it is doing; release it once."""

    __slots__ = ("_guard", "close", "peer", "released")

    def __init__(self, guard: ConnectionGuard, peer: str, close: Callable[[], None]) -> None:
        self._guard = guard
        self.peer = peer
        self.close = close
        self.released = False

    def waiting(self) -> None:
        """The connection waits for its client (and just heard from it): evictable,
        and now the freshest."""
        self._guard._waiting(self)

    def heard(self) -> None:
        """Bytes arrived: if the connection waits for its client, it is now the freshest."""
        self._guard._heard(self)

    def busy(self) -> None:
        """The server owes this connection an answer, or it is a WebSocket: keep it."""
        self._guard._busy(self)

    def timed_out(self) -> None:
        """The connection is being closed for a timeout (counted, then released)."""
        self._guard._timed_out(self)

    def release(self) -> None:
        """The connection is gone. Idempotent."""
        self._guard._release(self)


@dataclass
class ConnectionGuard:
    """Caps of one listener: ``max_connections`` overall, ``max_per_peer`` per address."""

    max_connections: int
    max_per_peer: int
    name: str = "listener"
    clock: Callable[[], float] = time.monotonic
    _per_peer: dict[str, int] = field(default_factory=dict)
    _evictable: OrderedDict[Lease, None] = field(default_factory=OrderedDict)
    _evictable_by_peer: dict[str, OrderedDict[Lease, None]] = field(default_factory=dict)
    _counts: GuardCounts = field(default_factory=GuardCounts)
    _reported: GuardCounts = field(default_factory=GuardCounts)
    _last_report: float = field(default=float("-inf"))

    def __post_init__(self) -> None:
        if self.max_connections < 1 or self.max_per_peer < 1:
            raise ValueError("connection caps must be at least 1")

    def admit(self, peer: str, close: Callable[[], None]) -> Lease | None:
        """A lease for a new connection from ``peer``, or ``None``: close it now.

        ``close`` aborts the connection; the guard calls it when it evicts this one.
        """
        counts = self._counts
        if self._per_peer.get(peer, 0) >= self.max_per_peer and not self._evict(peer):
            counts.refused += 1
            self._maybe_report()
            return None
        if counts.open >= self.max_connections and not self._evict(None):
            counts.refused += 1
            self._maybe_report()
            return None
        lease = Lease(self, peer, close)
        held = self._per_peer.get(peer, 0)
        if held == 0:
            counts.peers += 1
        self._per_peer[peer] = held + 1
        counts.open += 1
        counts.admitted += 1
        self._waiting(lease)
        return lease

    def counts(self) -> GuardCounts:
        """A copy of the counters."""
        c = self._counts
        return GuardCounts(open=c.open, peers=c.peers, admitted=c.admitted,
                           refused=c.refused, evicted=c.evicted, timed_out=c.timed_out)

    def held_by(self, peer: str) -> int:
        """Connections ``peer`` holds now."""
        return self._per_peer.get(peer, 0)

    def evictable(self) -> int:
        """Connections that could be evicted now (for tests of the bookkeeping)."""
        return len(self._evictable)

    # -- the lease's calls ---------------------------------------------------------

    def _waiting(self, lease: Lease) -> None:
        if lease.released:
            return
        self._evictable[lease] = None
        self._evictable.move_to_end(lease)
        mine = self._evictable_by_peer.get(lease.peer)
        if mine is None:
            mine = self._evictable_by_peer[lease.peer] = OrderedDict()
        mine[lease] = None
        mine.move_to_end(lease)

    def _heard(self, lease: Lease) -> None:
        if lease in self._evictable:
            self._evictable.move_to_end(lease)
            self._evictable_by_peer[lease.peer].move_to_end(lease)

    def _busy(self, lease: Lease) -> None:
        self._evictable.pop(lease, None)
        mine = self._evictable_by_peer.get(lease.peer)
        if mine is not None:
            mine.pop(lease, None)
            if not mine:
                del self._evictable_by_peer[lease.peer]

    def _timed_out(self, lease: Lease) -> None:
        if not lease.released:
            self._counts.timed_out += 1
            self._release(lease)
            self._maybe_report()

    def _release(self, lease: Lease) -> None:
        if lease.released:
            return
        lease.released = True
        self._busy(lease)
        held = self._per_peer[lease.peer] - 1
        if held:
            self._per_peer[lease.peer] = held
        else:
            del self._per_peer[lease.peer]
            self._counts.peers -= 1
        self._counts.open -= 1

    # -- making room ---------------------------------------------------------------

    def _evict(self, peer: str | None) -> bool:
        """Evict the stalest waiting connection (of ``peer``, or of anyone)."""
        pool = self._evictable if peer is None else self._evictable_by_peer.get(peer)
        if not pool:
            return False
        victim = next(iter(pool))
        self._release(victim)
        self._counts.evicted += 1
        victim.close()
        self._maybe_report()
        return True

    def _maybe_report(self) -> None:
        now = self.clock()
        if now - self._last_report < REPORT_EVERY:
            return
        c, r = self._counts, self._reported
        refused, evicted, timed_out = (c.refused - r.refused, c.evicted - r.evicted,
                                       c.timed_out - r.timed_out)
        if refused or evicted or timed_out:
            _log.warning("%s connections: %d refused at a cap, %d evicted, %d cut by a "
                         "timeout since the last report (open %d of %d, from %d peers; "
                         "%d per peer)", self.name, refused, evicted, timed_out, c.open,
                         self.max_connections, c.peers, self.max_per_peer)
        self._reported = self.counts()
        self._last_report = now
