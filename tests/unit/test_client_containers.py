"""The client's composition root: every declared dependency provided, in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from dependency_injector import errors, providers

import hero_assistance
from hero_assistance.apps.client import LoopbackDeviceOverlay, SupportClient
from hero_assistance.apps.client.containers import ClientContainer
from hero_assistance.apps.client.service import EventFanout
from hero_assistance.apps.client.service.unix import UnixSocketService

CLIENT_APP = Path(hero_assistance.__file__).parent / "apps" / "client"


def test_the_runtime_provides_every_declared_dependency(tmp_path: Path) -> None:
    container = ClientContainer(overlay=LoopbackDeviceOverlay("127.0.71.1"),
                                config_dir=tmp_path, socket_path=tmp_path / "client.sock")
    container.check_dependencies()
    declared = {name for name, provider in ClientContainer.providers.items()
                if isinstance(provider, providers.Dependency)}
    assert declared == {"overlay", "config_dir", "socket_path"}
    client = container.client()
    assert isinstance(client, SupportClient)
    assert client.followed.config_dir == tmp_path
    assert isinstance(container.fanout(), EventFanout)
    service = container.unix_service()
    assert isinstance(service, UnixSocketService)
    assert service.path == tmp_path / "client.sock"
    assert service.fanout is container.fanout()


def test_a_missing_dependency_is_reported() -> None:
    with pytest.raises(errors.Error, match="overlay"):
        ClientContainer().check_dependencies()


def test_only_the_container_imports_dependency_injector() -> None:
    importers = []
    for path in sorted(CLIENT_APP.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.startswith("dependency_injector") for name in names):
                importers.append(path.relative_to(CLIENT_APP).as_posix())
    assert importers == ["containers.py"]
