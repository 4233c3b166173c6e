"""Keyed write calls as the server's registries run them: copies one after another."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ...domain.identity import CallerIdentity
from ...domain.policy import require_bound
from ...domain.services import KeyedWrites
from .context import RequestContext


class KeyedCallQueue:
    """The registries' ``keyed`` hook: runs a write call under its request key.

    Copies of one call (same user, same key) that arrive together, a retry racing its
    own first try on another connection, wait for each other, so the second finds the
    first's stored result instead of racing its commit. There is a lock per key only
    while some call holds or waits for it.
    """

    def __init__(self, keyed: KeyedWrites) -> None:
        self._keyed = keyed
        self._locks: dict[tuple[int, str], tuple[asyncio.Lock, int]] = {}

    async def __call__(self, ctx: RequestContext, key: str, *, method: str, digest: str,
                       call: Callable[[], Awaitable[bytes]]) -> bytes:
        """The encoded result of ``call``, done once under ``key``."""
        who: CallerIdentity = require_bound(ctx.caller)
        name = (who.user_id, key)
        lock, waiting = self._locks.get(name, (asyncio.Lock(), 0))
        self._locks[name] = (lock, waiting + 1)
        try:
            async with lock:
                return await self._keyed.run(ctx.caller, key, method=method, digest=digest,
                                             call=call)
        finally:
            lock, waiting = self._locks[name]
            if waiting == 1:
                del self._locks[name]
            else:
                self._locks[name] = (lock, waiting - 1)

    def __len__(self) -> int:
        """Keys with a call running or waiting."""
        return len(self._locks)
