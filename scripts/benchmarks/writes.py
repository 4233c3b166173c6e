"""Echo and write runs on a fresh database, and the raw group-commit ceiling W."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from bench_writes import bench_raw, create_schema  # scripts/bench_writes.py: same raw loop

from hero_assistance.adapters.bench import BENCH_ROUTE

from .figures import measure, rpc_body
from .profile import Profile
from .seed import BODY, SUBJECT
from .server import ServerProcess

RPC = "/rpc"
CREATE = {"subject": SUBJECT, "body": BODY, "priority": "normal", "tags": ["printer"]}
REPLY = "Thanks, we are looking into it; could you send a photo of the error screen?"
RAW_GROUP = 64  # row sets per raw transaction: what 64 connections can have queued at most


def echo_body() -> bytes:
    """bench.echo carrying exactly what ticket.create carries."""
    return rpc_body("bench.echo", {"data": CREATE})


def run_echo(server: ServerProcess, profile: Profile, sources: list[str],
             connections: tuple[int, ...]) -> dict[str, Any]:
    """The echo ceiling E, closed loop, at each connection count."""
    return {str(c): measure(server, label=f"bench.echo c={c}", path=BENCH_ROUTE,
                            bodies=[echo_body()], sources=sources, connections=c,
                            seconds=profile.seconds, warmup=profile.warmup)
            for c in connections}


def run_writes(server: ServerProcess, profile: Profile, *, agents: list[str],
               customers: list[str], tickets: list[int], echo_rate: float) -> dict[str, Any]:
    """ticket.create and message.post closed loop; both paced at half the echo rate."""
    create = rpc_body("ticket.create", CREATE)
    posts = [rpc_body("message.post", {"ticket_id": t, "body": REPLY}) for t in tickets]
    figures: dict[str, Any] = {"ticket_create": {}, "message_post": {}}
    for c in profile.connections:
        figures["ticket_create"][str(c)] = measure(
            server, label=f"ticket.create c={c}", path=RPC, bodies=[create],
            sources=customers, connections=c, seconds=profile.seconds, warmup=profile.warmup)
    for c in profile.connections:
        figures["message_post"][str(c)] = measure(
            server, label=f"message.post c={c}", path=RPC, bodies=posts, sources=agents,
            connections=c, seconds=profile.seconds, warmup=profile.warmup)
    widest = max(profile.connections)

    def paced(rate: float) -> dict[str, Any]:
        return {
            "rate": rate,
            "echo": measure(server, label=f"bench.echo at {rate:,.0f}/s", path=BENCH_ROUTE,
                            bodies=[echo_body()], sources=agents, connections=widest,
                            seconds=profile.seconds, warmup=profile.warmup, rate=rate),
            "ticket_create": measure(server, label=f"ticket.create at {rate:,.0f}/s",
                                     path=RPC, bodies=[create], sources=customers,
                                     connections=widest, seconds=profile.seconds,
                                     warmup=profile.warmup, rate=rate),
        }

    # The target's load (half of E), then half of what ticket.create itself sustains:
    # the second shows its latency when it is not overloaded.
    figures["paced"] = paced(round(echo_rate / 2, 1))
    own = figures["ticket_create"][str(widest)]["rate"]
    figures["paced_own"] = paced(round(own / 2, 1))
    return figures


def run_raw(work_dir: Path, profile: Profile, synchronous: str) -> dict[str, Any]:
    """W: scripts/bench_writes.py's raw sqlite3 loop, on the disk the server used."""
    figures: dict[str, Any] = {"synchronous": synchronous, "sqlite": sqlite3.sqlite_version}
    for group in (RAW_GROUP, 1):
        with tempfile.TemporaryDirectory(dir=work_dir) as temp:
            path = Path(temp) / "raw.sqlite3"
            asyncio.run(create_schema(path))
            rows, elapsed = bench_raw(path, profile.raw_seconds, group, synchronous)
        key = "grouped" if group > 1 else "one_commit_per_write"
        figures[key] = {"per_transaction": group, "rate": round(rows / elapsed, 1)}
        print(f"  raw sqlite3, {group:>3} writes per commit     "
              f"{rows / elapsed:>9,.0f}/s", flush=True)
    return figures
