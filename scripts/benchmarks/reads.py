"""Reads at scale: each API read next to the same SQL run directly in sqlite3 (Q).

Q is taken by running the SQLite adapter's own repository call once with a trace
callback, which yields the exact statement text it executes (values inlined), and
then timing that statement alone on a connection opened with the adapter's settings.
The API figure is one connection, one request at a time: latency, not throughput.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hero_assistance.adapters.bench import BENCH_ROUTE
from hero_assistance.adapters.sqlite._connection import open_connection
from hero_assistance.adapters.sqlite._repositories import SqliteRepositories
from hero_assistance.adapters.sqlite._sealing import BodySeal
from hero_assistance.domain.listing import Cursor, TicketOrder, TicketQuery

from .figures import measure, rpc_body
from .profile import Profile
from .scale import ScaleDatabase
from .server import ServerProcess
from .stats import summarize
from .writes import echo_body

RPC = "/rpc"


@dataclass(frozen=True, slots=True)
class Read:
    """One read: its API request, and the repository call that answers it."""

    key: str
    label: str
    body: bytes
    repository_call: Callable[[SqliteRepositories], object]


def reads(db: ScaleDatabase) -> list[Read]:
    """The reads of the issue, as an agent (who sees every ticket) asks for them."""
    term = db.search_term
    cursor = Cursor.decode(db.deep_cursor)
    ticket, middle = db.long_thread_ticket, db.long_thread_middle_id
    return [
        Read("list_first_page", "ticket.list first page", rpc_body("ticket.list", {}),
             lambda r: r.tickets.query(TicketQuery(include_internal=True))),
        Read("list_deep_page", "ticket.list deep keyset page",
             rpc_body("ticket.list", {"cursor": db.deep_cursor}),
             lambda r: r.tickets.query(TicketQuery(include_internal=True, after=cursor))),
        Read("search_newest", f"search '{term}' newest first",
             rpc_body("ticket.list", {"query": term}),
             lambda r: r.tickets.query(TicketQuery(terms=(term,), include_internal=True,
                                                   order=TicketOrder.NEWEST))),
        Read("search_ranked", f"search '{term}' ranked",
             rpc_body("ticket.list", {"query": term, "order": "relevance"}),
             lambda r: r.tickets.query(TicketQuery(terms=(term,), include_internal=True,
                                                   order=TicketOrder.RELEVANCE))),
        Read("message_list", "message.list, long thread",
             rpc_body("message.list", {"ticket_id": ticket, "after_id": middle}),
             lambda r: r.messages.for_ticket(ticket, include_internal=True, after_id=middle,
                                             limit=200)),
    ]


def _is_own_query(statement: str) -> bool:
    """A query the repository ran, not one FTS5 ran for itself (those name 'main'.'x',
    or come nested, prefixed with "--")."""
    text = statement.lstrip()
    return text.upper().startswith(("SELECT", "WITH")) and "'main'." not in text


def direct_sql(db: ScaleDatabase, seconds: float) -> dict[str, Any]:
    """Q: each read's SQL, timed alone on a read-only connection like the server's."""
    conn = open_connection(db.database, synchronous="FULL", read_only=True)
    figures: dict[str, Any] = {}
    try:
        repos = SqliteRepositories(conn, seal=BodySeal.ephemeral())  # reads no mail bodies
        for read in reads(db):
            statements: list[str] = []
            conn.set_trace_callback(statements.append)
            read.repository_call(repos)
            conn.set_trace_callback(None)
            sql = [s for s in statements if _is_own_query(s)]
            samples: list[int] = []
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline or len(samples) < 20:
                started = time.perf_counter_ns()
                for statement in sql:
                    conn.execute(statement).fetchall()
                samples.append(time.perf_counter_ns() - started)
            figures[read.key] = {"label": read.label, "statements": sql,
                                 "latency": summarize(samples)}
            latency = figures[read.key]["latency"]
            print(f"  Q {read.label:<32} p50 {latency['p50_ms']:7.3f} ms  "
                  f"p99 {latency['p99_ms']:7.3f} ms", flush=True)
    finally:
        conn.close()
    return figures


def run_reads(server: ServerProcess, db: ScaleDatabase, profile: Profile,
              source: str) -> dict[str, Any]:
    """Echo at one connection (the latency ceiling), then every read at one connection."""
    figures: dict[str, Any] = {
        "echo": measure(server, label="bench.echo c=1", path=BENCH_ROUTE,
                        bodies=[echo_body()], sources=[source], connections=1,
                        seconds=profile.read_seconds, warmup=profile.warmup),
    }
    for read in reads(db):
        figures[read.key] = measure(server, label=read.label, path=RPC, bodies=[read.body],
                                    sources=[source], connections=1,
                                    seconds=profile.read_seconds, warmup=profile.warmup)
    return figures
