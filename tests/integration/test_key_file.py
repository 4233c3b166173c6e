"""The project's key file on a real file system: made once, 0600, never silently replaced."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hero_assistance.adapters.system import KeyFileError, derive_key, read_or_create_key


def test_the_key_is_made_once_with_mode_0600_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "project.key"
    first = read_or_create_key(path)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_or_create_key(path) == first
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_a_damaged_key_file_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "project.key"
    path.write_bytes(b"too short")
    with pytest.raises(KeyFileError, match="9 bytes"):
        read_or_create_key(path)
    assert path.read_bytes() == b"too short"


def test_keys_for_different_purposes_differ_and_are_stable() -> None:
    master = bytes(range(32))
    assert derive_key(master, "mail-bodies") == derive_key(master, "mail-bodies")
    assert derive_key(master, "mail-bodies") != derive_key(master, "unsubscribe-links")
    assert derive_key(master, "mail-bodies") != derive_key(bytes(32), "mail-bodies")
    assert len(derive_key(master, "x")) == 32
