"""Admission of image decodes: a few at a time, within a memory budget, first come first served."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio

from ...domain.errors import Unavailable

_log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Waiter:
    cost: int
    size: int
    admitted: anyio.Event = field(default_factory=anyio.Event)


class DecodeQueue:
    """Lets a decode start while fewer than ``parallel`` run and its ``cost`` (bytes it will
    allocate) fits in what ``memory`` leaves; the others wait in order of arrival.

    No one overtakes: a large decode at the head is not starved by small ones behind it.
    The wait is bounded too -- at most ``waiting`` decodes holding ``waiting_bytes`` of
    uploads between them -- and an arrival beyond that is refused with ``Unavailable``
    (HTTP 503, retryable), so a flood costs a refusal, not memory. One event loop only.
    """

    def __init__(self, *, parallel: int, memory: int, waiting: int, waiting_bytes: int) -> None:
        if min(parallel, memory, waiting, waiting_bytes) < 1:
            raise ValueError("every bound of the decode queue must be positive")
        self.parallel = parallel
        self.memory = memory
        self.max_waiting = waiting
        self.max_waiting_bytes = waiting_bytes
        self.running = 0
        self.memory_in_use = 0
        self._waiting: deque[_Waiter] = deque()
        self._waiting_bytes = 0

    @property
    def waiting(self) -> int:
        """How many decodes wait for their turn."""
        return len(self._waiting)

    @asynccontextmanager
    async def turn(self, cost: int, size: int) -> AsyncIterator[None]:
        """Wait for a turn to decode ``size`` bytes of upload into ``cost`` bytes of memory."""
        if cost > self.memory:
            raise ValueError(f"a decode of {cost} bytes can never fit in {self.memory}")
        await self._enter(cost, size)
        try:
            yield
        finally:
            self._leave(cost)

    async def _enter(self, cost: int, size: int) -> None:
        if not self._waiting and self._fits(cost):
            self._start(cost)
            return
        if (len(self._waiting) >= self.max_waiting
                or self._waiting_bytes + size > self.max_waiting_bytes):
            _log.warning("image decode queue full (%d waiting, %d bytes); upload refused",
                         len(self._waiting), self._waiting_bytes)
            raise Unavailable("the server is busy checking other images; "
                              "send this one again in a few seconds")
        waiter = _Waiter(cost, size)
        self._waiting.append(waiter)
        self._waiting_bytes += size
        try:
            await waiter.admitted.wait()
        except BaseException:
            if waiter.admitted.is_set():  # let in and cancelled at once: give the turn back
                self._leave(cost)
            else:
                self._waiting.remove(waiter)
                self._waiting_bytes -= size
                self._admit()  # a large decode leaving the head may let smaller ones in
            raise

    def _fits(self, cost: int) -> bool:
        return self.running < self.parallel and self.memory_in_use + cost <= self.memory

    def _start(self, cost: int) -> None:
        self.running += 1
        self.memory_in_use += cost

    def _leave(self, cost: int) -> None:
        self.running -= 1
        self.memory_in_use -= cost
        self._admit()

    def _admit(self) -> None:
        while self._waiting and self._fits(self._waiting[0].cost):
            waiter = self._waiting.popleft()
            self._waiting_bytes -= waiter.size
            self._start(waiter.cost)
            waiter.admitted.set()
