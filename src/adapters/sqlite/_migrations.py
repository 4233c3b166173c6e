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


def migrate(conn: sqlite3.Connection, migrations: list[Migration]) -> list[int]:
    """Apply the migrations the file lacks, each in its own transaction; return their versions.

    ``executescript`` commits whatever is open before it runs, so each script carries its
    own ``BEGIN IMMEDIATE`` … ``COMMIT``, with the version bump inside the transaction: a
    crash leaves the file at the previous version, never half-migrated.
    """
    current = schema_version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise StorageError(
            f"the database has schema version {current}, newer than this program ({latest})"
        )
    applied: list[int] = []
    for step in migrations:
        if step.version <= current:
            continue
        script = (
            f"BEGIN IMMEDIATE;\n{step.sql}\n;PRAGMA user_version = {step.version};\nCOMMIT;"
        )
        try:
            conn.executescript(script)
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StorageError(f"migration {step.name} failed: {exc}") from exc
        applied.append(step.version)
    return applied
