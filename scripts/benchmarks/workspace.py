"""The agent's workspace at scale (issue 14): a staff queue's first page with its live
counts and unread markers, and a bulk change of 100 tickets, on the scale database.

The queue is one JSON-RPC batch, as the Support tab asks for it: ``ticket.list`` of the
agent's *My open* (its page carries the unread markers) and ``queue.counts`` (every
queue's count from the maintained tally, and My open's capped unread count). It runs
through the same load generator as the other reads, one connection.

A bulk change must change something each time (an unchanged ticket writes nothing), so
its requests alternate between two changes of the same 100 tickets and are sent one at
a time by a plain client, each timed from send to answer. They write to the cached
scale database: a few thousand history rows and events per run, nothing else.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from .figures import measure, rpc_body
from .profile import Profile
from .scale import ScaleDatabase
from .server import ServerProcess
from .stats import summarize

RPC = "/rpc"
BULK_SIZE = 100


def queue_body() -> bytes:
    """The batch the tab sends for a queue: its first page and every queue's count."""
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "ticket.list",
         "params": {"view": "my_open", "limit": 50}},
        {"jsonrpc": "2.0", "id": 2, "method": "queue.counts"},
    ]
    return json.dumps(batch, separators=(",", ":")).encode()


def _check_queue(server: ServerProcess, source: str) -> dict[str, Any]:
    """One batch answered in full (the load generator only sees top-level errors)."""
    answer = _post(server, source, queue_body())
    if not isinstance(answer, list) or any("error" in part for part in answer):
        raise RuntimeError(f"the queue batch was refused: {str(answer)[:300]}")
    page, counts = answer[0]["result"], answer[1]["result"]
    return {"page_items": len(page["items"]), "page_unread": len(page["unread"]),
            "views": {v["view"] + (f":{v['team_id']}" if v["team_id"] else ""): v["count"]
                      for v in counts["views"]},
            "unread": counts["unread"]}


def _post(server: ServerProcess, source: str, body: bytes) -> Any:
    transport = httpx.HTTPTransport(local_address=source, verify=False)
    with httpx.Client(transport=transport, base_url=f"http://{server.host}:{server.port}",
                      timeout=30, trust_env=False) as client:
        response = client.post(RPC, content=body, headers={"content-type": "application/json"})
        return response.json()


def _bulk_bodies(db: ScaleDatabase) -> list[bytes]:
    first = max(1, db.tickets // 3)
    ids = list(range(first, first + BULK_SIZE))
    return [rpc_body("ticket.bulk_update", {"ticket_ids": ids, "priority": "high",
                                            "add_tags": ["bulk-bench"]}),
            rpc_body("ticket.bulk_update", {"ticket_ids": ids, "priority": "low",
                                            "remove_tags": ["bulk-bench"]})]


def run_bulk(server: ServerProcess, db: ScaleDatabase, profile: Profile,
             source: str) -> dict[str, Any]:
    """Bulk changes of 100 tickets, one at a time, alternating two changes."""
    bodies = _bulk_bodies(db)
    requests = max(12, int(profile.read_seconds * 12))
    samples: list[int] = []
    changed: list[int] = []
    errors = 0
    first_error = ""
    transport = httpx.HTTPTransport(local_address=source, verify=False)
    with httpx.Client(transport=transport, base_url=f"http://{server.host}:{server.port}",
                      timeout=30, trust_env=False) as client:
        for n in range(requests + 2):  # the first two warm up
            started = time.perf_counter_ns()
            response = client.post(RPC, content=bodies[n % 2],
                                   headers={"content-type": "application/json"})
            elapsed = time.perf_counter_ns() - started
            answer = response.json()
            if "error" in answer:
                errors += 1
                first_error = first_error or json.dumps(answer["error"])[:300]
                continue
            if n >= 2:
                samples.append(elapsed)
                changed.append(sum(1 for r in answer["result"]["results"] if r["ok"]))
    figure: dict[str, Any] = {
        "label": f"ticket.bulk_update of {BULK_SIZE} tickets", "tickets": BULK_SIZE,
        "requests": len(samples), "errors": errors, "changed_per_request": min(changed or [0]),
        "latency": summarize(samples),
    }
    if first_error:
        figure["first_error"] = first_error
    latency = figure["latency"]
    print(f"  {figure['label']:<34} {len(samples):>6} requests  p50 {latency['p50_ms']:7.2f} ms"
          f"  p99 {latency['p99_ms']:7.2f} ms  errors {errors}", flush=True)
    return figure


def run_workspace(server: ServerProcess, db: ScaleDatabase, profile: Profile,
                  source: str) -> dict[str, Any]:
    """Both workspace figures on the scale server, from one agent's device."""
    shape = _check_queue(server, source)
    queue = measure(server, label="queue: My open first page + counts", path=RPC,
                    bodies=[queue_body()], sources=[source], connections=1,
                    seconds=profile.read_seconds, warmup=profile.warmup)
    queue["shape"] = shape
    return {"queue_first_page": queue, "bulk_update_100": run_bulk(server, db, profile, source)}
