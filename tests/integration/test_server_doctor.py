"""``hero-assistance-server doctor`` (issue 19, point 7): each problem of a set-up found
from outside, with what to do — no daemon, loose permissions, the SMTP server down or up
(nothing sent), the server not running."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from hero_assistance.apps.server.config import ServerConfig, load_config, write_config

from ._enrollment_support import smtp_mail_config, smtp_server
from .server_harness import ServerProcess, free_port, run_cli, run_cli_in_process

pytestmark = pytest.mark.anyio


def _project(tmp_path: Path, **settings: object) -> Path:
    data = tmp_path / "data"
    write_config(data, msgspec.convert({"project_name": "Doctor", "overlay": "loopback",
                                        **settings}, ServerConfig))
    return data


def _doctor(data: Path) -> tuple[int, list[str]]:
    code, out, err = run_cli_in_process(data, "doctor")
    assert not err, err
    return code, out.splitlines()


def _line(lines: list[str], start: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(start))


async def test_a_running_healthy_server_has_no_problems(server: ServerProcess) -> None:
    code, out, _ = await run_cli(server.data_dir, "doctor")
    assert code == 0, out
    assert "no problems found" in out
    assert "ok   server: running" in out
    assert "ok   admin socket:" in out


def test_no_mycelium_daemon_is_a_problem_with_what_to_do(tmp_path: Path) -> None:
    data = _project(tmp_path, overlay="mycelium",
                    mycelium_api=f"http://127.0.0.1:{free_port()}")
    code, lines = _doctor(data)
    assert code == 1
    at = _line(lines, "FAIL mycelium: no daemon answers at http://127.0.0.1:")
    assert lines[at + 1].startswith("     -> install and start mycelium")


def test_permissions_others_could_use_are_problems(tmp_path: Path) -> None:
    data = _project(tmp_path)
    data.chmod(0o755)
    (data / "server.json").chmod(0o644)
    code, lines = _doctor(data)
    assert code == 1
    at = _line(lines, "FAIL data directory:")
    assert "mode 755" in lines[at]
    assert lines[at + 1] == f"     -> chmod 700 {data}"
    at = _line(lines, "FAIL server.json:")
    assert lines[at + 1] == f"     -> chmod 600 {data / 'server.json'}"
    data.chmod(0o700)
    (data / "server.json").chmod(0o600)
    code, lines = _doctor(data)
    assert not any(line.startswith(("FAIL data directory", "FAIL server.json"))
                   for line in lines)


def test_the_smtp_server_down_is_a_problem(tmp_path: Path) -> None:
    data = _project(tmp_path, mail=msgspec.to_builtins(smtp_mail_config(free_port())))
    code, lines = _doctor(data)
    assert code == 1
    at = _line(lines, "FAIL mail: the SMTP server does not answer as configured")
    assert "check mail.smtp_host" in lines[at + 1]


def test_the_smtp_server_up_answers_and_nothing_is_sent(tmp_path: Path) -> None:
    with smtp_server() as (catcher, port):
        data = _project(tmp_path, mail=msgspec.to_builtins(smtp_mail_config(port)))
        _code, lines = _doctor(data)
        assert catcher.received == []
    assert any(line.startswith(f"ok   mail: SMTP 127.0.0.1:{port} answers") and
               "nothing was sent" in line for line in lines), lines


def test_a_stopped_server_and_a_missing_directory_say_what_to_do(tmp_path: Path) -> None:
    data = _project(tmp_path)
    code, lines = _doctor(data)
    assert code == 1
    at = _line(lines, "FAIL server: not running")
    assert "serve" in lines[at + 1]
    assert load_config(data).project_name == "Doctor"  # doctor changed nothing
    code, lines = _doctor(tmp_path / "nowhere")
    assert code == 1
    assert lines[0].startswith("FAIL data directory:")
    assert "init NAME" in lines[1]
