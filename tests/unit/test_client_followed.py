"""The followed-projects list and the read markers, as files in a config directory."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hero_assistance.apps.client import (
    AlreadyFollowedError,
    CorruptConfigError,
    DuplicateLabelError,
    FollowedProjects,
    InvalidLabelError,
    InvalidServerAddressError,
    ReadMarkers,
    ServerAddress,
    UnknownLabelError,
    default_config_dir,
)
from hero_assistance.apps.client._files import write_json_atomically

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_projects_survive_a_new_instance_in_the_order_added(tmp_path: Path) -> None:
    FollowedProjects(tmp_path).add("acme", "http://127.0.0.5:7331", added_at=T0)
    FollowedProjects(tmp_path).add("globex", "[400::1]:7330", added_at=T0)
    projects = FollowedProjects(tmp_path).load()
    assert [(p.label, p.server, p.added_at) for p in projects] == [
        ("acme", "http://127.0.0.5:7331", T0),
        ("globex", "http://[400::1]:7330", T0),
    ]
    assert projects[1].address == ServerAddress("400::1", 7330)


def test_the_file_is_readable_json_private_to_the_user(tmp_path: Path) -> None:
    followed = FollowedProjects(tmp_path)
    followed.add("acme", "127.0.0.5", added_at=T0)
    content = json.loads(followed.path.read_text())
    assert content == {"version": 1, "projects": [
        {"label": "acme", "server": "http://127.0.0.5:7330",
         "added_at": "2026-03-01T09:30:00Z"},
    ]}
    assert followed.path.stat().st_mode & 0o777 == 0o600


def test_a_label_is_used_once(tmp_path: Path) -> None:
    followed = FollowedProjects(tmp_path)
    followed.add("acme", "127.0.0.5:7331")
    with pytest.raises(DuplicateLabelError, match="acme"):
        followed.add("acme", "127.0.0.6:7331")
    assert [p.server for p in followed.load()] == ["http://127.0.0.5:7331"]


def test_a_server_is_followed_once(tmp_path: Path) -> None:
    followed = FollowedProjects(tmp_path)
    followed.add("acme", "http://127.0.0.5:7331/rpc")
    with pytest.raises(AlreadyFollowedError, match="'acme'"):
        followed.add("acme-again", "127.0.0.5:7331")


def test_unknown_labels_are_named_in_the_error(tmp_path: Path) -> None:
    followed = FollowedProjects(tmp_path)
    with pytest.raises(UnknownLabelError, match="'nope'"):
        followed.remove("nope")
    with pytest.raises(UnknownLabelError, match="'nope'"):
        followed.get("nope")


def test_removing_keeps_the_others(tmp_path: Path) -> None:
    followed = FollowedProjects(tmp_path)
    for number, label in enumerate(["a", "b", "c"], start=1):
        followed.add(label, f"127.0.0.{number}")
    assert followed.remove("b").label == "b"
    assert [p.label for p in followed.load()] == ["a", "c"]


@pytest.mark.parametrize("label", ["", "-leading-dash", "has space", "x" * 41, "naïve", "a/b"])
def test_labels_must_be_usable_on_a_command_line(tmp_path: Path, label: str) -> None:
    with pytest.raises(InvalidLabelError):
        FollowedProjects(tmp_path).add(label, "127.0.0.5")
    assert not FollowedProjects(tmp_path).path.exists()


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.5", ServerAddress("127.0.0.5", 7330)),
    ("127.0.0.5:9000", ServerAddress("127.0.0.5", 9000)),
    ("http://127.0.0.5:9000/", ServerAddress("127.0.0.5", 9000)),
    ("400::1", ServerAddress("400::1", 7330)),
    ("[400:0::1]:8000", ServerAddress("400::1", 8000)),
    ("http://[400::1]/rpc", ServerAddress("400::1", 7330)),
])
def test_server_addresses_are_canonical(text: str, expected: ServerAddress) -> None:
    assert ServerAddress.parse(text) == expected


@pytest.mark.parametrize("text", [
    "", "support.example.com", "https://127.0.0.5", "127.0.0.5:99999",
    "http://127.0.0.5/tickets", "ftp://[400::1]",
])
def test_unusable_server_addresses_are_refused(text: str) -> None:
    with pytest.raises(InvalidServerAddressError):
        ServerAddress.parse(text)


def test_server_urls_bracket_ipv6() -> None:
    address = ServerAddress("400::1", 7330)
    assert address.base_url == "http://[400::1]:7330"
    assert address.websocket_url == "ws://[400::1]:7330/rpc"


@pytest.mark.parametrize("content", [
    b"{not json",
    b'{"version": 1, "projects": [{"label": "a"}]}',
    b'{"version": 7, "projects": []}',
    (b'{"version": 1, "projects": [{"label": "a", "server": "http://127.0.0.1:1", '
     b'"added_at": "2026-03-01T09:30:00Z"}, {"label": "a", "server": "http://127.0.0.2:1", '
     b'"added_at": "2026-03-01T09:30:00Z"}]}'),
    (b'{"version": 1, "projects": [{"label": "a", "server": "example.com", '
     b'"added_at": "2026-03-01T09:30:00Z"}]}'),
])
def test_a_corrupt_file_is_reported_and_left_alone(tmp_path: Path, content: bytes) -> None:
    followed = FollowedProjects(tmp_path)
    followed.path.write_bytes(content)
    with pytest.raises(CorruptConfigError, match=r"followed-projects\.json") as caught:
        followed.load()
    assert caught.value.path == followed.path
    with pytest.raises(CorruptConfigError):
        followed.add("new", "127.0.0.9")
    assert followed.path.read_bytes() == content


def test_a_failed_write_leaves_the_previous_file_and_no_debris(tmp_path: Path) -> None:
    followed = FollowedProjects(tmp_path)
    followed.add("acme", "127.0.0.5")
    before = followed.path.read_bytes()
    with pytest.raises(TypeError):
        write_json_atomically(followed.path, {"projects": object()})
    assert followed.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "followed-projects.json", "followed-projects.json.lock"]


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    def follow(number: int) -> None:
        FollowedProjects(tmp_path).add(f"p{number}", f"127.0.1.{number}")

    threads = [threading.Thread(target=follow, args=(n,)) for n in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.label for p in FollowedProjects(tmp_path).load()) == sorted(
        f"p{n}" for n in range(1, 21))


def test_the_default_directory_is_the_users_config_dir() -> None:
    assert default_config_dir().name == "hero_assistance"
    assert FollowedProjects().path.parent == default_config_dir()


def test_read_markers_only_move_forward_and_persist(tmp_path: Path) -> None:
    markers = ReadMarkers(tmp_path)
    assert markers.mark_read("acme", 7, 40) == 40
    assert markers.mark_read("acme", 7, 12) == 40
    markers.mark_read("acme", 8, 3)
    markers.mark_read("globex", 7, 1)
    assert ReadMarkers(tmp_path).of("acme") == {7: 40, 8: 3}
    ReadMarkers(tmp_path).forget("acme")
    assert ReadMarkers(tmp_path).of("acme") == {}
    assert ReadMarkers(tmp_path).of("globex") == {7: 1}


def test_corrupt_read_markers_are_reported(tmp_path: Path) -> None:
    markers = ReadMarkers(tmp_path)
    markers.path.write_text('{"version": 1, "projects": {"acme": {"x": "y"}}}')
    with pytest.raises(CorruptConfigError, match=r"read-markers\.json"):
        markers.of("acme")
