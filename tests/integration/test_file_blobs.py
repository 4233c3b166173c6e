"""FileBlobStore on a real directory: layout, atomic writes, refusals."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import anyio
import pytest

from hero_assistance.adapters.blobs import FileBlobStore

pytestmark = pytest.mark.anyio

DATA = b"\x89PNG\r\n\x1a\n not really an image"
NAME = hashlib.sha256(DATA).hexdigest()


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def test_a_blob_lands_in_its_fan_out_directory(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")

    await store.put(NAME, DATA)

    assert _files(tmp_path / "blobs") == [f"{NAME[:2]}/{NAME[2:]}"]
    assert (tmp_path / "blobs" / NAME[:2] / NAME[2:]).read_bytes() == DATA
    assert await store.get(NAME) == DATA
    assert await store.exists(NAME)


async def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    blobs = [os.urandom(1000 + i) for i in range(40)]

    async with anyio.create_task_group() as tg:
        for data in blobs:
            tg.start_soon(store.put, hashlib.sha256(data).hexdigest(), data)
            tg.start_soon(store.put, hashlib.sha256(data).hexdigest(), data)  # racing twin

    names = _files(tmp_path)
    assert len(names) == len(blobs)
    assert not [n for n in names if Path(n).name.startswith(".")]
    for data in blobs:
        assert await store.get(hashlib.sha256(data).hexdigest()) == data


async def test_a_name_that_is_not_the_digest_is_refused(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    wrong = hashlib.sha256(b"other bytes").hexdigest()

    with pytest.raises(ValueError, match="does not match"):
        await store.put(wrong, DATA)
    with pytest.raises(ValueError, match="sha256"):
        await store.put("../../etc/passwd", DATA)
    with pytest.raises(ValueError, match="sha256"):
        await store.put(NAME.upper(), DATA)

    assert _files(tmp_path) == []


async def test_putting_the_same_blob_again_changes_nothing(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    await store.put(NAME, DATA)
    path = tmp_path / NAME[:2] / NAME[2:]
    first = path.stat()

    await store.put(NAME, DATA)

    assert path.stat().st_ino == first.st_ino
    assert _files(tmp_path) == [f"{NAME[:2]}/{NAME[2:]}"]


async def test_an_absent_or_malformed_name_is_simply_not_there(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "never-created")

    assert await store.get(NAME) is None
    assert not await store.exists(NAME)
    assert await store.get("../secret") is None
    assert not await store.exists("not hex")
