"""Backup sets on disk (adapters/backups): complete or absent, verified, rotated, and
refused for restore when anything in them is wrong."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from hero_assistance.adapters.backups import (
    BackupError,
    finish_set,
    list_sets,
    restore_set,
    rotate,
    start_set,
    verify_set,
)
from hero_assistance.adapters.backups.sets import DATABASE
from hero_assistance.adapters.blobs import FileBlobStore
from hero_assistance.adapters.sqlite import SqliteStorage
from hero_assistance.adapters.sqlite._migrations import bundled
from hero_assistance.domain.attachments import Attachment
from hero_assistance.domain.project import ProjectSettings
from tests.unit.images import png_image

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def _project(root: Path) -> tuple[SqliteStorage, Path, list[str]]:
    """A store with two attachments whose blobs are on disk, and one orphan blob."""
    await anyio.Path(root).mkdir(parents=True)
    storage = SqliteStorage(root / "project.sqlite3")
    await storage.start(ProjectSettings(name="Backups"))
    blobs = FileBlobStore(root / "attachments")
    shas = []
    for size in (2, 3):
        data = png_image(size, size)
        sha = hashlib.sha256(data).hexdigest()
        await blobs.put(sha, data)
        shas.append(sha)
        attachment = Attachment(sha256=sha, mime="image/png", size=len(data), width=size,
                                height=size, created_at=T0)
        await storage.write(lambda repos, a=attachment: repos.attachments.add(a))
    orphan = png_image(4, 4)
    await blobs.put(hashlib.sha256(orphan).hexdigest(), orphan)  # stored, never committed
    return storage, root / "attachments", shas


async def _take(storage: SqliteStorage, blob_root: Path, directory: Path, at: datetime,
                config: Path | None = None) -> Path:
    partial = start_set(directory, at)
    await storage.backup(partial / DATABASE)
    return finish_set(partial, blob_root, taken_at=at, config_file=config).path


async def test_a_set_holds_the_referenced_blobs_only_and_verifies(tmp_path: Path) -> None:
    storage, blob_root, shas = await _project(tmp_path / "live")
    try:
        (tmp_path / "live" / "server.json").write_text("{}")
        path = await _take(storage, blob_root, tmp_path / "backups", T0,
                           tmp_path / "live" / "server.json")
    finally:
        await storage.close()
    backup = verify_set(path)
    assert backup.attachments == 2
    stored = sorted(p.parent.name + p.name for p in (path / "attachments").rglob("*")
                    if p.is_file())
    assert stored == sorted(shas)  # the orphan blob is not in the set
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["integrity_check"] == "ok"
    assert manifest["schema_version"] == len(bundled())  # the newest schema
    assert (path / "server.json").stat().st_mode & 0o777 == 0o600
    assert path.stat().st_mode & 0o777 == 0o700


async def test_rotation_keeps_the_newest_and_leftovers_of_a_crash_go(tmp_path: Path) -> None:
    storage, blob_root, _ = await _project(tmp_path / "live")
    directory = tmp_path / "backups"
    try:
        for hours in range(4):
            await _take(storage, blob_root, directory, T0 + timedelta(hours=hours))
        start_set(directory, T0 + timedelta(hours=5))  # a backup that died half way
        removed = rotate(directory, keep=2)
        await _take(storage, blob_root, directory, T0 + timedelta(hours=6))
    finally:
        await storage.close()
    assert len(removed) == 2
    assert [s.taken_at for s in list_sets(directory)] == [
        T0 + timedelta(hours=2), T0 + timedelta(hours=3), T0 + timedelta(hours=6)]
    assert list(directory.glob(".partial-*")) == []


async def test_a_referenced_blob_missing_from_the_live_store_fails_the_backup(
        tmp_path: Path) -> None:
    storage, blob_root, shas = await _project(tmp_path / "live")
    (blob_root / shas[0][:2] / shas[0][2:]).unlink()
    try:
        with pytest.raises(BackupError, match="referenced but missing"):
            await _take(storage, blob_root, tmp_path / "backups", T0)
    finally:
        await storage.close()
    assert list_sets(tmp_path / "backups") == []
    assert list((tmp_path / "backups").iterdir()) == []  # nothing half-made stays


@pytest.mark.parametrize("damage", ["database", "blob", "missing blob"])
async def test_a_damaged_set_is_refused_for_restore(tmp_path: Path, damage: str) -> None:
    storage, blob_root, shas = await _project(tmp_path / "live")
    try:
        path = await _take(storage, blob_root, tmp_path / "backups", T0)
    finally:
        await storage.close()
    blob = path / "attachments" / shas[0][:2] / shas[0][2:]
    if damage == "database":
        with sqlite3.connect(path / DATABASE) as db:
            page = db.execute("PRAGMA page_size").fetchone()[0]
        size = (path / DATABASE).stat().st_size
        with (path / DATABASE).open("r+b") as handle:
            handle.seek(page)  # every page after the schema page: b-trees are garbage
            handle.write(b"\xa5" * (size - page))
    elif damage == "blob":
        blob.unlink()
        blob.write_bytes(b"not the image")  # a new file: the live store is not touched
    else:
        blob.unlink()
    with pytest.raises(BackupError):
        restore_set(path, tmp_path / "restored")
    assert not (tmp_path / "restored").exists() or not any((tmp_path / "restored").iterdir())


async def test_restore_wants_a_new_data_directory(tmp_path: Path) -> None:
    storage, blob_root, _ = await _project(tmp_path / "live")
    try:
        path = await _take(storage, blob_root, tmp_path / "backups", T0)
    finally:
        await storage.close()
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    with pytest.raises(BackupError, match="not empty"):
        restore_set(path, occupied)
    assert (occupied / "keep.txt").read_text() == "mine"
    restored = restore_set(path, tmp_path / "new")
    assert restored.attachments == 2
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mode & 0o777 for p in root.rglob("*")}


async def test_sets_and_restored_directories_are_private_whatever_the_umask(
        tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual umask: new files readable by everyone
    try:
        storage, blob_root, _ = await _project(tmp_path / "live")
        try:
            (tmp_path / "live" / "server.json").write_text('{"smtp_password": "hunter2"}')
            path = await _take(storage, blob_root, tmp_path / "backups", T0,
                               tmp_path / "live" / "server.json")
        finally:
            await storage.close()
        restore_set(path, tmp_path / "restored")
    finally:
        os.umask(previous)
    assert (tmp_path / "backups").stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o700
    in_set = _modes(path)
    assert {name: mode for name, mode in in_set.items()
            if (path / name).is_dir() and mode != 0o700} == {}
    for private in (DATABASE, "server.json", "manifest.json"):
        assert in_set[private] == 0o600, private
    restored = _modes(tmp_path / "restored")
    assert (tmp_path / "restored").stat().st_mode & 0o777 == 0o700
    assert {name: mode for name, mode in restored.items()
            if mode != (0o700 if (tmp_path / "restored" / name).is_dir() else 0o600)} == {}


def _rewrite_manifest(path: Path, **changes: object) -> None:
    """What an attacker who edits a file also does: make the manifest agree with it."""
    manifest = json.loads((path / "manifest.json").read_text())
    manifest.update(changes)
    (path / "manifest.json").write_text(json.dumps(manifest))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def _a_set(tmp_path: Path) -> tuple[Path, list[str]]:
    storage, blob_root, shas = await _project(tmp_path / "live")
    try:
        (tmp_path / "live" / "server.json").write_text('{"project_name": "Backups"}')
        path = await _take(storage, blob_root, tmp_path / "backups", T0,
                           tmp_path / "live" / "server.json")
    finally:
        await storage.close()
    return path, shas


def _edit_database(path: Path, sql: str) -> None:
    db = sqlite3.connect(path / DATABASE)
    try:
        db.executescript(sql)
    finally:
        db.close()


@pytest.mark.parametrize("tamper", [
    "database edited", "config edited", "database hash removed", "blob is a link",
    "database is a link", "config is a link", "attachment named by a path",
])
async def test_a_tampered_set_is_refused_for_restore(tmp_path: Path, tamper: str) -> None:
    path, shas = await _a_set(tmp_path)
    secret = tmp_path / "secret"
    secret.write_text("not for the data directory")
    blob = path / "attachments" / shas[0][:2] / shas[0][2:]
    if tamper == "database edited":  # a valid database still: only its hash tells
        _edit_database(path, "UPDATE project SET name = 'Owned'")
    elif tamper == "config edited":
        (path / "server.json").write_text('{"project_name": "Owned"}')
    elif tamper == "database hash removed":
        manifest = json.loads((path / "manifest.json").read_text())
        del manifest["database_sha256"]
        (path / "manifest.json").write_text(json.dumps(manifest))
    elif tamper == "blob is a link":  # the very same bytes, through a link to the live store
        blob.unlink()
        blob.symlink_to(tmp_path / "live" / "attachments" / shas[0][:2] / shas[0][2:])
    elif tamper in ("database is a link", "config is a link"):
        name = DATABASE if tamper == "database is a link" else "server.json"
        (path / name).rename(tmp_path / name)
        (path / name).symlink_to(tmp_path / name)
    else:
        _rewrite_manifest(path, attachments=[{"sha256": "../../../secret", "bytes": 1}])
    with pytest.raises(BackupError):
        restore_set(path, tmp_path / "restored")
    assert not (tmp_path / "restored").exists() or not any((tmp_path / "restored").iterdir())


@pytest.mark.parametrize("foreign", [
    "trigger added", "table added", "another program's database", "newer schema",
    "another format",
])
async def test_a_foreign_set_is_refused_even_with_a_matching_manifest(
        tmp_path: Path, foreign: str) -> None:
    path, _ = await _a_set(tmp_path)
    if foreign == "trigger added":  # would run inside the server on every new ticket
        _edit_database(path, "CREATE TRIGGER spy AFTER INSERT ON tickets BEGIN "
                       "UPDATE users SET role = 'admin'; END;")
    elif foreign == "table added":
        _edit_database(path, "CREATE TABLE stash (data BLOB)")
    elif foreign == "another program's database":
        (path / DATABASE).unlink()
        _edit_database(path, "CREATE TABLE attachments (sha256 TEXT); PRAGMA user_version = 1")
        _rewrite_manifest(path, attachments=[])
    elif foreign == "newer schema":
        _edit_database(path, "PRAGMA user_version = 999")
    else:
        _rewrite_manifest(path, format=99)
    _rewrite_manifest(path, database_sha256=_sha(path / DATABASE))
    said = {"trigger added": "not made by its migrations: spy",
            "table added": "not made by its migrations: stash",
            "another program's database": "not the one of version 1",
            "newer schema": "newer than this program",
            "another format": "was not made by this program"}[foreign]
    with pytest.raises(BackupError, match=said):
        restore_set(path, tmp_path / "restored")
    assert not (tmp_path / "restored").exists() or not any((tmp_path / "restored").iterdir())


async def test_restore_copies_only_what_the_manifest_lists(tmp_path: Path) -> None:
    path, shas = await _a_set(tmp_path)
    secret = tmp_path / "secret"
    secret.write_text("not for the data directory")
    (path / "attachments" / "zz").mkdir()
    (path / "attachments" / "zz" / "extra").symlink_to(secret)
    (path / "notes.txt").write_text("left behind")
    restore_set(path, tmp_path / "restored")
    files = sorted(str(p.relative_to(tmp_path / "restored"))
                   for p in (tmp_path / "restored").rglob("*") if not p.is_dir())
    assert files == sorted([DATABASE, "server.json",
                            *(f"attachments/{sha[:2]}/{sha[2:]}" for sha in shas)])
