"""Storage contract: integers no database column holds are a caller's mistake, not a fault.

The wire types bound every integer to signed 64 bits; these tests are the last line of
defence behind them. A lookup by such a number finds nothing or is refused as
``InvalidInput`` (SQLite's driver cannot even bind it), a write of one is refused as
``InvalidInput`` or kept as given, and in every case the store goes on working: the
same unit of work's neighbours in a group commit are not lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from hero_assistance.domain.errors import InvalidInput
from hero_assistance.domain.ports import Repositories, Storage

from ._factories import at, seed, ticket, user

pytestmark = pytest.mark.anyio

BEYOND = [2**63, 2**64, -(2**63) - 1, 10**30]

LOOKUPS: dict[str, Callable[[Repositories, int], Any]] = {
    "users.get": lambda r, n: r.users.get(n),
    "magic_links.get": lambda r, n: r.magic_links.get(n),
    "magic_links.for_user": lambda r, n: r.magic_links.for_user(n),
    "tickets.get": lambda r, n: r.tickets.get(n),
    "tickets.history": lambda r, n: r.tickets.history(n),
    "messages.get": lambda r, n: r.messages.get(n),
    "messages.for_ticket": lambda r, n: r.messages.for_ticket(1, include_internal=True,
                                                              after_id=n),
    "messages.revisions": lambda r, n: r.messages.revisions(n),
    "devices.for_user": lambda r, n: r.devices.for_user(n),
    "presence.on_ticket": lambda r, n: r.presence.on_ticket(n),
    "events.after": lambda r, n: r.events.after(n, limit=10),
}


@pytest.mark.parametrize("number", BEYOND)
@pytest.mark.parametrize("lookup", list(LOOKUPS))
async def test_a_lookup_beyond_64_bits_finds_nothing_or_is_invalid_input(
    storage: Storage, lookup: str, number: int
) -> None:
    await seed(storage, user(1), ticket(1, 1))

    outcome = (await asyncio.gather(storage.read(lambda r: LOOKUPS[lookup](r, number)),
                                    return_exceptions=True))[0]

    assert outcome in (None, []) or isinstance(outcome, InvalidInput), outcome
    assert (await storage.read(lambda r: r.tickets.get(1))) is not None


@pytest.mark.parametrize("number", BEYOND)
async def test_a_write_beyond_64_bits_is_refused_alone(storage: Storage, number: int) -> None:
    await seed(storage, user(1))

    def bad(r: Repositories) -> None:
        r.tickets.add(ticket(number, 1, created_at=at(1)))

    def good(r: Repositories) -> None:
        r.tickets.add(ticket(2, 1))

    # Queued together, so the SQLite writer commits them in one group.
    outcomes = await asyncio.gather(storage.write(bad), storage.write(good),
                                    return_exceptions=True)

    assert outcomes[1] is None
    assert outcomes[0] is None or isinstance(outcomes[0], InvalidInput), outcomes[0]
    assert (await storage.read(lambda r: r.tickets.get(2))) is not None
