"""Build a database at every schema level the package has ever had (issue 19, point 6).

For level N the database holds migrations 1..N, each followed by the rows of
``tests/data/schema/seeds/NNNN.sql`` when that file exists, so every level carries the
data of a project used under each release before it. A new migration gets its fixture
by running this script again (the upgrade test fails until it is there):

    .venv/bin/python scripts/make_schema_fixtures.py           # (re)write the fixtures
    .venv/bin/python scripts/make_schema_fixtures.py --check   # exit 1 if they differ

The files are committed; ``--check`` (run by the tests) rebuilds them in a temporary
directory and compares their content (schema and rows in SQL text), not their bytes,
which depend on the SQLite version.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

from hero_assistance.adapters.sqlite._fts import register_fold
from hero_assistance.adapters.sqlite._migrations import Migration, bundled, statements

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "data" / "schema"
SEEDS = FIXTURES / "seeds"


def fixture_name(version: int) -> str:
    """``v0001.sqlite3`` for level 1."""
    return f"v{version:04d}.sqlite3"


def build(level: int, target: Path, migrations: list[Migration]) -> None:
    """The database of schema ``level`` with the seed rows of every level up to it."""
    target.unlink(missing_ok=True)
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        register_fold(conn)  # the FTS triggers call search_fold()
        conn.execute("PRAGMA foreign_keys = ON")
        for step in migrations[:level]:
            conn.execute("BEGIN IMMEDIATE")
            for statement in statements(step.sql):
                conn.execute(statement)
            seed = SEEDS / f"{step.version:04d}.sql"
            if seed.exists():
                for statement in statements(seed.read_text("utf-8")):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {step.version}")
            conn.execute("COMMIT")
        conn.execute("VACUUM")  # compact and independent of how it was built
    finally:
        conn.close()


def content(path: Path) -> str:
    """Schema version, schema and rows of a database, as text to compare."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        register_fold(conn)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        return f"user_version {version}\n" + "\n".join(conn.iterdump())
    finally:
        conn.close()


def main() -> int:
    """Write the fixtures, or with ``--check`` compare them with a fresh build."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a committed fixture is missing or differs")
    args = parser.parse_args()
    migrations = bundled()
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        for step in migrations:
            fresh = Path(scratch) / fixture_name(step.version)
            build(step.version, fresh, migrations)
            committed = FIXTURES / fixture_name(step.version)
            if not args.check:
                FIXTURES.mkdir(parents=True, exist_ok=True)
                committed.write_bytes(fresh.read_bytes())
                print(f"wrote {committed.relative_to(ROOT)} (schema {step.version})")
            elif not committed.exists():
                problems.append(f"{committed.relative_to(ROOT)} is missing")
            elif content(committed) != content(fresh):
                problems.append(f"{committed.relative_to(ROOT)} differs from a fresh build")
    stale = sorted(set(FIXTURES.glob("v*.sqlite3"))
                   - {FIXTURES / fixture_name(m.version) for m in migrations})
    problems += [f"{path.relative_to(ROOT)} has no migration" for path in stale]
    for problem in problems:
        print(f"{problem}; run: python scripts/make_schema_fixtures.py", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
