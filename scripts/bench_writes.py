"""Single-row write throughput: SqliteStorage with group commit vs raw sqlite3 loops.

Every figure writes the same use-case-like row set — a ticket (with its FTS and tag
triggers), its history row and its event — to a temporary file on the same disk as the
repository, with the same PRAGMAs. Printed side by side:

- SqliteStorage, N concurrent writers each awaiting ``store.write(...)`` in a loop;
- raw sqlite3, one transaction per row set (what one commit per request costs);
- raw sqlite3, the row sets grouped ``--group`` per transaction (the ceiling).

Usage: ``.venv/bin/python scripts/bench_writes.py [--seconds N] [--rounds N]
[--writers N] [--group N] [--synchronous FULL|NORMAL] [--dir PATH]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from hero_assistance.adapters.sqlite import SqliteStorage
from hero_assistance.adapters.sqlite._connection import open_connection
from hero_assistance.domain.events import EventKind, NewEvent
from hero_assistance.domain.listing import timestamp_key
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.tickets import Priority, Ticket, TicketChange, TicketStatus

PROJECT = ProjectSettings(name="Benchmark")
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
SUBJECT = "Printer on the third floor jams on every second page"
BODY = "Since the update on Monday the printer stops with a paper jam after one page."


def open_ticket(repos: Repositories) -> int:
    """What ``ticket.create`` writes: the ticket, its first history row, its event."""
    ticket_id = repos.tickets.next_id()
    repos.tickets.add(Ticket(
        id=ticket_id, subject=SUBJECT, body=BODY, status=TicketStatus.NEW,
        priority=Priority.NORMAL, tags=("printer",), requester_id=1, assignee_id=None,
        created_at=NOW, updated_at=NOW,
    ))
    repos.tickets.add_change(TicketChange(ticket_id=ticket_id, actor_id=1, at=NOW,
                                          field="status", old=None, new="new"))
    repos.events.append(NewEvent(
        kind=EventKind.TICKET_CREATED, ticket_id=ticket_id, requester_id=1, internal=False,
        occurred_at=NOW, data={"id": ticket_id, "subject": SUBJECT, "status": "new"},
    ))
    return ticket_id


async def bench_storage(path: Path, seconds: float, writers: int,
                        synchronous: str) -> tuple[int, int, float]:
    """Writes, batches and elapsed time of ``writers`` tasks writing for ``seconds``."""
    async with await SqliteStorage.open(path, PROJECT, synchronous=synchronous) as store:
        await store.write(open_ticket)  # warm up: schema, statement caches
        start_batches = store.stats.batches
        done = 0
        started = time.perf_counter()
        deadline = started + seconds

        async def writer() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await store.write(open_ticket)
                done += 1

        await asyncio.gather(*(writer() for _ in range(writers)))
        elapsed = time.perf_counter() - started
        return done, store.stats.batches - start_batches, elapsed


_TICKET = (
    "INSERT INTO tickets (id, subject, body, status, priority, tags, requester_id, "
    "assignee_id, created_at, updated_at) VALUES (?, ?, ?, 'new', 'normal', ?, 1, NULL, ?, ?)"
)
_CHANGE = (
    "INSERT INTO ticket_events (ticket_id, actor_id, at, field, old, new) "
    "VALUES (?, 1, ?, 'status', NULL, 'new')"
)
_EVENT = (
    "INSERT INTO events (kind, ticket_id, requester_id, internal, occurred_at, data) "
    "VALUES ('ticket.created', ?, 1, 0, ?, ?)"
)


def bench_raw(path: Path, seconds: float, group: int, synchronous: str) -> tuple[int, float]:
    """Row sets written by a bare sqlite3 loop committing every ``group`` row sets."""
    # The adapter's own connection settings (PRAGMAs, the search_fold() the FTS triggers
    # call), so the only difference left is the adapter's machinery around the statements.
    conn = open_connection(path, synchronous=synchronous, read_only=False)
    try:
        execute = conn.execute
        key = timestamp_key(NOW)
        tags = json.dumps(["printer"])
        next_id = int(execute("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets").fetchone()[0])
        done = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            execute("BEGIN IMMEDIATE")
            for _ in range(group):
                execute(_TICKET, (next_id, SUBJECT, BODY, tags, key, key))
                execute(_CHANGE, (next_id, key))
                data = json.dumps({"id": next_id, "subject": SUBJECT, "status": "new"})
                execute(_EVENT, (next_id, key, data))
                next_id += 1
            execute("COMMIT")
            done += group
        return done, time.perf_counter() - started
    finally:
        conn.close()


async def create_schema(path: Path) -> None:
    """An empty, migrated database file for the raw loops."""
    async with await SqliteStorage.open(path, PROJECT):
        pass


def main() -> None:
    """Run the three measurements in alternating rounds and print the medians.

    Rounds alternate so that a burst of load from elsewhere on the machine hits all
    three measurements alike; the ratios are what to compare across machines.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (median)")
    parser.add_argument("--writers", type=int, default=64, help="concurrent writers")
    parser.add_argument("--group", type=int, default=64, help="row sets per raw transaction")
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])
    parser.add_argument("--dir", type=Path, default=Path("test-artifacts"),
                        help="where the temporary databases go (same disk as the repo)")
    args = parser.parse_args()

    args.dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-writes-", dir=args.dir))
    storage_rates: list[float] = []
    single_rates: list[float] = []
    group_rates: list[float] = []
    writes = batches = 0
    try:
        storage_path, single_path, group_path = (work / f"{n}.sqlite3"
                                                 for n in ("storage", "single", "group"))
        asyncio.run(create_schema(single_path))
        asyncio.run(create_schema(group_path))
        for _ in range(args.rounds):
            done, batched, elapsed = asyncio.run(
                bench_storage(storage_path, args.seconds, args.writers, args.synchronous))
            writes += done
            batches += batched
            storage_rates.append(done / elapsed)
            single, elapsed = bench_raw(single_path, args.seconds, 1, args.synchronous)
            single_rates.append(single / elapsed)
            grouped, elapsed = bench_raw(group_path, args.seconds, args.group, args.synchronous)
            group_rates.append(grouped / elapsed)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    storage_rate = statistics.median(storage_rates)
    single_rate = statistics.median(single_rates)
    group_rate = statistics.median(group_rates)
    print(f"SQLite {sqlite3.sqlite_version}, synchronous={args.synchronous}, median of "
          f"{args.rounds} alternating rounds of {args.seconds:g} s; "
          "one write = ticket + history row + event")
    print(f"SqliteStorage, {args.writers} concurrent writers: {storage_rate:10,.0f} writes/s "
          f"({writes:,} writes in {batches:,} batches, {writes / max(batches, 1):.1f} per commit)")
    print(f"raw sqlite3, one commit per write:    {single_rate:10,.0f} writes/s "
          f"(SqliteStorage is {storage_rate / single_rate:.1f}x this)")
    print(f"raw sqlite3, {args.group} writes per commit:   {group_rate:10,.0f} writes/s "
          f"(SqliteStorage reaches {storage_rate / group_rate:.0%} of this ceiling)")


if __name__ == "__main__":
    main()
