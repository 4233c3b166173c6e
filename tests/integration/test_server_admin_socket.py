"""The admin socket and the server's own CLI, as an operator uses them."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import stat
from pathlib import Path

import anyio
import pytest

from hero_assistance.apps.server import cli

from .server_harness import (
    RpcClient,
    ServerProcess,
    child_environment,
    run_cli,
    run_cli_in_process,
    server_command,
)

pytestmark = pytest.mark.anyio

ADMIN, CUSTOMER = "127.0.0.61", "127.0.0.62"
NO_METHOD = -32601


async def test_the_admin_socket_is_for_the_owner_only(server: ServerProcess) -> None:
    mode = server.admin_socket.stat().st_mode

    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE(server.data_dir.stat().st_mode) == 0o700


async def test_backup_writes_a_database_that_holds_the_tickets(server: ServerProcess,
                                                               tmp_path: Path) -> None:
    server.person("customer", CUSTOMER)
    async with RpcClient(server, CUSTOMER) as customer:
        ticket = await customer.call("ticket.create", {"subject": "Back me up, please"})
    target = tmp_path / "copy.sqlite3"

    code, out, _ = await run_cli(server.data_dir, "backup", str(target))

    assert code == cli.EXIT_OK
    assert f"wrote {target}" in out
    with contextlib.closing(sqlite3.connect(target)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = db.execute("SELECT subject FROM tickets WHERE id = ?", (ticket["id"],))
        assert rows.fetchall() == [("Back me up, please",)]
    again, _, err = await run_cli(server.data_dir, "backup", str(target))
    assert again == cli.EXIT_REFUSED
    assert "exists" in err


async def test_the_overlay_listener_has_no_operator_methods_even_for_admins(
        server: ServerProcess, tmp_path: Path) -> None:
    server.person("admin", ADMIN)
    target = tmp_path / "stolen.sqlite3"
    async with RpcClient(server, ADMIN) as admin:
        assert (await admin.call("auth.whoami"))["user"]["role"] == "admin"
        refused = await admin.error("admin.backup", {"path": str(target)})
        links = await admin.error("admin.links")
        assert await admin.call("user.list") != []  # an admin device may manage users

    # Not "forbidden": on the overlay these methods do not exist (D-14).
    assert (refused.code, links.code) == (NO_METHOD, NO_METHOD)
    assert refused.data == {"method": "admin.backup"}
    assert not target.exists()
    assert server.admin_call("admin.links") is not None  # the admin socket still has them


async def test_cli_exit_codes(server: ServerProcess, tmp_path: Path) -> None:
    # Real processes: the exit status is what scripts around the CLI see.
    idle = tmp_path / "idle"
    assert run_cli_in_process(idle, "init", "Idle", "--overlay", "loopback")[0] == 0
    cases = {
        "not running": ([str(idle), "users"], cli.EXIT_NOT_RUNNING),
        "refused": ([str(server.data_dir), "disable", "nobody@example.com"], cli.EXIT_REFUSED),
        "usage": ([str(server.data_dir), "enroll", "x@example.com"], cli.EXIT_USAGE),
    }
    results: dict[str, tuple[int, str]] = {}

    async def run(name: str, args: list[str]) -> None:
        done = await anyio.run_process([*server_command(), "--data-dir", *args], check=False,
                                       env=child_environment())
        results[name] = (done.returncode, done.stderr.decode())

    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            for name, (args, _) in cases.items():
                group.start_soon(run, name, args)

    assert {name: results[name][0] for name in cases} == {
        name: code for name, (_, code) in cases.items()}
    assert "start it with" in results["not running"][1]
    assert "refused: nobody@example.com is not enrolled" in results["refused"][1]
    assert "--role" in results["usage"][1]


async def test_cli_refuses_a_second_init_and_lists_users_as_json(server: ServerProcess) -> None:
    code, _, err = await run_cli(server.data_dir, "init", "Again")
    assert (code, "already holds a project" in err) == (cli.EXIT_USAGE, True)

    invited = server.person("customer")  # enrolled, no device yet
    code, out, _ = await run_cli(server.data_dir, "users", "--json")
    assert code == cli.EXIT_OK
    listed = {user["email"]: user["status"] for user in json.loads(out)}
    assert listed[invited.email] == "invited"
