"""SQLite storage: the Storage port over one file, one writer with group commit (D-03)."""

from ._writer import WriterStats
from .errors import (
    DuplicateKey,
    IntegrityViolation,
    MissingRow,
    StorageClosed,
    StorageError,
    ValueOutOfRange,
)
from .schema import schema_problem
from .storage import SqliteStorage

__all__ = [
    "DuplicateKey",
    "IntegrityViolation",
    "MissingRow",
    "SqliteStorage",
    "StorageClosed",
    "StorageError",
    "ValueOutOfRange",
    "WriterStats",
    "schema_problem",
]
