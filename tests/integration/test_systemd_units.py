"""The systemd units under deploy/systemd (issue 19, point 3): what they promise, and
``systemd-analyze verify`` on each, with ExecStart pointed at this environment's programs."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
SERVER_UNIT = UNITS / "hero-assistance-server@.service"
USER_UNITS = [UNITS / "hero-assistance-client.service", UNITS / "hero-assistance-tab.service"]
INSTALLED_BIN = "/usr/local/bin/"


def _service(unit: Path) -> dict[str, list[str]]:
    """Every key of [Service] with all its values (systemd allows repeats)."""
    values: dict[str, list[str]] = {}
    section = ""
    for raw in unit.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_the_server_unit_is_a_sandboxed_watched_notify_service_per_data_directory() -> None:
    service = _service(SERVER_UNIT)
    assert service["Type"] == ["notify"]
    assert service["WatchdogSec"] == ["30s"]
    assert service["Restart"] == ["on-failure"]
    assert "--data-dir %f serve" in service["ExecStart"][0]
    for key, value in {"ProtectSystem": "strict", "ReadWritePaths": "%f", "PrivateTmp": "yes",
                       "NoNewPrivileges": "yes", "ProtectHome": "yes",
                       "CapabilityBoundingSet": "",
                       "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6"}.items():
        assert service[key] == [value], key


@pytest.mark.parametrize("unit", USER_UNITS, ids=lambda u: u.name)
def test_the_user_units_are_watched_notify_services(unit: Path) -> None:
    service = _service(unit)
    assert service["Type"] == ["notify"]
    assert service["WatchdogSec"]
    assert service["Restart"] == ["on-failure"]
    assert service["NoNewPrivileges"] == ["yes"]


def test_every_unit_parses_as_ini() -> None:
    for unit in [SERVER_UNIT, *USER_UNITS]:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read_string(unit.read_text())
        assert {"Unit", "Service", "Install"} <= set(parser.sections()), unit


def _installed_copy(unit: Path, target: Path) -> Path:
    """The unit as installed here: ExecStart names this environment's console scripts."""
    text = unit.read_text().replace(INSTALLED_BIN, f"{Path(sys.executable).parent}/")
    target.write_text(text)
    return target


def _verify(args: list[str], units: list[Path], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(["systemd-analyze", *args, "verify", *map(str, units)],  # noqa: S603, S607
                          capture_output=True, text=True, check=False, env=env, timeout=60)
    problems = [line for line in (done.stdout + done.stderr).splitlines()
                if any(unit.name in line for unit in units)]
    assert done.returncode == 0, done.stdout + done.stderr
    assert problems == [], problems  # unknown keys and bad values are only warnings


needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None or shutil.which("systemd-escape") is None,
    reason="systemd-analyze is not installed (Debian: apt-get install systemd)")


@needs_systemd
def test_systemd_analyze_verifies_the_server_unit_for_a_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "srv" / "acme"
    data_dir.mkdir(parents=True)
    escaped = subprocess.run(["systemd-escape", "--path", str(data_dir)],  # noqa: S603, S607
                             capture_output=True, text=True, check=True).stdout.strip()
    instance = _installed_copy(SERVER_UNIT, tmp_path / f"hero-assistance-server@{escaped}.service")
    _verify([], [instance])


@needs_systemd
def test_systemd_analyze_verifies_the_user_units(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    copies = [_installed_copy(unit, tmp_path / unit.name) for unit in USER_UNITS]
    env = {"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path)}
    _verify(["--user"], copies, env)
