"""Versioned schema migrations: ``migrations/NNNN_name.sql``, tracked in ``user_version``."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from .errors import StorageError

_PACKAGE = __name__.rpartition(".")[0]
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step; ``version`` is what ``PRAGMA user_version`` holds after it."""

    version: int
    name: str
    sql: str


def bundled() -> list[Migration]:
    """The migrations shipped with the package, in order, numbered 1, 2, 3 … without gaps."""
    folder = resources.files(_PACKAGE).joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match is not None:
            found.append(Migration(int(match[1]), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise StorageError(f"migrations are not numbered 1..n: {[m.name for m in found]}")
    return found


def schema_version(conn: sqlite3.Connection) -> int:
    """The version of the schema in the file (0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def statements(sql: str) -> list[str]:
    """The statements of a migration script, each complete (triggers keep their body)."""
    found: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            found.append(buffer.strip())
            buffer = ""
    rest = "\n".join(line for line in buffer.splitlines() if not line.strip().startswith("--"))
    if rest.strip():
        found.append(buffer.strip())  # incomplete: SQLite will say what is wrong with it
    return found


def migrate(conn: sqlite3.Connection, migrations: list[Migration]) -> list[int]:
    """Apply the migrations the file lacks, all in ONE transaction; return their versions.

    Either every pending step is applied and ``user_version`` names the last one, or
    none is and the file is exactly as it was: a failing step (or a crash half way)
    never leaves a database between two versions that no release has known. Statements
    run one by one on the connection (not ``executescript``, which commits first), so
    a failure names its migration.
    """
    current = schema_version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise StorageError(
            f"the database has schema version {current}, newer than this program ({latest})"
        )
    pending = [step for step in migrations if step.version > current]
    if not pending:
        return []
    conn.execute("BEGIN IMMEDIATE")
    step = pending[0]
    try:
        for step in pending:
            for statement in statements(step.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {step.version}")
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StorageError(f"migration {step.name} failed, nothing was changed (the schema "
                           f"stays at version {current}): {exc}") from exc
    return [step.version for step in pending]
