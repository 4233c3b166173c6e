"""One backup set is a directory ``backup-<UTC time>/`` holding:

- ``project.sqlite3``: an online snapshot (SQLite's backup API inside one read
  transaction, so every write committed before the backup started is in it);
- ``attachments/``: exactly the blobs that snapshot's ``attachments`` table names. A
  blob is stored before its metadata is committed (``AttachmentLibrary.upload``), so
  every blob the snapshot references exists when it is copied; blobs are immutable
  and named by their SHA-256, so a hard link is as good as a copy on the same disk;
- ``server.json`` (0600), so a restored directory serves as the original did;
- ``manifest.json``: when, which schema, what it holds, the integrity check's result.

The set is built under ``.partial-<time>/`` and renamed into place only once the copy
passed ``PRAGMA integrity_check`` and every blob matched its hash: a directory named
``backup-*`` is always complete. Only its owner can enter it (0700; the database, the
config and the manifest are 0600 too).

A set to restore may have been copied anywhere and back, so restore trusts nothing in
it: the manifest names the SHA-256 of the database and of the config as well as of
every blob, the database's schema must be exactly what this program's migrations make
at its level (no table, index or trigger added), every file it uses must be a regular
file (a symbolic link could point anywhere on the host), and only what the manifest
lists is copied.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..sqlite import schema_problem

SET_PREFIX = "backup-"
PARTIAL_PREFIX = ".partial-"
DATABASE = "project.sqlite3"
ATTACHMENTS = "attachments"
CONFIG = "server.json"
MANIFEST = "manifest.json"
FORMAT = 1
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BackupError(Exception):
    """A backup could not be taken, verified or restored; the message says why."""


@dataclass(frozen=True, slots=True)
class BackupSet:
    """A complete backup set on disk."""

    path: Path
    taken_at: datetime
    schema_version: int
    database_bytes: int
    attachments: int
    attachment_bytes: int

    @classmethod
    def read(cls, path: Path) -> BackupSet:
        """The set at ``path`` from its manifest; ``BackupError`` if there is none."""
        try:
            manifest = json.loads((path / MANIFEST).read_text())
            return cls(path=path, taken_at=datetime.fromisoformat(manifest["taken_at"]),
                       schema_version=int(manifest["schema_version"]),
                       database_bytes=int(manifest["database_bytes"]),
                       attachments=len(manifest["attachments"]),
                       attachment_bytes=sum(int(a["bytes"]) for a in manifest["attachments"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"{path} is not a backup set (no readable {MANIFEST}): "
                              f"{exc}") from exc


def set_name(taken_at: datetime) -> str:
    """``backup-20261202T081500.123456Z``: sorts by time."""
    return SET_PREFIX + taken_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def list_sets(directory: Path) -> list[BackupSet]:
    """Complete sets in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob(SET_PREFIX + "*")):
        with contextlib.suppress(BackupError):
            found.append(BackupSet.read(path))
    return found


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` complete sets; the removed paths."""
    sets = list_sets(directory)
    removed = [s.path for s in sets[:max(0, len(sets) - keep)]]
    for path in removed:
        shutil.rmtree(path)
    return removed


def start_set(directory: Path, taken_at: datetime) -> Path:
    """A fresh ``.partial-*`` directory for a set; leftovers of a crashed backup go.

    Then write the database snapshot to ``partial / DATABASE`` (``SqliteStorage.backup``)
    and call :func:`finish_set`, or :func:`abandon` on failure. Blocking, like the rest.
    """
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for leftover in directory.glob(PARTIAL_PREFIX + "*"):  # one backup runs at a time
        shutil.rmtree(leftover, ignore_errors=True)
    partial = directory / (PARTIAL_PREFIX + set_name(taken_at).removeprefix(SET_PREFIX))
    partial.mkdir(mode=0o700)
    return partial


def finish_set(partial: Path, blob_root: Path, *, taken_at: datetime,
               config_file: Path | None = None) -> BackupSet:
    """Check the snapshot, add its attachments and the config, name the set complete."""
    try:
        database = partial / DATABASE
        database.chmod(0o600)  # SQLite made it with the umask's mode
        schema = _check_database(database)
        blobs = _copy_blobs(database, blob_root, partial / ATTACHMENTS)
        manifest: dict[str, Any] = {
            "format": FORMAT, "taken_at": taken_at.astimezone(UTC).isoformat(),
            "schema_version": schema, "database_bytes": database.stat().st_size,
            "database_sha256": _file_sha256(database), "integrity_check": "ok",
            "attachments": blobs}
        if config_file is not None and config_file.exists():
            shutil.copy2(config_file, partial / CONFIG)
            (partial / CONFIG).chmod(0o600)
            manifest["config_sha256"] = _file_sha256(partial / CONFIG)
        _write_synced(partial / MANIFEST, json.dumps(manifest, indent=2).encode())
        _fsync_tree(partial)
        final = partial.with_name(set_name(taken_at))
        partial.rename(final)
        _fsync_directory(final.parent)
    except BaseException:
        abandon(partial)
        raise
    return BackupSet.read(final)


def abandon(partial: Path) -> None:
    """Remove a set that will not be finished."""
    shutil.rmtree(partial, ignore_errors=True)


def verify_set(path: Path) -> BackupSet:
    """Check a set as restore needs it (``BackupError`` says what is wrong): a manifest
    of this format, every file it names regular and matching its SHA-256, a database
    that passes the integrity checks, whose schema is this program's and whose
    attachments are exactly those listed."""
    backup = BackupSet.read(path)
    manifest = _manifest(path)
    _check_file(path / DATABASE, manifest.get("database_sha256"), what="the database")
    config = path / CONFIG
    if config.is_symlink() or config.exists() or "config_sha256" in manifest:
        _check_file(config, manifest.get("config_sha256"), what=CONFIG)
    _check_database(path / DATABASE, foreign_check=True)
    listed = _listed_blobs(path, manifest)
    if listed != set(_referenced_blobs(path / DATABASE)):
        raise BackupError(f"{path}: the manifest and the database name different attachments")
    for sha in sorted(listed):
        _check_blob(_blob_path(path / ATTACHMENTS, sha), sha)
    return backup


def restore_set(path: Path, data_dir: Path) -> BackupSet:
    """Copy a verified set into a new (absent or empty) data directory: the database,
    the config and the listed attachments, nothing else the set may hold."""
    backup = verify_set(path)
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(f"{data_dir} is not empty; restore into a new data directory")
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_dir.chmod(0o700)
    try:
        _copy_private(path / DATABASE, data_dir / DATABASE)
        (data_dir / ATTACHMENTS).mkdir(mode=0o700)
        for sha in sorted(_listed_blobs(path, _manifest(path))):
            target = _blob_path(data_dir / ATTACHMENTS, sha)
            target.parent.mkdir(exist_ok=True, mode=0o700)
            _copy_private(_blob_path(path / ATTACHMENTS, sha), target)
            _check_blob(target, sha)  # what was copied, not what was checked before
        if (path / CONFIG).exists():
            _copy_private(path / CONFIG, data_dir / CONFIG)
        _fsync_tree(data_dir)
    except BaseException:
        for child in data_dir.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
        raise
    return backup


# -- checks and copies ---------------------------------------------------------------

def _manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} is not a backup set (no readable {MANIFEST}): {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: a backup set of format {FORMAT} was expected; this one "
                          "was not made by this program")
    return manifest


def _listed_blobs(path: Path, manifest: dict[str, Any]) -> set[str]:
    try:
        listed = {entry["sha256"] for entry in manifest["attachments"]}
    except (KeyError, TypeError) as exc:
        raise BackupError(f"{path}: the manifest's attachments are unreadable") from exc
    bad = sorted(str(sha)[:80] for sha in listed
                 if not isinstance(sha, str) or not _SHA256.match(sha))
    if bad:
        raise BackupError(f"{path}: the manifest names attachments that are no SHA-256: {bad}")
    return listed


def _regular(path: Path, what: str) -> None:
    """``path`` must be a regular file itself, not a link to one (it could be any file)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        raise BackupError(f"{what} is missing ({path})") from None
    if not stat.S_ISREG(mode):
        raise BackupError(f"{what} is not a regular file ({path}); refused")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_file(path: Path, sha: object, *, what: str) -> None:
    _regular(path, what)
    if not isinstance(sha, str) or not _SHA256.match(sha):
        raise BackupError(f"{path.parent}: the manifest gives no SHA-256 of {what}")
    if _file_sha256(path) != sha:
        raise BackupError(f"{what} was changed after the backup was taken ({path}): it "
                          "does not match the manifest")


def _copy_private(source: Path, target: Path) -> None:
    """Copy a regular file to a new ``target`` only its owner can read (0600)."""
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        with os.fdopen(fd, "rb", closefd=False) as src, \
                os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                          "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    finally:
        os.close(fd)


def _check_database(path: Path, *, foreign_check: bool = False) -> int:
    """``PRAGMA integrity_check`` and ``foreign_key_check`` on a copy; its schema version.
    With ``foreign_check``, a schema this program's migrations did not make is refused."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupError(f"{path} does not open: {exc}") from exc
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"{path} fails the integrity check: {'; '.join(result[:5])}")
        dangling = conn.execute("PRAGMA foreign_key_check").fetchmany(5)
        if dangling:
            raise BackupError(f"{path} has dangling references: {dangling}")
        problem = schema_problem(conn) if foreign_check else None
        if problem is not None:
            raise BackupError(f"{path} is not a hero_assistance database this program can "
                              f"restore: {problem}")
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be checked: {exc}") from exc
    finally:
        conn.close()


def _referenced_blobs(database: Path) -> list[str]:
    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, isolation_level=None)
        try:
            return [row[0] for row in
                    conn.execute("SELECT sha256 FROM attachments ORDER BY sha256")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{database}: cannot list its attachments: {exc}") from exc


def _blob_path(root: Path, sha: str) -> Path:
    return root / sha[:2] / sha[2:]


def _check_blob(path: Path, sha: str) -> int:
    _regular(path, f"attachment {sha}")
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        raise BackupError(f"attachment {sha} is missing ({path})") from None
    if digest.hexdigest() != sha:
        raise BackupError(f"attachment {sha} does not match its hash ({path})")
    return size


def _copy_blobs(database: Path, blob_root: Path, target: Path) -> list[dict[str, Any]]:
    """Every blob the snapshot references, linked (same disk) or copied, then checked."""
    copied = []
    target.mkdir(mode=0o700, exist_ok=True)  # parents=True would make it with the umask's
    for sha in _referenced_blobs(database):
        source, dest = _blob_path(blob_root, sha), _blob_path(target, sha)
        dest.parent.mkdir(exist_ok=True, mode=0o700)
        try:
            os.link(source, dest)
        except FileNotFoundError:
            raise BackupError(f"attachment {sha} is referenced but missing from "
                              f"{blob_root}") from None
        except OSError:  # another file system, or links not allowed: copy
            shutil.copyfile(source, dest)
        copied.append({"sha256": sha, "bytes": _check_blob(dest, sha)})
    return copied


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, names in os.walk(root):
        for name in names:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)  # noqa: PTH118
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_directory(Path(folder))


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
