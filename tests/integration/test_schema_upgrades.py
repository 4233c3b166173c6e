"""Every schema version ever released migrates to the current one (issue 19, point 6).

The databases of each past level are committed under tests/data/schema, built by
``scripts/make_schema_fixtures.py`` (never by hand); the contract suite also runs on
each of them upgraded and emptied (tests/contract/conftest.py). Here: the fixtures are
what the script builds, each opens, migrates to the schema a fresh database has, keeps
its rows readable and writable, and a failing migration changes nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hero_assistance.adapters.sqlite import SqliteStorage, StorageError, schema_problem
from hero_assistance.adapters.sqlite._fts import register_fold
from hero_assistance.adapters.sqlite._migrations import Migration, bundled, migrate
from hero_assistance.domain.events import EventKind, NewEvent
from hero_assistance.domain.listing import TicketQuery
from hero_assistance.domain.messages import Visibility
from hero_assistance.domain.project import ProjectSettings
from tests.contract._upgrades import FIXTURES, upgrade_fixtures, upgraded_copy

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
LATEST = len(bundled())


def _schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master "
                            "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").fetchall()
    return [(kind, name, " ".join((sql or "").split())) for kind, name, sql in rows]


def _dump(path: Path) -> tuple[int, list[str]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        register_fold(conn)
        return (int(conn.execute("PRAGMA user_version").fetchone()[0]),
                list(conn.iterdump()))
    finally:
        conn.close()


@pytest.mark.slow
def test_the_committed_fixtures_are_exactly_what_the_script_builds() -> None:
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "scripts" / "make_schema_fixtures.py"), "--check"],
        capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr


def test_every_migration_level_has_a_fixture() -> None:
    assert [p.name for p in upgrade_fixtures()] == [
        f"v{m.version:04d}.sqlite3" for m in bundled()]


@pytest.mark.parametrize("fixture", upgrade_fixtures(), ids=lambda p: p.stem)
async def test_each_level_opens_migrates_and_keeps_its_rows(fixture: Path,
                                                           tmp_path: Path) -> None:
    fresh = SqliteStorage(tmp_path / "fresh.sqlite3")
    await fresh.start(ProjectSettings(name="fresh"))
    await fresh.close()
    copy = tmp_path / "project.sqlite3"
    shutil.copyfile(fixture, copy)

    store = SqliteStorage(copy)
    await store.start(ProjectSettings(name="ignored: the project row exists"))
    try:
        ada = await store.read(lambda r: r.users.by_email("ada@customer.example"))
        assert ada is not None
        assert ada.display_name == "Ada O'Brien"
        ticket = await store.read(lambda r: r.tickets.get(1))
        assert ticket is not None
        assert ticket.tags == ("printer", "floor-2")
        thread = await store.read(lambda r: r.messages.for_ticket(1, include_internal=True))
        assert [m.visibility for m in thread] == [Visibility.PUBLIC, Visibility.PUBLIC,
                                                  Visibility.INTERNAL]
        assert thread[0].attachments == (
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",)
        found = await store.read(lambda r: r.tickets.query(TicketQuery(terms=("strasse",))))
        assert [t.id for t in found.items] == [2]  # FTS kept, folding included
        assert (await store.read(lambda r: r.project.settings())).name == "Acme support"
        events = await store.read(lambda r: r.events.after(0, limit=100))
        assert [e.seq for e in events] == [1, 2, 3, 4, 5]
        appended = await store.write(lambda r: r.events.append(NewEvent(
            kind=EventKind.TICKET_UPDATED, ticket_id=1, requester_id=3, internal=False,
            occurred_at=datetime(2026, 2, 1, tzinfo=UTC), data={"ticket_id": 1})))
        assert appended.seq == 6  # the sequence goes on where the old release left it
    finally:
        await store.close()
    assert _dump(copy)[0] == LATEST
    assert _schema(copy) == _schema(tmp_path / "fresh.sqlite3")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def _level(fixture: Path) -> int:
    return int(fixture.stem.removeprefix("v"))


@pytest.mark.parametrize("fixture", [f for f in upgrade_fixtures() if _level(f) >= 3],
                         ids=lambda p: p.stem)
async def test_workspace_rows_are_kept_from_level_3_on(fixture: Path, tmp_path: Path) -> None:
    # Teams, routing, unread marks, canned replies and why a change happened (0003).
    copy = tmp_path / "project.sqlite3"
    shutil.copyfile(fixture, copy)
    store = SqliteStorage(copy)
    await store.start(ProjectSettings(name="ignored"))
    try:
        team = await store.read(lambda r: r.teams.get(1))
        assert team is not None
        assert team.name == "Printers & hardware"
        reopened = await store.read(lambda r: r.tickets.get(5))
        assert reopened is not None
        assert reopened.team_id == 1
        assert reopened.tags == ("printer", "toner")
        history = await store.read(lambda r: r.tickets.history(5))
        assert history[-1].reason == "reopened by reply"
        marks = await store.read(lambda r: r.reads.marks(2, [1, 5]))
        assert sorted(marks) == [1, 5]
        assert marks[5] < reopened.last_activity  # unread again for the agent
        canned = await store.read(lambda r: r.canned.visible_to(2, limit=10))
        assert [c.title for c in canned] == ["Greeting", "Toner"]
        assert [c.title for c in await store.read(lambda r: r.canned.visible_to(3, limit=10))
                ] == ["Greeting"]  # the agent's own reply stays theirs
    finally:
        await store.close()


@pytest.mark.parametrize("fixture", [f for f in upgrade_fixtures() if _level(f) >= 6],
                         ids=lambda p: p.stem)
async def test_service_levels_are_kept_from_level_6_on(fixture: Path, tmp_path: Path) -> None:
    # The business calendar and the policies of two priorities (0006).
    copy = tmp_path / "project.sqlite3"
    shutil.copyfile(fixture, copy)
    store = SqliteStorage(copy)
    await store.start(ProjectSettings(name="ignored"))
    try:
        calendar = await store.read(lambda r: r.service_levels.calendar())
        assert calendar is not None
        assert calendar.zone == "Europe/Amsterdam"
        assert [(h.weekday, h.start, h.end) for h in calendar.hours][-2:] == [
            (4, 540, 720), (4, 780, 960)]
        assert [d.isoformat() for d in calendar.holidays] == ["2026-04-06", "2026-12-25"]
        policies = await store.read(lambda r: r.service_levels.policies())
        assert [(p.priority.value, [(t.kind.value, t.minutes, t.business) for t in p.targets])
                for p in policies] == [
            ("urgent", [("first_response", 60, True), ("next_response", 120, True),
                        ("resolution", 480, True)]),
            ("high", [("first_response", 240, True), ("resolution", 4320, False)]),
        ]
    finally:
        await store.close()


@pytest.mark.parametrize("fixture", upgrade_fixtures(), ids=lambda p: p.stem)
def test_a_backup_of_any_level_has_a_schema_restore_accepts(fixture: Path,
                                                           tmp_path: Path) -> None:
    # restore refuses a schema its migrations did not make (adapters/sqlite/schema.py):
    # a set taken at any released level, and that set once upgraded, must pass.
    def problem(path: Path) -> str | None:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return schema_problem(conn)
        finally:
            conn.close()

    assert problem(fixture) is None
    copy = tmp_path / "project.sqlite3"
    upgraded_copy(fixture.stem, copy)
    assert problem(copy) is None


BROKEN = Migration(LATEST + 1, f"{LATEST + 1:04d}_broken.sql",
                   "CREATE TABLE half_done (x INTEGER);\n"
                   "INSERT INTO half_done VALUES (1);\n"
                   "INSERT INTO no_such_table VALUES (1);\n")


@pytest.mark.parametrize("fixture", upgrade_fixtures(), ids=lambda p: p.stem)
def test_a_failing_migration_leaves_the_database_as_it_was(fixture: Path,
                                                           tmp_path: Path) -> None:
    copy = tmp_path / "project.sqlite3"
    upgraded_copy(fixture.stem, copy)
    before = _dump(copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        register_fold(conn)
        with pytest.raises(StorageError, match=r"migration \d{4}_broken.sql failed, nothing "
                           r"was changed"):
            migrate(conn, [*bundled(), BROKEN])
        assert not conn.in_transaction
    finally:
        conn.close()
    assert _dump(copy) == before


def test_a_failing_step_undoes_the_steps_before_it_in_the_same_upgrade(
        tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        register_fold(conn)
        with pytest.raises(StorageError, match="broken"):
            migrate(conn, [*bundled(), BROKEN])  # 0001..latest fine, then the broken one
        assert conn.execute("PRAGMA user_version").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    finally:
        conn.close()


def test_a_database_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    copy = tmp_path / "project.sqlite3"
    shutil.copyfile(FIXTURES / f"v{LATEST:04d}.sqlite3", copy)
    with sqlite3.connect(copy, isolation_level=None) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 5}")
    before = _dump(copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        with pytest.raises(StorageError, match="newer than this program"):
            migrate(conn, bundled())
    finally:
        conn.close()
    assert _dump(copy) == before
