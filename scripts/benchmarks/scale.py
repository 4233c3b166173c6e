"""The scale database: a million tickets and five million messages, built once and cached.

The rows are written straight into SQLite with ``executemany`` in large transactions
(journal off, synchronous off: the file is built in a scratch directory and only
renamed into the cache when complete). The full-text indexes are filled after the
rows: the FTS insert triggers of the schema are taken out during the load and each
is replayed once as ``INSERT ... SELECT`` over the whole table, which is how FTS5
builds fastest. The replay is derived from the triggers themselves, so the loader
follows the schema (e.g. how a message's FTS rowid is made) instead of copying it.

The cache key covers the migrations' SQL, the sizes and this loader's version: a
schema change rebuilds the database, and stale copies are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from hero_assistance.adapters.sqlite._fts import register_fold
from hero_assistance.adapters.sqlite._migrations import bundled
from hero_assistance.domain.identity import Role
from hero_assistance.domain.listing import Cursor

from .profile import Profile
from .seed import LOAD_AGENTS, Group, seed
from .server import free_port, init_data_dir
from .text import SEARCH_TERM, TextPool

LOADER_VERSION = 2  # 2: teams, team_id and activity_at (the workspace, issue 14)
CHUNK = 100_000
START_US = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z in microseconds
YEAR_US = 365 * 24 * 3600 * 1_000_000
STATUSES = ("new", "open", "pending", "resolved", "closed")
PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")
TAGS = ('["printer"]', '["network"]', '["billing"]', '["login"]', '["email"]', "[]")
TEAMS = ("Billing", "Technical", "Accounts")
_FTS_TRIGGER = re.compile(
    r"BEGIN\s+(INSERT\s+INTO\s+\w+_fts\s*\([^)]*\))\s+VALUES\s*\((.*)\)\s*;\s*END\s*$",
    re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScaleDatabase:
    """A cached data directory and what the read benchmarks need to know about it."""

    data_dir: str
    tickets: int
    messages: int
    long_thread_ticket: int
    long_thread_messages: int
    long_thread_middle_id: int
    deep_cursor: str
    deep_cursor_position: int
    search_term: str
    term_ticket_hits: int
    term_message_hits: int
    load_seconds: float
    fts_seconds: float

    @property
    def database(self) -> Path:
        """The SQLite file."""
        return Path(self.data_dir) / "project.sqlite3"


def cache_root() -> Path:
    """``$HERO_ASSISTANCE_BENCH_CACHE``, else ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    explicit = os.environ.get("HERO_ASSISTANCE_BENCH_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hero_assistance" / "bench"


def _schema_digest() -> str:
    digest = hashlib.sha256()
    for migration in bundled():
        digest.update(migration.name.encode() + b"\0" + migration.sql.encode())
    return digest.hexdigest()


def cache_key(profile: Profile) -> str:
    """What the cached database depends on."""
    text = f"{LOADER_VERSION}:{profile.tickets}:{profile.messages}:{profile.long_thread}:"
    return hashlib.sha256((text + _schema_digest()).encode()).hexdigest()[:12]


def reader_group() -> Group:
    """The agents whose devices read (the same block as the write runs' agents)."""
    return Group(name="load-agent", role=Role.AGENT, users=8, devices_per_user=8,
                 block=LOAD_AGENTS)


def ensure(profile: Profile) -> ScaleDatabase:
    """The cached scale database of ``profile``, built first if missing."""
    root = cache_root()
    prefix = f"scale-{profile.tickets}-{profile.messages}-"
    target = root / (prefix + cache_key(profile))
    meta = target / "scale.json"
    if meta.exists():
        return ScaleDatabase(**json.loads(meta.read_text()))
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(prefix + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    scratch = root / f"building-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"  building the scale database ({profile.tickets:,} tickets, "
          f"{profile.messages:,} messages) in {root} ...", flush=True)
    try:
        built = _build(scratch, target, profile)
        (scratch / "scale.json").write_text(json.dumps(asdict(built), indent=2) + "\n")
        try:
            scratch.rename(target)
        except OSError:
            if not meta.exists():  # not another run that finished the same build first
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return ScaleDatabase(**json.loads(meta.read_text()))


def serving_dir(db: ScaleDatabase, parent: Path, port: int) -> Path:
    """A data directory of this run whose database is the cached file (a symbolic link):
    the run's configuration, admin socket and outbox stay its own."""
    data_dir = parent / "scale"
    init_data_dir(data_dir, name="Scale benchmark", port=port, synchronous="FULL")
    (data_dir / "project.sqlite3").symlink_to(db.database)
    return data_dir


def _build(scratch: Path, target: Path, profile: Profile) -> ScaleDatabase:
    init_data_dir(scratch, name="Scale benchmark", port=free_port(), synchronous="FULL")
    requesters = max(10, min(1000, profile.tickets // 100))
    groups = [reader_group(), Group(name="requester", role=Role.CUSTOMER, users=requesters,
                                    devices_per_user=1, block=30)]
    seeded = seed(scratch / "project.sqlite3", groups)
    agents = seeded.users["load-agent"]
    customers = seeded.users["requester"]
    started = time.perf_counter()
    conn = sqlite3.connect(scratch / "project.sqlite3", isolation_level=None)
    try:
        register_fold(conn)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -2000000",
                       "temp_store = MEMORY", "foreign_keys = OFF"):
            conn.execute(f"PRAGMA {pragma}")
        triggers = _take_fts_triggers(conn)
        long_ticket = profile.tickets // 2
        for number, name in enumerate(TEAMS, start=1):
            conn.execute("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)",
                         (number, name, START_US))
            conn.executemany("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)",
                             [(number, agent) for agent in agents[number - 1::len(TEAMS)]])
        loader = _Loader(conn, profile, agents, customers, long_ticket)
        loader.tickets()
        first_long, long_count = loader.messages()
        fts_started = time.perf_counter()
        for table, name, sql in triggers:
            _replay(conn, table, sql)
            conn.execute(sql)
            print(f"    full-text index of {table} ({name}) built", flush=True)
        fts_seconds = time.perf_counter() - fts_started
        conn.execute("PRAGMA analysis_limit = 1000")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode = WAL")
        position = profile.tickets // 2
        key, ticket_id = conn.execute(
            "SELECT updated_at, id FROM tickets ORDER BY updated_at DESC, id DESC "
            "LIMIT 1 OFFSET ?", (position,)).fetchone()
        hits = [_matches(conn, table) for table in ("tickets_fts", "messages_fts")]
    finally:
        conn.close()
    load_seconds = time.perf_counter() - started
    print(f"  scale database built in {load_seconds:.1f} s "
          f"(full-text indexes {fts_seconds:.1f} s)", flush=True)
    return ScaleDatabase(
        data_dir=str(target), tickets=profile.tickets, messages=profile.messages,
        long_thread_ticket=long_ticket, long_thread_messages=long_count,
        long_thread_middle_id=first_long + long_count // 2,
        deep_cursor=Cursor(int(key), int(ticket_id)).encode(), deep_cursor_position=position,
        search_term=SEARCH_TERM, term_ticket_hits=hits[0], term_message_hits=hits[1],
        load_seconds=round(load_seconds, 1), fts_seconds=round(fts_seconds, 1))


def _matches(conn: sqlite3.Connection, table: str) -> int:
    sql = f"SELECT count(*) FROM {table} WHERE {table} MATCH ?"  # noqa: S608 - a constant name
    return int(conn.execute(sql, (f'"{SEARCH_TERM}"*',)).fetchone()[0])


def _take_fts_triggers(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """Drop the triggers that fill the FTS tables on insert; return them to replay."""
    found = []
    for name, table, sql in conn.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name IN ('tickets', 'messages') ORDER BY name").fetchall():
        if re.search(r"AFTER\s+INSERT", sql, re.IGNORECASE) and _FTS_TRIGGER.search(sql):
            found.append((table, name, sql))
            conn.execute(f"DROP TRIGGER {name}")
    if {table for table, _, _ in found} != {"tickets", "messages"}:
        raise RuntimeError("the FTS insert triggers changed shape; update benchmarks/scale.py")
    return found


def _replay(conn: sqlite3.Connection, table: str, trigger_sql: str) -> None:
    """Run an FTS insert trigger's statement once for every row already in ``table``."""
    match = _FTS_TRIGGER.search(trigger_sql)
    assert match is not None  # noqa: S101 - checked by _take_fts_triggers
    insert, values = match.groups()
    conn.execute("BEGIN")
    # The schema's own trigger text, run over the table: nothing here comes from outside.
    conn.execute(f"{insert} SELECT {values} FROM {table} AS new ORDER BY new.rowid")  # noqa: S608
    conn.execute("COMMIT")


class _Loader:
    """Generates and inserts the rows, deterministically (seeded random)."""

    def __init__(self, conn: sqlite3.Connection, profile: Profile, agents: list[int],
                 customers: list[int], long_ticket: int) -> None:
        self._conn = conn
        self._profile = profile
        self._agents = agents
        self._customers = customers
        self._long_ticket = long_ticket
        self._rng = random.Random(20260301)
        self._text = TextPool(self._rng)
        self._requester: list[int] = []
        self._created: list[int] = []

    def _batches(self, rows: Iterator[tuple[object, ...]], sql: str, what: str) -> None:
        total = 0
        while True:
            chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
            if not chunk:
                break
            self._conn.execute("BEGIN")
            self._conn.executemany(sql, chunk)
            self._conn.execute("COMMIT")
            total += len(chunk)
            if total % (CHUNK * 10) == 0:
                print(f"    {total:,} {what}", flush=True)

    def tickets(self) -> None:
        """Tickets 1..N, created over a year, updated a little later."""
        count = self._profile.tickets
        step = YEAR_US // count
        rng = self._rng
        self._requester = [rng.choice(self._customers) for _ in range(count + 1)]
        self._created = [START_US + i * step for i in range(count + 1)]

        def rows() -> Iterator[tuple[object, ...]]:
            for i in range(1, count + 1):
                created = self._created[i]
                updated = created + rng.randrange(0, 5 * 24 * 3600 * 1_000_000)
                assignee = rng.choice(self._agents) if rng.random() < 0.7 else None
                team = rng.randrange(1, len(TEAMS) + 1) if rng.random() < 0.5 else None
                yield (i, self._text.subject(), self._text.ticket_body(), rng.choice(STATUSES),
                       rng.choice(PRIORITIES), rng.choice(TAGS), self._requester[i], assignee,
                       created, updated, team, updated)

        self._batches(rows(), "INSERT INTO tickets (id, subject, body, status, priority, tags, "
                      "requester_id, assignee_id, created_at, updated_at, team_id, activity_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "tickets")

    def messages(self) -> tuple[int, int]:
        """Messages in ticket order (ids grow with tickets); one ticket gets a long thread.

        Returns the long thread's first message id and its length.
        """
        profile = self._profile
        rng = self._rng
        others = profile.messages - profile.long_thread
        spread = others / (profile.tickets - 1)
        long_first = 0

        def rows() -> Iterator[tuple[object, ...]]:
            nonlocal long_first
            message_id = 0
            carry = 0.0
            for ticket in range(1, profile.tickets + 1):
                if ticket == self._long_ticket:
                    count = profile.long_thread
                    long_first = message_id + 1
                else:
                    carry += spread
                    count = int(carry)
                    carry -= count
                at = self._created[ticket]
                previous: int | None = None
                for n in range(count):
                    message_id += 1
                    internal = rng.random() < 0.1
                    author = (rng.choice(self._agents) if internal or n % 2
                              else self._requester[ticket])
                    parent = previous if previous is not None and rng.random() < 0.2 else None
                    at += rng.randrange(60, 6 * 3600) * 1_000_000
                    yield (message_id, ticket, parent, author, self._text.message_body(),
                           "internal" if internal else "public", "[]", at, None)
                    previous = message_id

        self._batches(rows(), "INSERT INTO messages (id, ticket_id, parent_id, author_id, body, "
                      "visibility, attachments, created_at, edited_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "messages")
        return long_first, profile.long_thread
