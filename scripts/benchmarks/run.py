"""The order of a benchmark run, its options, and where the results go."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import fanout, machine, reads, report, scale, seed, uploads, workspace, writes
from .profile import FULL, QUICK, Profile
from .server import (
    BENCH_WRITE_LIMIT,
    ServerProcess,
    configure,
    free_port,
    init_data_dir,
    server_command,
)
from .targets import evaluate

REPO = Path(__file__).resolve().parents[2]
GENERATOR = (
    "the harness's own HTTP/1.1 client (`scripts/benchmarks/httpload.py`): raw asyncio "
    "protocol on uvloop, keep-alive, one request in flight per connection, no pipelining, "
    "each connection bound to its own 127.x device address, spread over worker processes "
    "whose CPU time during the measured window is reported next to the server's. "
    "WebSocket subscribers: the same approach (`wsclient.py`), 127.x device per socket."
)


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/bench.py",
        description="Throughput, latency and fan-out of the real server, each next to a "
        "ceiling measured in the same run.")
    parser.add_argument("--quick", action="store_true",
                        help="a small run (under a minute) that proves the machinery works")
    parser.add_argument("--out", type=Path,
                        help="where BENCHMARKS.md/.json/.png go (default: the repository for "
                        "a full run, test-artifacts/bench-quick for --quick)")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="parent of the temporary data directories (default: system temp)")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    parser.add_argument("--server-src", type=Path, default=None,
                        help="serve another checkout's src/ (before/after comparisons)")
    return parser.parse_args(argv)


NOISY_CORES = 0.25  # other processes' CPU in a phase above which the run says it is noisy


@dataclass(frozen=True, slots=True)
class Run:
    """What every part of one run shares."""

    work: Path  # temporary data directories
    profile: Profile
    synchronous: str
    command: list[str]  # how to start the server
    phase: Callable[[str], None]  # announces the next part (and attributes foreign CPU)
    results: dict[str, Any]


def _fresh_server_figures(run: Run) -> None:
    """Echo, writes, fan-out and memory on a fresh database."""
    work, profile, synchronous, command, phase, results = (
        run.work, run.profile, run.synchronous, run.command, run.phase, run.results)
    data_dir = work / "fresh"
    init_data_dir(data_dir, name="Benchmark", port=free_port(), synchronous=synchronous)
    groups = seed.standard_groups(profile.subscribers)
    seeded = seed.seed(data_dir / "project.sqlite3", groups)
    by_name = {group.name: group.addresses() for group in groups}
    agents, customers = by_name["load-agent"], by_name["load-customer"]
    with ServerProcess(data_dir, free_port(), command) as server:
        time.sleep(0.5)
        results["memory"] = {"idle": server.rss_bytes()}
        phase("echo ceiling E")
        results["echo"] = writes.run_echo(server, profile, agents, profile.connections)
        phase("writes (closed loop, then paced at 50 % of E)")
        widest = str(max(profile.connections))
        results["writes"] = writes.run_writes(
            server, profile, agents=agents, customers=customers,
            tickets=seeded.owner_tickets[:64] or [1], echo_rate=results["echo"][widest]["rate"])
        results["memory"]["after_writes"] = server.rss_bytes()
        phase(f"fan-out to {profile.subscribers} subscribers")
        one = fanout.one_project(server, profile, watchers=by_name["watcher"],
                                 poster=by_name["poster"][0], ticket_id=seeded.owner_tickets[0])
        spread = fanout.spread(server, profile, owners=by_name["owner"],
                               poster=by_name["poster"][0], tickets=seeded.owner_tickets)
        results["fanout"] = {"one_project": one, "spread": spread}
        results["memory"]["with_subscribers"] = max(one["rss_bytes_subscribed"],
                                                    one["rss_bytes_after_events"])
    phase("raw group-commit ceiling W (same disk)")
    results["raw"] = writes.run_raw(work, profile, synchronous)


def _upload_figures(run: Run) -> None:
    """Server memory with costly image uploads in flight, on a fresh server of its own."""
    run.phase(f"image uploads: {run.profile.uploads} at once")
    run.results["uploads"] = uploads.run_uploads(run.work, run.profile.uploads, run.command,
                                                 synchronous=run.synchronous)


def _scale_figures(run: Run) -> None:
    """Reads at scale: Q, then the API on a server over the cached database."""
    work, profile, synchronous, command, phase, results = (
        run.work, run.profile, run.synchronous, run.command, run.phase, run.results)
    phase("scale database")
    prefix = scale.cache_root() / f"scale-{profile.tickets}-{profile.messages}-"
    cached = Path(f"{prefix}{scale.cache_key(profile)}", "scale.json").exists()
    db = scale.ensure(profile)
    results["scale"] = asdict(db)
    results["scale_cached"] = cached
    phase("reads: the same SQL directly in sqlite3 (Q)")
    sql = reads.direct_sql(db, profile.read_seconds)
    phase("reads through the API, one connection")
    data_dir = scale.serving_dir(db, work, free_port())
    configure(data_dir, synchronous=synchronous)
    agent = scale.reader_group().addresses()[0]
    with ServerProcess(data_dir, free_port(), command) as server:
        api = reads.run_reads(server, db, profile, agent)
        phase("the agent's workspace: a queue's first page with counts, bulk changes")
        results["workspace"] = workspace.run_workspace(server, db, profile, agent)
    results["reads"] = {"api": api, "sql": sql}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 if a figure is missing."""
    options = _options(argv)
    profile = QUICK if options.quick else FULL
    out: Path = options.out or (REPO / "test-artifacts" / "bench-quick" if options.quick
                                else REPO)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "profile": profile.name,
        "command": "nox -s bench" + (" -- --quick" if options.quick else ""),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine.describe(),
        "server": {"synchronous": options.synchronous,
                   "write_limit_per_minute": BENCH_WRITE_LIMIT,
                   "source": str(options.server_src or "installed package")},
        "generator": GENERATOR,
    }
    described = results["machine"]
    print(f"benchmark ({profile.name}): {described['cpu_model']}, {described['cores']} cores, "
          f"load {described['load_average_at_start']}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="hero-bench-", dir=options.work_dir))
    with machine.ForeignLoad() as foreign:
        def phase(title: str) -> None:
            print(f"== {title}", flush=True)
            foreign.phase(title)

        run = Run(work, profile, options.synchronous, server_command(options.server_src),
                  phase, results)
        try:
            _fresh_server_figures(run)
            _upload_figures(run)
            _scale_figures(run)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    results["foreign_cpu_cores"] = foreign.cores()
    noisy = {k: v for k, v in results["foreign_cpu_cores"].items() if v > NOISY_CORES}
    if noisy:
        print(f"warning: other processes used CPU during the run (cores per phase): {noisy}; "
              "the figures are noisy, run again on a quiet machine")
    results["load_average_at_end"] = machine.load_average()
    results["duration_seconds"] = round(time.perf_counter() - started, 1)
    results["targets"] = [target.as_dict() for target in evaluate(results)]
    missing = report.missing_figures(results)
    results["missing"] = missing
    report.write_json(results, out / "BENCHMARKS.json")
    report.chart(results, out / "BENCHMARKS.png")
    (out / "BENCHMARKS.md").write_text(
        report.markdown(results, chart_name="BENCHMARKS.png", json_name="BENCHMARKS.json"))
    for target in evaluate(results):
        print(f"  {'met   ' if target.met else 'MISSED'} {target.text}: "
              f"{target.measured:.3f} vs {target.bound:.3f}")
    print(f"wrote {out / 'BENCHMARKS.md'} (+ .json, .png) in {results['duration_seconds']:.0f} s")
    if missing:
        print(f"error: figures missing: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0
