"""Is a database file one this program made? Its schema compared with the migrations'.

A backup set can come from anywhere an operator copied it: another program's SQLite
file renamed, or a project database someone added a table, an index or a trigger to (a
trigger runs inside the server with every write). Before such a file is restored, its
schema must be exactly the one the bundled migrations produce at the file's
``user_version``: same tables, indexes, triggers and views, same SQL.
"""

from __future__ import annotations

import sqlite3

from ._migrations import bundled, schema_version, statements

# SQLite makes these on its own (ANALYZE, PRAGMA optimize); they hold statistics only.
_BOOKKEEPING = ("sqlite_stat",)

SchemaRow = tuple[str, str, str]


def _rows(conn: sqlite3.Connection) -> set[SchemaRow]:
    found = conn.execute("SELECT type, name, COALESCE(sql, '') FROM sqlite_master").fetchall()
    return {(kind, name, sql) for kind, name, sql in found
            if not name.startswith(_BOOKKEEPING)}


def expected_schema(level: int) -> set[SchemaRow]:
    """``(type, name, sql)`` of every schema object after migrations 1..``level``."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for step in bundled()[:level]:
            for statement in statements(step.sql):
                conn.execute(statement)
        return _rows(conn)
    finally:
        conn.close()


def schema_problem(conn: sqlite3.Connection) -> str | None:
    """Why the database on ``conn`` is not one of this program's, or ``None``."""
    level = schema_version(conn)
    latest = len(bundled())
    if level < 1:
        return "it has no hero_assistance schema (user_version 0)"
    if level > latest:
        return (f"it has schema version {level}, newer than this program ({latest}): "
                "restore it with the release that made it")
    found, wanted = _rows(conn), expected_schema(level)
    extra = sorted(name for _kind, name, _sql in found - wanted)
    missing = sorted(name for _kind, name, _sql in wanted - found)
    if extra or missing:
        parts = ([f"not made by its migrations: {', '.join(extra)}"] if extra else []) + (
            [f"missing or changed: {', '.join(missing)}"] if missing else [])
        return f"its schema is not the one of version {level} ({'; '.join(parts)})"
    return None
