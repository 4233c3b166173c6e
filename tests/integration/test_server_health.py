"""``hero-assistance-server health`` (issue 19, point 4): exit 0 when all is well, non-zero
with a reason when the server is gone, its database takes no write, mail fails, or the
mycelium daemon is gone or has another address."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest

from hero_assistance.adapters.mail.counting import MailTally
from hero_assistance.adapters.mycelium import MyceliumOverlay
from hero_assistance.adapters.sqlite import SqliteStorage
from hero_assistance.apps.server import cli
from hero_assistance.apps.server.backups import BackupService
from hero_assistance.apps.server.config import BackupConfig
from hero_assistance.apps.server.health import HealthCheck
from hero_assistance.domain.project import ProjectSettings
from tests.support.mycelium_standin import MyceliumStandin, StandinNode

from .server_harness import (
    RpcClient,
    ServerProcess,
    free_port,
    run_cli,
    run_cli_in_process,
    start_server,
)

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

KEY = "02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf"
NODE, OTHER_NODE = "4aa:1::1", "4bb:2::1"


async def test_a_healthy_server_exits_0_and_says_each_check(server: ServerProcess) -> None:
    code, out, _ = await run_cli(server.data_dir, "health")
    assert code == cli.EXIT_OK, out
    for check in ("database", "disk", "overlay", "mail", "backups"):
        assert f"ok   {check}:" in out


def test_no_server_running_is_exit_3_with_what_to_do(tmp_path: Path) -> None:
    code, _, err = run_cli_in_process(tmp_path, "health")
    assert code == cli.EXIT_NOT_RUNNING
    assert "no server is running" in err
    assert "serve" in err


async def test_a_database_that_takes_no_write_is_unhealthy(server: ServerProcess) -> None:
    # Another process holds the write lock past SQLite's busy timeout: writes fail.
    blocker = sqlite3.connect(server.data_dir / "project.sqlite3", isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        code, out, _ = await run_cli(server.data_dir, "health")
    finally:
        blocker.close()
    assert code == cli.EXIT_UNHEALTHY, out
    assert "FAIL database: a write failed: " in out
    assert "locked" in out
    assert "->" in out  # what to do
    code, out, _ = await run_cli(server.data_dir, "health")
    assert code == cli.EXIT_OK, out  # and well again once the lock is gone


async def test_failing_mail_is_unhealthy_until_a_mail_goes_out(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens: every connection is refused
    server = start_server(tmp_path, mail={"kind": "smtp", "smtp_host": "127.0.0.1",
                                          "smtp_port": closed, "smtp_security": "none",
                                          "smtp_timeout_seconds": 2})
    try:
        server.admin_call("user.enroll", {"email": "ada@example.com", "role": "customer",
                                          "display_name": "Ada"})
        async with RpcClient(server, "127.0.0.81") as device:
            await device.request("auth.request_link", {"email": "ada@example.com",
                                                       "device_label": "laptop"})
        # Polled: a mail sent after the answer (a queue) fails a moment later.
        deadline = anyio.current_time() + 20
        while True:
            code, out, _ = await run_cli(server.data_dir, "health")
            if code != cli.EXIT_OK or anyio.current_time() > deadline:
                break
            await anyio.sleep(0.2)
        assert code == cli.EXIT_UNHEALTHY, out
        assert "FAIL mail: the last 1 email(s) failed" in out
        assert "-> check mail.* in server.json" in out
        code, out, _ = await run_cli(server.data_dir, "doctor")
        assert code == 1
        assert "FAIL mail: the SMTP server does not answer as configured" in out
    finally:
        server.stop()


# -- the mycelium checks, against the daemon API stand-in (no namespace needed) ---------

@contextlib.asynccontextmanager
async def _checked(tmp_path: Path, standin: MyceliumStandin, url: str
                   ) -> AsyncIterator[HealthCheck]:
    storage = SqliteStorage(tmp_path / "db.sqlite3")
    await storage.start(ProjectSettings(name="Health"))
    try:
        yield HealthCheck(storage=storage, overlay=MyceliumOverlay(url, startup_seconds=1),
                          bound_address=NODE, mail=MailTally(), data_dir=tmp_path,
                          backups=BackupService(storage, blob_root=tmp_path / "a",
                                                config_file=tmp_path / "server.json",
                                                settings=BackupConfig(), data_dir=tmp_path))
    finally:
        await storage.close()
        await standin.close()


async def _overlay_finding(check: HealthCheck) -> tuple[bool, str]:
    finding = next(f for f in await check.run() if f.check == "overlay")
    return finding.ok, finding.detail


async def test_the_daemon_gone_and_the_address_changed_are_unhealthy(tmp_path: Path) -> None:
    standin = MyceliumStandin(StandinNode(subnet="4aa:1::/64", pubkey=KEY, node_ip=NODE))
    host, port = await standin.serve_tcp("127.0.0.1", 0)
    async with _checked(tmp_path, standin, f"http://{host}:{port}") as check:
        assert await _overlay_finding(check) == (True, f"mycelium node {NODE}")

        standin.node = StandinNode(subnet="4bb:2::/64", pubkey=KEY, node_ip=OTHER_NODE)
        ok, detail = await _overlay_finding(check)
        assert not ok
        assert f"serving {NODE}, the daemon now has {OTHER_NODE}" in detail

        await standin.close()
        ok, detail = await _overlay_finding(check)
        assert not ok
        assert "the mycelium daemon does not answer" in detail


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own: the session's limits the operator's writes."""
    running = start_server(tmp_path_factory.mktemp("health"))
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("role", ["customer", "agent", "admin", None])
async def test_health_and_backup_now_are_refused_on_the_overlay_for_every_role(
        own_server: ServerProcess, role: str | None) -> None:
    """The overlay's registry has no operator method at all (D-14): for every role,
    admins included, they do not exist there, and no backup is taken."""
    server = own_server
    address = {"customer": "127.0.0.85", "agent": "127.0.0.86", "admin": "127.0.0.87",
               None: "127.0.0.88"}[role]
    if role is not None:
        server.person(role, address)
    async with RpcClient(server, address) as device:
        for method in ("admin.health", "admin.backup_now"):
            refused = await device.error(method)
            assert refused.code == -32601, (method, refused.message)
    assert not (server.data_dir / "backups").exists()
