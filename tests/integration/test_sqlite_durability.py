"""An acknowledged write survives ``kill -9`` of the process that made it."""

from __future__ import annotations

import signal
import sys
import textwrap
from pathlib import Path

import anyio
import pytest

from hero_assistance.adapters.sqlite import SqliteStorage

from ._sqlite_support import PROJECT, ticket_ids

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

# Writes tickets from 16 concurrent tasks (so group commit batches them) and prints the
# id of each ticket only after its write() returned: a printed id was acknowledged.
WRITER = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from hero_assistance.adapters.sqlite import SqliteStorage
    from hero_assistance.domain.project import ProjectSettings
    from tests.integration._sqlite_support import open_ticket

    async def main() -> None:
        store = await SqliteStorage.open(Path(sys.argv[1]), ProjectSettings(name="Killed"))

        async def worker() -> None:
            while True:
                ticket_id = await store.write(open_ticket)
                sys.stdout.write(f"{ticket_id}\\n")
                sys.stdout.flush()

        await asyncio.gather(*(worker() for _ in range(16)))

    asyncio.run(main())
""")
ACKS_BEFORE_KILL = 300
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]  # the child imports the test helpers


async def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "killed.sqlite3"
    acked: list[int] = []
    buffer = b""
    async with await anyio.open_process(
        [sys.executable, "-c", WRITER, str(db)], cwd=REPOSITORY_ROOT
    ) as proc:
        assert proc.stdout is not None
        with anyio.fail_after(60):
            while len(acked) < ACKS_BEFORE_KILL:
                buffer += await proc.stdout.receive()
                *lines, buffer = buffer.split(b"\n")
                acked.extend(int(line) for line in lines)
        proc.send_signal(signal.SIGKILL)
        # Whatever the process printed before dying was acknowledged too.
        async for chunk in proc.stdout:
            buffer += chunk
        acked.extend(int(line) for line in buffer.split(b"\n") if line.strip())
        await proc.wait()
    assert proc.returncode == -signal.SIGKILL

    async with await SqliteStorage.open(db, PROJECT) as store:
        stored = set(await store.read(ticket_ids))
        last_seq = await store.read(lambda r: r.events.last_seq())

    assert set(acked) <= stored
    assert last_seq == len(stored)  # every stored ticket came with its event, nothing torn
