"""The decode queue: a few at a time, within a memory budget, in order, with a bounded wait.

Each decode here is a task that holds its turn until the test lets it go, so every
state is reached by events, never by timing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import pytest

from hero_assistance.adapters.images import DecodeQueue
from hero_assistance.domain.errors import Unavailable

pytestmark = pytest.mark.anyio

MIB = 2**20


@dataclass
class Decode:
    """One decode's task: when it got its turn, and the event that ends it."""

    name: str
    started: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)
    refused: BaseException | None = None


class Bench:
    """A queue and the decodes sent to it, in order of arrival."""

    def __init__(self, queue: DecodeQueue, group: anyio.abc.TaskGroup) -> None:
        self.queue = queue
        self.group = group
        self.order: list[str] = []

    async def send(self, name: str, cost: int, size: int = 1) -> Decode:
        """Start a decode and wait until it runs, waits in the queue, or is refused."""
        decode = Decode(name)

        async def run() -> None:
            try:
                async with self.queue.turn(cost, size):
                    self.order.append(name)
                    decode.started.set()
                    await decode.done.wait()
            except Unavailable as exc:
                decode.refused = exc

        self.group.start_soon(run)
        await anyio.wait_all_tasks_blocked()
        return decode

    async def finish(self, decode: Decode) -> None:
        """Let a running decode end, and the queue move on."""
        decode.done.set()
        await anyio.wait_all_tasks_blocked()


@asynccontextmanager
async def bench(**bounds: int) -> AsyncIterator[Bench]:
    """A queue with ``bounds`` (parallel 2, memory 256 MiB, waiting 4, 64 MiB by default)."""
    settings = {"parallel": 2, "memory": 256 * MIB, "waiting": 4, "waiting_bytes": 64 * MIB}
    async with anyio.create_task_group() as group:
        yield Bench(DecodeQueue(**{**settings, **bounds}), group)
        group.cancel_scope.cancel()


async def test_at_most_parallel_decodes_run_and_the_next_starts_when_one_ends() -> None:
    async with bench(parallel=2) as b:
        first, second, third = [await b.send(n, 1 * MIB) for n in ("a", "b", "c")]
        assert first.started.is_set()
        assert second.started.is_set()
        assert not third.started.is_set()
        assert (b.queue.running, b.queue.waiting) == (2, 1)
        await b.finish(second)
        assert third.started.is_set()
        assert (b.queue.running, b.queue.waiting) == (2, 0)


async def test_decodes_that_would_overrun_the_memory_budget_wait() -> None:
    async with bench(parallel=2, memory=256 * MIB) as b:
        big = await b.send("big", 160 * MIB)
        other = await b.send("other big", 160 * MIB)
        assert big.started.is_set()
        assert not other.started.is_set()
        assert (b.queue.running, b.queue.memory_in_use) == (1, 160 * MIB)
        await b.finish(big)
        assert other.started.is_set()


async def test_nobody_overtakes_a_large_decode_at_the_head() -> None:
    async with bench(parallel=3, memory=256 * MIB) as b:
        running = await b.send("running", 200 * MIB)
        large = await b.send("large", 200 * MIB)
        small = await b.send("small", 1 * MIB)  # would fit, but arrived later
        assert not small.started.is_set()
        await b.finish(running)
        assert large.started.is_set()
        assert small.started.is_set()
        assert b.order == ["running", "large", "small"]


async def test_a_full_queue_refuses_at_once_with_unavailable() -> None:
    async with bench(parallel=1, waiting=2) as b:
        await b.send("running", 1 * MIB)
        waiting = [await b.send(n, 1 * MIB) for n in ("w1", "w2")]
        refused = await b.send("one too many", 1 * MIB)
        assert isinstance(refused.refused, Unavailable)
        assert "busy" in str(refused.refused)
        assert all(w.refused is None and not w.started.is_set() for w in waiting)
        assert b.queue.waiting == 2


async def test_the_wait_is_bounded_in_bytes_of_upload_too() -> None:
    async with bench(parallel=1, waiting=10, waiting_bytes=10 * MIB) as b:
        await b.send("running", 1 * MIB, size=9 * MIB)  # running: not counted as waiting
        first = await b.send("first", 1 * MIB, size=6 * MIB)
        second = await b.send("second", 1 * MIB, size=5 * MIB)
        third = await b.send("third", 1 * MIB, size=4 * MIB)
        assert first.refused is None
        assert isinstance(second.refused, Unavailable)
        assert third.refused is None  # 6 + 4 MiB fit


async def test_a_waiter_that_gives_up_leaves_the_queue_and_lets_others_in() -> None:
    async with bench(parallel=2, memory=256 * MIB) as b:
        running = await b.send("running", 100 * MIB)
        large = Decode("large")
        scope = anyio.CancelScope()

        async def wait_large() -> None:
            with scope:
                async with b.queue.turn(200 * MIB, 1):
                    large.started.set()

        b.group.start_soon(wait_large)
        await anyio.wait_all_tasks_blocked()
        small = await b.send("small", 100 * MIB)
        assert not small.started.is_set()  # behind the large one
        scope.cancel()
        await anyio.wait_all_tasks_blocked()
        assert small.started.is_set()
        assert not large.started.is_set()
        assert (b.queue.running, b.queue.waiting) == (2, 0)
        await b.finish(running)
        await b.finish(small)
        assert (b.queue.running, b.queue.memory_in_use) == (0, 0)


async def test_a_waiter_cancelled_as_it_is_let_in_gives_the_turn_back() -> None:
    async with bench(parallel=1) as b:
        running = await b.send("running", 10 * MIB)
        scope = anyio.CancelScope()
        entered = anyio.Event()

        async def wait() -> None:
            with scope:
                async with b.queue.turn(10 * MIB, 1):
                    entered.set()
                    await anyio.sleep_forever()

        b.group.start_soon(wait)
        await anyio.wait_all_tasks_blocked()
        assert b.queue.waiting == 1
        running.done.set()  # its turn passes to the waiter ...
        scope.cancel()  # ... which is cancelled before it can resume
        await anyio.wait_all_tasks_blocked()
        assert (b.queue.running, b.queue.waiting, b.queue.memory_in_use) == (0, 0, 0)
        assert not entered.is_set()


async def test_a_decode_that_fails_gives_its_turn_back() -> None:
    queue = DecodeQueue(parallel=1, memory=10, waiting=1, waiting_bytes=10)
    with pytest.raises(RuntimeError):
        async with queue.turn(10, 1):
            raise RuntimeError("decoder crashed")
    assert (queue.running, queue.memory_in_use) == (0, 0)
    async with queue.turn(10, 1):
        assert queue.running == 1


async def test_a_decode_larger_than_the_whole_budget_is_a_caller_bug() -> None:
    queue = DecodeQueue(parallel=1, memory=10, waiting=1, waiting_bytes=10)
    with pytest.raises(ValueError, match="can never fit"):
        async with queue.turn(11, 1):
            pass


@pytest.mark.parametrize("bad", ["parallel", "memory", "waiting", "waiting_bytes"])
def test_every_bound_must_be_positive(bad: str) -> None:
    bounds = {"parallel": 1, "memory": 1, "waiting": 1, "waiting_bytes": 1, bad: 0}
    with pytest.raises(ValueError, match="positive"):
        DecodeQueue(**bounds)
