"""A backup taken while devices keep writing holds every write acknowledged before it
started; restored into a new data directory and served, they are all there (issue 19,
point 5). Scheduled backups start with the server and keep ``backup.keep`` sets."""

from __future__ import annotations

import itertools
import json
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import httpx
import msgspec
import pytest

from hero_assistance.apps.server import cli
from hero_assistance.apps.server.config import load_config, write_config
from tests.unit.images import png_image

from .server_harness import (
    RpcClient,
    ServerProcess,
    child_environment,
    free_port,
    run_cli,
    run_cli_in_process,
    server_command,
    start_server,
)

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

WRITERS = 8
CUSTOMER = "127.0.0.91"
LOAD_SECONDS = 1.0


async def _write_until(client: RpcClient, stop: anyio.Event,
                       acked: list[tuple[int, float]], counter: itertools.count[int]) -> None:
    while not stop.is_set():
        ticket = await client.call("ticket.create", {"subject": f"load {next(counter)}"})
        acked.append((int(ticket["id"]), time.monotonic()))  # after the answer arrived


async def _gets(client: RpcClient, ids: list[int]) -> list[dict[str, Any]]:
    """ticket.get for every id, 50 to a JSON-RPC batch."""
    answers: list[dict[str, Any]] = []
    for start in range(0, len(ids), 50):
        batch = [{"jsonrpc": "2.0", "id": n, "method": "ticket.get",
                  "params": {"ticket_id": ticket_id}}
                 for n, ticket_id in enumerate(ids[start:start + 50])]
        response = await client.post(msgspec.json.encode(batch))
        answers += response.json()
    return answers


def _serve_existing(data_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``serve`` a restored data directory on a port of its own."""
    port = free_port()
    write_config(data_dir, msgspec.structs.replace(load_config(data_dir), port=port))
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [*server_command(), "--data-dir", str(data_dir), "serve"], stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=child_environment())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(f"http://127.0.0.1:{port}/rpc", timeout=2,
                                json={"jsonrpc": "2.0", "id": 1, "method": "project.info"})
            if answer.status_code == 200:
                return process, port
        except httpx.HTTPError:
            pass
        assert process.poll() is None, log.read_text()
        time.sleep(0.1)
    process.kill()
    raise AssertionError(log.read_text())


async def test_a_backup_under_write_load_restores_every_acknowledged_write(
        tmp_path: Path) -> None:
    server: ServerProcess = start_server(tmp_path / "live", backup={"keep": 3},
                                         write_limit_per_minute=100_000)
    try:
        server.person("customer", CUSTOMER)
        async with RpcClient(server, CUSTOMER) as setup:
            image = png_image(5, 5)
            sha = (await setup.upload(image)).json()["sha256"]
            first = await setup.call("ticket.create", {"subject": "with a picture"})
            await setup.call("message.post", {"ticket_id": first["id"], "body": "see",
                                              "attachments": [sha]})
        acked: list[tuple[int, float]] = [(int(first["id"]), time.monotonic())]
        stop, counter = anyio.Event(), itertools.count()
        clients = [RpcClient(server, CUSTOMER) for _ in range(WRITERS)]
        async with anyio.create_task_group() as writers:
            for client in clients:
                writers.start_soon(_write_until, client, stop, acked, counter)
            await anyio.sleep(LOAD_SECONDS)
            started = time.monotonic()
            code, out, err = await run_cli(server.data_dir, "backup-now")
            await anyio.sleep(0.3)  # writes go on after the backup, too
            stop.set()
        for client in clients:
            await client.http.aclose()
        assert code == cli.EXIT_OK, err
        before = sorted(ticket_id for ticket_id, at in acked if at < started)
        assert len(before) > 50, "the load did not write enough to mean anything"
        assert len(acked) > len(before), "no write happened while the backup ran"
        print(f"{len(before)} writes acknowledged before the backup, "  # noqa: T201
              f"{len(acked) - len(before)} during and after it")
        [backup] = [Path(word.rstrip(":")) for word in out.split() if "backup-" in word]
    finally:
        server.stop()

    restored = tmp_path / "restored"
    code, out, err = run_cli_in_process(restored, "restore", str(backup))
    assert code == cli.EXIT_OK, err
    assert "restored" in out
    process, port = _serve_existing(restored, tmp_path / "restored.log")
    try:
        restored_server = SimpleNamespace(base_url=f"http://127.0.0.1:{port}")
        async with RpcClient(restored_server, CUSTOMER) as client:  # type: ignore[arg-type]
            answers = await _gets(client, before)
            missing = [a for a in answers if "result" not in a]
            assert missing == [], missing[:3]
            assert sorted(a["result"]["id"] for a in answers) == before
            picture = await client.download(sha)
            assert picture.status_code == 200
            assert picture.content == image
    finally:
        process.terminate()
        assert process.wait(20) == 0


def test_restore_refuses_a_directory_that_is_not_a_backup_set(tmp_path: Path) -> None:
    (tmp_path / "not-a-backup").mkdir()
    code, _, err = run_cli_in_process(tmp_path / "new", "restore", str(tmp_path / "not-a-backup"))
    assert code == cli.EXIT_REFUSED
    assert "is not a backup set" in err


async def test_scheduled_backups_start_with_the_server_and_keep_the_newest(
        tmp_path: Path) -> None:
    server = start_server(tmp_path, backup={"every": "1h", "keep": 2, "directory": "copies"})
    copies = server.data_dir / "copies"
    try:
        deadline = time.monotonic() + 20  # none exists yet: the first is due at once
        while not list(copies.glob("backup-*/manifest.json")):
            assert time.monotonic() < deadline, server.log()
            await anyio.sleep(0.1)
        for _ in range(3):
            code, _, err = await run_cli(server.data_dir, "backup-now")
            assert code == cli.EXIT_OK, err
        sets = sorted(copies.glob("backup-*"))
        assert len(sets) == 2
        code, out, _ = await run_cli(server.data_dir, "health")
        assert code == cli.EXIT_OK
        assert "ok   backups: every 1h, last " in out
        manifest = json.loads((sets[-1] / "manifest.json").read_text())
        assert manifest["integrity_check"] == "ok"
    finally:
        server.stop()
