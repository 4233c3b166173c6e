"""The SQLite adapter's errors: one root, translated from ``sqlite3.Error`` at the boundary.

Domain errors raised by a unit of work are never wrapped; only failures of the database
itself (or of a repository call the domain should have prevented) become these.
"""

from __future__ import annotations

import sqlite3

from ...domain.errors import InvalidInput


class StorageError(Exception):
    """Root of every error the SQLite adapter raises."""


class StorageClosed(StorageError):
    """The store was used before ``start`` or after ``close``."""


class IntegrityViolation(StorageError, KeyError):
    """A repository call broke a key rule: a duplicate key or a reference to a missing row.

    It is also a ``KeyError`` because that is what the in-memory adapter raises for the
    same calls, so code written against either adapter sees the same kind of error.
    """

    def __str__(self) -> str:
        # KeyError.__str__ quotes its argument as if it were a key; show the message.
        return str(self.args[0]) if self.args else ""


class DuplicateKey(IntegrityViolation):
    """An ``add`` whose id, email, address or token hash is already stored."""


class MissingRow(IntegrityViolation):
    """An ``update`` of a row that does not exist, or a reference to one."""


class ValueOutOfRange(StorageError, InvalidInput):
    """A value SQLite cannot hold, such as an integer beyond signed 64 bits.

    The wire types already refuse such values; this is the last line of defence for a
    path that forgot to. It is the caller's mistake, so it is also the domain's
    ``InvalidInput``: answered as invalid params, not as an internal error.
    """

    def __init__(self, problem: str) -> None:
        InvalidInput.__init__(self, "params", problem)


def out_of_range(exc: OverflowError) -> ValueOutOfRange:
    """The error for a value the sqlite3 driver could not bind (it raises OverflowError)."""
    return ValueOutOfRange(f"a value is outside what the database holds ({exc})")


def translate(exc: sqlite3.Error) -> StorageError:
    """The adapter error for a ``sqlite3`` error (the caller chains it with ``from``)."""
    if isinstance(exc, sqlite3.IntegrityError):
        text = str(exc)
        if text.startswith(("UNIQUE constraint failed", "PRIMARY KEY constraint failed")):
            return DuplicateKey(f"already stored: {text}")
        if text.startswith("FOREIGN KEY constraint failed"):
            return MissingRow(f"refers to a row that does not exist: {text}")
        return IntegrityViolation(text)
    return StorageError(f"database error: {exc}")


def execute_checked(
    conn: sqlite3.Connection, sql: str, params: tuple[object, ...]
) -> sqlite3.Cursor:
    """Run a statement that may break a key rule, raising ``IntegrityViolation`` if it does.

    Repositories translate here, not only at the storage boundary, so a unit of work sees
    the same ``KeyError`` family inside the transaction as it would with the in-memory
    adapter.
    """
    try:
        return conn.execute(sql, params)
    except sqlite3.IntegrityError as exc:
        raise translate(exc) from exc
