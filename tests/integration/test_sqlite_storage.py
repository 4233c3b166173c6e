"""SQLite storage against a real file: schema, transactions, group commit, backup."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import anyio
import pytest

from hero_assistance.adapters.sqlite import (
    DuplicateKey,
    MissingRow,
    SqliteStorage,
    StorageClosed,
    StorageError,
)
from hero_assistance.adapters.sqlite._connection import open_connection
from hero_assistance.adapters.sqlite._migrations import bundled, migrate
from hero_assistance.domain.errors import Conflict
from hero_assistance.domain.identity import DeviceBinding
from hero_assistance.domain.listing import TicketQuery
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.tickets import TicketStatus

from ._sqlite_support import PROJECT, at, message, open_ticket, ticket, ticket_ids, user

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "project.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStorage]:
    async with await SqliteStorage.open(db_path, PROJECT) as started:
        yield started


def _pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


# -- schema and lifecycle ---------------------------------------------------------------


async def test_a_new_file_gets_every_migration_and_the_default_project(db_path: Path) -> None:
    async with await SqliteStorage.open(db_path, PROJECT) as store:
        settings = await store.read(lambda r: r.project.settings())

    assert settings == PROJECT
    assert _pragma(db_path, "user_version") == len(bundled()) >= 1


async def test_reopening_keeps_data_and_ignores_the_new_default_project(db_path: Path) -> None:
    async with await SqliteStorage.open(db_path, PROJECT) as store:
        await store.write(open_ticket)
        await store.write(lambda r: r.users.add(user(7)))

    other = ProjectSettings(name="Some other name", customers_see_all_tickets=True)
    async with await SqliteStorage.open(db_path, other) as store:
        settings, tickets, person = await store.read(
            lambda r: (r.project.settings(), ticket_ids(r), r.users.get(7))
        )

    assert settings == PROJECT
    assert tickets == [1]
    assert person == user(7)
    assert _pragma(db_path, "user_version") == len(bundled())


async def test_a_version_1_file_with_tickets_upgrades_to_the_workspace(db_path: Path) -> None:
    """A project from before the workspace keeps its tickets, and its queue counts, tag
    suggestions and staff activity start from them (not from zero)."""
    t0 = 1_735_689_600_000_000
    conn = open_connection(db_path, synchronous="FULL", read_only=False)  # with search_fold
    try:
        migrate(conn, bundled()[:1])
        with conn:
            conn.executemany(
                "INSERT INTO tickets (id, subject, body, status, priority, tags, requester_id,"
                " assignee_id, created_at, updated_at) VALUES (?, ?, '', ?, 'normal', ?, 10, ?,"
                " ?, ?)",
                [(1, "Printer", "new", '["printer", "network"]', None, t0, t0 + 1),
                 (2, "Toner", "open", '["printer"]', 20, t0, t0 + 2),
                 (3, "Solved", "resolved", "[]", 20, t0, t0 + 3)])
            conn.execute(  # an internal note, after the ticket's last public change
                "INSERT INTO messages (id, ticket_id, parent_id, author_id, body, visibility,"
                " attachments, created_at) VALUES (1, 1, NULL, 20, 'note', 'internal', '[]',"
                " ?)", (t0 + 50,))
    finally:
        conn.close()

    async with await SqliteStorage.open(db_path, PROJECT) as store:
        tally, tags = await store.read(lambda r: (r.tickets.tally(), r.tickets.tags("", limit=10)))

    assert sorted((row.status, row.assignee_id, row.team_id, row.count) for row in tally) == [
        (TicketStatus.NEW, None, None, 1), (TicketStatus.OPEN, 20, None, 1),
        (TicketStatus.RESOLVED, 20, None, 1)]
    assert tags == [("printer", 2), ("network", 1)]
    conn = sqlite3.connect(db_path)
    try:
        activity = conn.execute("SELECT id, activity_at FROM tickets ORDER BY id").fetchall()
    finally:
        conn.close()
    assert activity == [(1, t0 + 50), (2, t0 + 2), (3, t0 + 3)]


async def test_a_file_from_a_newer_program_is_refused(db_path: Path) -> None:
    async with await SqliteStorage.open(db_path, PROJECT):
        pass
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {len(bundled()) + 1}")
    conn.close()

    with pytest.raises(StorageError, match="newer than this program"):
        await SqliteStorage.open(db_path, PROJECT)


async def test_a_file_that_is_not_a_database_is_refused_cleanly(db_path: Path) -> None:
    await anyio.Path(db_path).write_bytes(b"this is a text file, not SQLite" * 100)

    with pytest.raises(StorageError):
        await SqliteStorage.open(db_path, PROJECT)


async def test_the_file_is_in_wal_mode(store: SqliteStorage, db_path: Path) -> None:
    assert _pragma(db_path, "journal_mode") == "wal"


async def test_foreign_keys_are_enforced(store: SqliteStorage) -> None:
    orphan = DeviceBinding(address="400::1", user_id=99, label="laptop", bound_at=at(1),
                           last_seen=at(2))

    with pytest.raises(MissingRow):
        await store.write(lambda r: r.devices.add(orphan))
    with pytest.raises(MissingRow):
        await store.write(lambda r: r.messages.add(message(1, 42, "on no ticket")))


async def test_ids_beyond_the_search_index_encoding_are_refused(store: SqliteStorage) -> None:
    await store.write(lambda r: r.tickets.add(ticket(1)))

    with pytest.raises(StorageError):
        await store.write(lambda r: r.messages.add(message(2**32, 1, "too far")))

    def on_a_ticket_too_far(r: Repositories) -> None:
        r.tickets.add(ticket(2**31))
        r.messages.add(message(1, 2**31, "on a ticket too far"))

    with pytest.raises(StorageError):
        await store.write(on_a_ticket_too_far)
    assert await store.read(ticket_ids) == [1]


async def test_a_duplicate_key_is_a_storage_error_and_a_key_error(store: SqliteStorage) -> None:
    await store.write(lambda r: r.users.add(user(1)))

    with pytest.raises(DuplicateKey) as caught:
        await store.write(lambda r: r.users.add(user(1)))

    assert isinstance(caught.value, StorageError)
    assert isinstance(caught.value, KeyError)
    assert isinstance(caught.value.__cause__, sqlite3.IntegrityError)


async def test_a_read_cannot_write(store: SqliteStorage) -> None:
    with pytest.raises(StorageError):
        await store.read(lambda r: r.users.add(user(1)))

    assert await store.write(lambda r: r.users.get(1)) is None


async def test_times_round_trip_exactly_as_utc(store: SqliteStorage) -> None:
    odd_zone = timezone(timedelta(hours=5, minutes=45))
    moment = datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=odd_zone)
    await store.write(lambda r: r.tickets.add(ticket(1, updated_at=moment)))

    got = await store.read(lambda r: r.tickets.get(1))

    assert got is not None
    assert got.updated_at == moment
    assert got.updated_at.utcoffset() == timedelta(0)


async def test_a_closed_store_refuses_work(db_path: Path) -> None:
    store = await SqliteStorage.open(db_path, PROJECT)
    await store.close()
    await store.close()  # idempotent

    with pytest.raises(StorageClosed):
        await store.write(open_ticket)
    with pytest.raises(StorageClosed):
        await store.read(lambda r: r.project.settings())


async def test_close_finishes_the_writes_already_queued(db_path: Path) -> None:
    store = await SqliteStorage.open(db_path, PROJECT)
    pending = [asyncio.ensure_future(store.write(open_ticket)) for _ in range(50)]
    await asyncio.sleep(0)  # let every write reach the queue
    await store.close()

    assert sorted(await asyncio.gather(*pending)) == list(range(1, 51))
    async with await SqliteStorage.open(db_path, PROJECT) as reopened:
        assert await reopened.read(ticket_ids) == list(range(1, 51))


def test_bad_settings_are_refused_up_front(db_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SqliteStorage(db_path, synchronous="OFF")
    with pytest.raises(ValueError, match="readers"):
        SqliteStorage(db_path, readers=0)


# -- transactions and group commit ------------------------------------------------------


async def test_concurrent_writes_share_commits(store: SqliteStorage) -> None:
    before = store.stats

    ids = await asyncio.gather(*(store.write(open_ticket) for _ in range(64)))

    after = store.stats
    assert sorted(ids) == list(range(1, 65))
    assert after.writes - before.writes == 64
    assert after.batches - before.batches <= 8, after
    assert await store.read(lambda r: r.events.last_seq()) == 64


async def test_a_failing_job_is_rolled_back_alone(store: SqliteStorage) -> None:
    refusal = Conflict("not this one")

    def doomed(r: Repositories) -> int:
        open_ticket(r, subject="doomed")
        raise refusal

    jobs = [open_ticket, open_ticket, doomed, open_ticket, open_ticket]
    results = await asyncio.gather(*(store.write(job) for job in jobs), return_exceptions=True)

    assert results[2] is refusal  # the very object the work raised
    assert sorted(r for r in results if isinstance(r, int)) == [1, 2, 3, 4]
    subjects, last_seq = await store.read(
        lambda r: ([t.subject for t in r.tickets.query(TicketQuery()).items],
                   r.events.last_seq())
    )
    assert "doomed" not in subjects
    assert len(subjects) == 4
    assert last_seq == 4
    assert store.stats.failed == 1


async def test_work_that_raises_leaves_nothing_behind(store: SqliteStorage) -> None:
    def half_done(r: Repositories) -> None:
        open_ticket(r)
        r.users.add(user(5))
        r.users.add(user(5))  # the database refuses this one

    with pytest.raises(DuplicateKey):
        await store.write(half_done)

    tickets, person, seq = await store.read(
        lambda r: (ticket_ids(r), r.users.get(5), r.events.last_seq())
    )
    assert (tickets, person, seq) == ([], None, 0)
    assert await store.read(lambda r: r.tickets.history(1)) == []


async def test_a_read_sees_one_snapshot_while_a_write_commits(store: SqliteStorage) -> None:
    await store.write(open_ticket)
    first_look = threading.Event()
    write_done = threading.Event()

    def look_twice(r: Repositories) -> tuple[list[int], list[int]]:
        before = ticket_ids(r)
        first_look.set()
        write_done.wait(timeout=10)
        return before, ticket_ids(r)

    async with anyio.create_task_group() as tg:
        result: list[tuple[list[int], list[int]]] = []

        async def reader() -> None:
            result.append(await store.read(look_twice))

        tg.start_soon(reader)
        await anyio.to_thread.run_sync(first_look.wait, 10)
        await store.write(open_ticket)
        write_done.set()

    assert result == [([1], [1])]
    assert await store.read(ticket_ids) == [1, 2]


async def test_reads_run_alongside_writes(store: SqliteStorage) -> None:
    async def writer() -> None:
        for _ in range(20):
            await store.write(open_ticket)

    async def reader() -> list[int]:
        counts = []
        for _ in range(20):
            counts.append(len(await store.read(ticket_ids)))
        return counts

    _, counts = await asyncio.gather(writer(), reader())

    assert counts == sorted(counts)  # never goes back: each read sees committed state
    assert await store.read(ticket_ids) == list(range(1, 21))


# -- backup -----------------------------------------------------------------------------


async def test_backup_while_writing_gives_a_file_with_the_data(
    store: SqliteStorage, tmp_path: Path
) -> None:
    for _ in range(30):
        await store.write(open_ticket)
    target = tmp_path / "backup.sqlite3"

    more = asyncio.gather(*(store.write(open_ticket) for _ in range(100)))
    await store.backup(target)
    await more

    assert not (tmp_path / "backup.sqlite3.partial").exists()
    async with await SqliteStorage.open(target, ProjectSettings(name="ignored")) as copy:
        settings, ids = await copy.read(lambda r: (r.project.settings(), ticket_ids(r)))
        history = await copy.read(lambda r: r.tickets.history(30))
    assert settings == PROJECT
    assert ids[:30] == list(range(1, 31))
    assert ids == list(range(1, len(ids) + 1))  # a consistent prefix, nothing torn
    assert len(history) == 1
