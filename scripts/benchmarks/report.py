"""The results of a run: JSON with every figure, a markdown table, a latency chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .targets import evaluate

MIB = 2**20


def missing_figures(results: dict[str, Any]) -> list[str]:
    """Figures a complete run has, absent or empty here (nothing measured)."""
    needed: list[tuple[str, ...]] = [
        ("echo", "16"), ("echo", "64"),
        ("writes", "ticket_create", "16"), ("writes", "ticket_create", "64"),
        ("writes", "message_post", "16"), ("writes", "message_post", "64"),
        ("writes", "paced", "echo"), ("writes", "paced", "ticket_create"),
        ("writes", "paced_own", "echo"), ("writes", "paced_own", "ticket_create"),
        ("reads", "api", "echo"),
        *[("reads", side, key) for side in ("api", "sql")
          for key in ("list_first_page", "list_deep_page", "search_newest", "search_ranked",
                      "message_list")],
        ("fanout", "one_project", "events"), ("fanout", "one_project", "raw_broadcast"),
        ("fanout", "spread", "events"),
        ("workspace", "queue_first_page"), ("workspace", "bulk_update_100"),
    ]
    missing = []
    for path in needed:
        node: Any = results
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            missing.append("/".join(path))
        elif "latency" in node and not node["latency"]["count"]:
            missing.append("/".join(path) + " (no successful request)")
        elif "to_last" in node and not node["to_last"]["count"]:
            missing.append("/".join(path) + " (nothing delivered)")
    raw = results.get("raw", {})
    missing += [f"raw/{key}" for key in ("grouped", "one_commit_per_write")
                if not raw.get(key, {}).get("rate")]
    memory = results.get("memory", {})
    missing += [f"memory/{key}" for key in ("idle", "with_subscribers", "after_writes")
                if not memory.get(key)]
    sent = results.get("uploads", {})
    if not sent.get("peak_rss_bytes"):
        missing.append("uploads/peak_rss_bytes")
    elif sent["answered"] != sent["uploads"]:
        missing.append(f"uploads ({sent['answered']} of {sent['uploads']} stored: "
                       f"{sent['statuses']})")
    return missing


def write_json(results: dict[str, Any], path: Path) -> None:
    """Every figure, the machine and the targets."""
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def _foreign(results: dict[str, Any]) -> str:
    cores = results.get("foreign_cpu_cores", {})
    return ", ".join(f"{phase.split(' (')[0]} {value}" for phase, value in cores.items()) or "—"


def _ms(value: float) -> str:
    return f"{value:.2f} ms" if value >= 0.1 else f"{value * 1000:.0f} µs"


def _lat(figure: dict[str, Any]) -> str:
    lat = figure["latency"] if "latency" in figure else figure["to_last"]
    return f"p50 {_ms(lat['p50_ms'])}, p99 {_ms(lat['p99_ms'])}"


def _cpu(figure: dict[str, Any]) -> str:
    return f"{figure['server_cpu_cores']} / {figure['generator_cpu_cores']}"


def _rate_row(name: str, figure: dict[str, Any], ceiling: dict[str, Any] | None,
              ceiling_name: str, target: str = "") -> str:
    measured = f"{figure['rate']:,.0f}/s; {_lat(figure)}; {figure['errors']} errors"
    if ceiling is None:
        return f"| {name} | {measured} | — | — | {target} | {_cpu(figure)} |"
    share = figure["rate"] / ceiling["rate"] if ceiling["rate"] else 0.0
    return (f"| {name} | {measured} | {ceiling_name} {ceiling['rate']:,.0f}/s | "
            f"{share:.0%} | {target} | {_cpu(figure)} |")


def _rows(results: dict[str, Any]) -> list[str]:
    rows: list[str] = []
    echo, writes, raw = results["echo"], results["writes"], results["raw"]
    marks = {t.key: ("✅ " if t.met else "❌ ") + t.text.rsplit(" (", 1)[0]
             for t in evaluate(results)}
    for c, figure in echo.items():
        rows.append(_rate_row(f"E: bench.echo, {c} connections", figure, None, ""))
    w = {"rate": raw["grouped"]["rate"]}
    for kind, name in (("ticket_create", "ticket.create"), ("message_post", "message.post")):
        for c, figure in writes[kind].items():
            headline = kind == "ticket_create" and c == "64"
            target = marks.get("create_vs_echo", "") if headline else ""
            rows.append(_rate_row(f"{name}, {c} connections", figure, echo.get(c), "E", target))
            if kind == "ticket_create" and c == "64":
                rows.append(_rate_row(f"{name}, {c} connections, vs W", figure, w, "W"))
    rows.append(f"| W: raw sqlite3, {raw['grouped']['per_transaction']} row sets per commit "
                f"(synchronous={raw['synchronous']}) | {raw['grouped']['rate']:,.0f}/s | — | — |"
                " | — |")
    rows.append(f"| raw sqlite3, one commit per row set | "
                f"{raw['one_commit_per_write']['rate']:,.0f}/s | W | "
                f"{raw['one_commit_per_write']['rate'] / raw['grouped']['rate']:.0%} | | — |")
    paced = writes["paced"]
    echo_p99 = paced["echo"]["latency"]["p99_ms"]
    rows.append(_rate_row(f"bench.echo paced at {paced['rate']:,.0f}/s (50 % of E)",
                          paced["echo"], None, ""))
    create = paced["ticket_create"]
    rows.append(f"| ticket.create paced at {paced['rate']:,.0f}/s | {_lat(create)}; "
                f"{create['errors']} errors | 2 x echo p99 + 1 ms = {_ms(2 * echo_p99 + 1)} | "
                f"{create['latency']['p99_ms'] / echo_p99:.1f}x echo p99 | "
                f"{marks.get('create_p99_at_half_e', '')} | {_cpu(create)} |")
    own = writes["paced_own"]
    own_echo = own["echo"]["latency"]["p99_ms"]
    rows.append(f"| ticket.create paced at {own['rate']:,.0f}/s (50 % of its own capacity) | "
                f"{_lat(own['ticket_create'])}; {own['ticket_create']['errors']} errors | "
                f"echo at the same rate: {_lat(own['echo'])} | "
                f"{own['ticket_create']['latency']['p99_ms'] / own_echo:.1f}x echo p99 | | "
                f"{_cpu(own['ticket_create'])} |")
    api, sql = results["reads"]["api"], results["reads"]["sql"]
    read_echo = api["echo"]["latency"]["p99_ms"]
    rows.append(_rate_row("bench.echo, 1 connection (scale server)", api["echo"], None, ""))
    for key in ("list_first_page", "list_deep_page", "search_newest", "search_ranked",
                "message_list"):
        figure, q = api[key], sql[key]
        over = figure["latency"]["p99_ms"] - read_echo
        rows.append(f"| {figure['label']} | {_lat(figure)} | Q: {_lat(q)} | "
                    f"echo p99 + {_ms(max(over, 0.0))} | {marks.get(key + '_p99', '')} | "
                    f"{_cpu(figure)} |")
    work = results["workspace"]
    queue, bulk = work["queue_first_page"], work["bulk_update_100"]
    shape = queue.get("shape", {})
    rows.append(f"| {queue['label']} (one batch: ticket.list view my_open, queue.counts; "
                f"{shape.get('page_items', '?')} tickets, {shape.get('page_unread', '?')} "
                f"unread on the page) | {_lat(queue)}; {queue['errors']} errors | "
                f"echo c=1: {_lat(api['echo'])} | echo p99 + "
                f"{_ms(max(queue['latency']['p99_ms'] - read_echo, 0.0))} | "
                f"{marks.get('queue_first_page_p99', '')} | {_cpu(queue)} |")
    rows.append(f"| {bulk['label']} ({bulk['requests']} requests, one at a time, "
                f"{bulk['changed_per_request']} changed each) | {_lat(bulk)}; "
                f"{bulk['errors']} errors | — | — | {marks.get('bulk_update_100_p99', '')} | — |")
    one = results["fanout"]["one_project"]
    events, b = one["events"], one["raw_broadcast"]
    last = events["to_last"]
    rows.append(f"| fan-out to {one['subscribers']:,} subscribers, {one['rate']:g} posts/s | "
                f"{_lat(events)}, max {_ms(last['max_ms'])}; "
                f"{events['delivered_fraction']:.2%} delivered; "
                f"{events['server_cpu_ms_per_event']} ms CPU/post | B: {_lat(b)}, "
                f"{b['server_cpu_ms_per_event']} ms CPU/frame | "
                f"{last['p99_ms'] / max(b['to_last']['p99_ms'], 1e-9):.1f}x B p99 | "
                f"{marks.get('fanout_p99_50ms', '')}<br>{marks.get('fanout_vs_broadcast', '')}"
                f" | see CPU/post / {one['subscriber_cpu_cores']} (subscribers) |")
    spread = results["fanout"]["spread"]
    se = spread["events"]
    rows.append(f"| fan-out, {spread['subscribers']:,} customers on their own tickets, one "
                f"concerned per post | {_lat(se)}, max {_ms(se['to_last']['max_ms'])}; "
                f"{se['delivered_fraction']:.2%} delivered; {se['server_cpu_ms_per_event']} ms "
                f"CPU/post | one project: p99 {_ms(last['p99_ms'])} | "
                f"{se['to_last']['p99_ms'] / max(last['p99_ms'], 1e-9):.2f}x | | — |")
    memory = results["memory"]
    rows.append(f"| server RSS: idle / {one['subscribers']:,} subscribers / after the write "
                f"runs | {memory['idle'] / MIB:.0f} / {memory['with_subscribers'] / MIB:.0f} / "
                f"{memory['after_writes'] / MIB:.0f} MiB | — | — | | — |")
    sent = results["uploads"]
    rows.append(f"| server RSS with {sent['uploads']} uploads of a {sent['side']:,}² PNG "
                f"({sent['file_bytes'] / 1000:.0f} KB, {sent['side'] ** 2 * 4 / 1e6:.0f} MB "
                f"in Pillow) in flight: before / peak / idle after | "
                f"{sent['rss_bytes_before'] / MIB:.0f} / {sent['peak_rss_bytes'] / MIB:.0f} / "
                f"{sent['idle_rss_bytes'] / MIB:.0f} MiB; all stored in "
                f"{sent['wall_seconds']:.1f} s | — | — | "
                f"{marks.get('upload_peak_rss', '')} | — |")
    return rows


def _uploads_note(sent: dict[str, Any]) -> str:
    return (f"Image uploads (`uploads.py`, D-16): {sent['uploads']} `POST /attachments` of "
            f"{sent['side']:,} x {sent['side']:,} PNGs (one colour each, all different) at "
            "once, each from its own device, on a fresh server; RSS sampled every 10 ms, the "
            "peak is the kernel's VmHWM, \"idle after\" is RSS once it stops falling "
            f"({sent['idle_after_seconds']:.0f} s after the last answer). Decodes take turns "
            "within the decode budget (two at once, 256 MiB between them), so answers took "
            f"{sent['answer_seconds_p50']:.1f} s at the median and "
            f"{sent['answer_seconds_max']:.1f} s at most.")


def markdown(results: dict[str, Any], *, chart_name: str, json_name: str) -> str:
    """BENCHMARKS.md: the table, the machine, how it was measured."""
    m = results["machine"]
    scale = results["scale"]
    lines = [
        "# Benchmarks",
        "",
        (f"Run `{results['command']}` ({results['profile']} profile) on "
        f"{results['started_at']}, {results['duration_seconds']:.0f} s. Every ceiling is "
        "measured in the same run, on the same machine, by the same server process setup. "
        f"All figures, with more percentiles: [`{json_name}`]({json_name}); "
        f"latency chart: [`{chart_name}`]({chart_name})."),
        "",
        f"**Machine:** {m['cpu_model']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, "
        f"{m['os']}; Python {m['python']}, SQLite {m['sqlite']}; "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items())
        + f". Load average at start {m['load_average_at_start']}, at end "
        f"{results['load_average_at_end']}; CPU used by other processes during each phase "
        f"(cores): {_foreign(results)}.",
        "",
        (f"**Server:** `hero-assistance-server serve --benchmark`, uvicorn as configured in "
        f"`runtime.py`, SQLite `synchronous={results['server']['synchronous']}` (WAL), "
        f"write limit {results['server']['write_limit_per_minute']:,} per device and minute."),
        "",
        "**Load generator:** " + results["generator"],
        "",
        ("| Figure | Measured | Ceiling (same run) | Ratio | Target "
        "| CPU cores server / generator |"),
        "|---|---|---|---|---|---|",
        *_rows(results),
        "",
        (f"Scale database: {scale['tickets']:,} tickets, {scale['messages']:,} messages "
        f"(long thread: {scale['long_thread_messages']:,} messages on ticket "
        f"{scale['long_thread_ticket']:,}); '{scale['search_term']}' is in "
        f"{scale['term_ticket_hits']:,} tickets and {scale['term_message_hits']:,} messages. "
        f"Bulk load {scale['load_seconds']:.0f} s, of which full-text indexes "
        f"{scale['fts_seconds']:.0f} s (built once, then cached: "
        f"{'reused' if results['scale_cached'] else 'built in this run'}). "
        f"The deep page starts {scale['deep_cursor_position']:,} tickets down."),
        "",
        _uploads_note(results["uploads"]),
        "",
        ("How each figure is made: `scripts/benchmarks/__init__.py` and "
        "`decisions/D-09-performance.md`."),
        "",
    ]
    return "\n".join(lines)


def chart(results: dict[str, Any], path: Path) -> None:
    """Latency percentiles of every figure, log scale, one bar group per figure."""
    import matplotlib  # noqa: PLC0415 - only the report needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    series: list[tuple[str, dict[str, Any]]] = []
    for c, figure in results["echo"].items():
        series.append((f"E echo c={c}", figure["latency"]))
    for kind in ("ticket_create", "message_post"):
        for c, figure in results["writes"][kind].items():
            series.append((f"{kind.replace('_', '.')} c={c}", figure["latency"]))
    paced = results["writes"]["paced"]
    series.append(("echo paced 50% E", paced["echo"]["latency"]))
    series.append(("ticket.create paced", paced["ticket_create"]["latency"]))
    own = results["writes"]["paced_own"]
    series.append(("echo paced 50% own", own["echo"]["latency"]))
    series.append(("ticket.create paced 50% own", own["ticket_create"]["latency"]))
    api, sql = results["reads"]["api"], results["reads"]["sql"]
    series.append(("echo c=1 (scale)", api["echo"]["latency"]))
    for key, figure in api.items():
        if key != "echo":
            series.append((figure["label"], figure["latency"]))
            series.append((f"  Q {figure['label']}", sql[key]["latency"]))
    for figure in results["workspace"].values():
        series.append((figure["label"], figure["latency"]))
    one = results["fanout"]["one_project"]
    series.append((f"fan-out {one['subscribers']} subs", one["events"]["to_last"]))
    series.append(("  B raw broadcast", one["raw_broadcast"]["to_last"]))
    series.append(("fan-out spread", results["fanout"]["spread"]["events"]["to_last"]))

    pcts = ("p50_ms", "p90_ms", "p99_ms", "p99.9_ms")
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(series) + 1.5), dpi=90)
    height = 0.8 / len(pcts)
    for i, pct in enumerate(pcts):
        values = [max(lat[pct], 0.001) for _, lat in series]
        positions = [n + i * height for n in range(len(series))]
        ax.barh(positions, values, height=height, label=pct.removesuffix("_ms"))
    ax.set_yticks([n + 0.4 - height / 2 for n in range(len(series))])
    ax.set_yticklabels([name for name, _ in series], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("latency, ms (log scale)")
    ax.set_title(f"hero_assistance latency percentiles ({results['profile']} run)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
