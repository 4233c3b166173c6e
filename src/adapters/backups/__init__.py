"""Backup sets: the database and the attachments it references, verified, rotated,
restorable into a new data directory."""

from .sets import (
    BackupError,
    BackupSet,
    abandon,
    finish_set,
    list_sets,
    restore_set,
    rotate,
    start_set,
    verify_set,
)

__all__ = [
    "BackupError",
    "BackupSet",
    "abandon",
    "finish_set",
    "list_sets",
    "restore_set",
    "rotate",
    "start_set",
    "verify_set",
]
