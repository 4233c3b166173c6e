"""Databases of every past schema level (``scripts/make_schema_fixtures.py``), migrated."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from hero_assistance.adapters.sqlite._fts import register_fold
from hero_assistance.adapters.sqlite._migrations import bundled, migrate

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "schema"


def upgrade_fixtures() -> list[Path]:
    """The committed fixtures, oldest first."""
    return sorted(FIXTURES.glob("v*.sqlite3"))


def upgraded_copy(name: str, target: Path) -> None:
    """A copy of fixture ``name`` (``v0001``) at ``target``, migrated to the latest schema."""
    shutil.copyfile(FIXTURES / f"{name}.sqlite3", target)
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        register_fold(conn)
        migrate(conn, bundled())
    finally:
        conn.close()


def upgraded_and_emptied(name: str, target: Path) -> None:
    """An upgraded copy with every row deleted (through the triggers, as the app would)."""
    upgraded_copy(name, target)
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        register_fold(conn)
        virtual = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")]
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%'")
            if not any(row[0].startswith(f"{v}_") for v in virtual)]
        conn.execute("BEGIN IMMEDIATE")
        for table in tables:
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - names from sqlite_master
        conn.execute("DELETE FROM sqlite_sequence")
        conn.execute("COMMIT")
    finally:
        conn.close()
