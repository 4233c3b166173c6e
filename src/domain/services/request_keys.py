"""Writes under a request key: done once, answered again with the first result (D-18).

The mechanism is one piece for every write, whatever it changes:

* :meth:`KeyedWrites.run` wraps one call of a write method that carries a key; the
  call's key rides along in a context variable. (Copies of one call that arrive at once
  are queued one behind the other by the adapter that receives them, so the second
  finds the first's result; this module holds no locks.)
* :class:`KeyedStorage` is the :class:`~hero_assistance.domain.ports.Storage` the use
  cases write through. The first unit of work of a keyed call looks the key up inside
  its own transaction: a key already stored means the write was done, and the unit
  stops before touching anything (no second write, no second event); otherwise the
  unit runs and stores the key with the digest of the params in the SAME transaction.
  Exactly once therefore holds even if the server stops at any instant.
* Once the call has its result, :meth:`KeyedWrites.run` records it on the key (a small
  write of its own, batched with the others by the group commit); repeats then get it.
  A server stopped between the two leaves a key without a result: a repeat learns the
  write was done (``RequestKeyReused("result_lost")``), never that it should redo it.

A unit of work that raises stores nothing, key included, so a corrected retry with the
same key is a new write.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from ..identity import Caller
from ..policy import require_bound
from ..ports import Clock, Repositories, Storage
from ..request_keys import KEEP_KEYS, RequestKey, answer_for, clean_request_key

T = TypeVar("T")

PURGE_BATCH = 500
"""Keys forgotten per unit of work: the purge never holds the writer for long."""


@dataclass(slots=True)
class _KeyedCall:
    user_id: int
    key: str
    method: str
    digest: str
    stored: bool = False


_CURRENT: contextvars.ContextVar[_KeyedCall | None] = contextvars.ContextVar(
    "hero_assistance_keyed_call", default=None)


class _Answered(Exception):  # a signal through the use case, not a failure
    """Raised inside the unit of work of a repeat: it carries the first result."""

    def __init__(self, outcome: bytes) -> None:
        super().__init__("answered from the request key")
        self.outcome = outcome


class KeyedStorage:
    """The storage use cases write through: keyed calls store their key with the write."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def read(self, work: Callable[[Repositories], T]) -> T:
        """Reads are not keyed."""
        return await self._storage.read(work)

    async def write(self, work: Callable[[Repositories], T]) -> T:
        """Run ``work``; in a keyed call's first write, check and store the key with it."""
        call = _CURRENT.get()
        if call is None or call.stored:
            return await self._storage.write(work)
        record = RequestKey(user_id=call.user_id, key=call.key, method=call.method,
                            digest=call.digest, created_at=self._clock.now())

        def keyed(repos: Repositories) -> T:
            found = repos.request_keys.get(record.user_id, record.key)
            if found is not None:
                raise _Answered(answer_for(found, record.method, record.digest))
            result = work(repos)
            repos.request_keys.add(record)
            return result

        result = await self._storage.write(keyed)
        call.stored = True
        return result


class KeyedWrites:
    """Runs write calls that carry a request key, and forgets old keys."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock
        self.replays = 0
        """Calls answered from a stored key (metrics)."""

    async def run(self, caller: Caller, key: str, *, method: str, digest: str,
                  call: Callable[[], Awaitable[bytes]]) -> bytes:
        """The encoded result of ``call`` done once under ``key``.

        ``digest`` stands for the call's params (the same write gets the same one);
        ``call`` runs the method and encodes its result. A repeat of a stored write gets
        the first result without running again; another write under a used key is
        refused with ``RequestKeyReused``. Run copies of one call one after another:
        a copy that overtakes the first's commit is told ``result_lost``.
        """
        who = require_bound(caller)
        clean = clean_request_key(key)
        keyed = _KeyedCall(user_id=who.user_id, key=clean, method=method, digest=digest)

        token = _CURRENT.set(keyed)
        try:
            outcome = await call()
        except _Answered as answered:
            self.replays += 1
            return answered.outcome
        finally:
            _CURRENT.reset(token)
        if keyed.stored:
            await self._storage.write(
                lambda repos: repos.request_keys.settle(who.user_id, clean, outcome))
        return outcome

    async def forget_expired(self, *, batch: int = PURGE_BATCH) -> int:
        """Forget keys older than :data:`KEEP_KEYS`, at most ``batch`` per unit of work;
        how many in all.

        Each unit waits its turn at the writer like any other, so requests' writes that
        queue meanwhile are committed between two units, never behind the whole purge.
        """
        before = self._clock.now() - KEEP_KEYS
        total = 0
        while True:
            gone = await self._storage.write(
                lambda repos: repos.request_keys.purge_before(before, limit=batch))
            total += gone
            if gone < batch:
                return total
