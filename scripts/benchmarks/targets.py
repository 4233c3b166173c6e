"""The issue's targets, each as a ratio or a bound against a ceiling of the same run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Target:
    """One target: what was measured, the bound it must stay within, and whether it did."""

    key: str
    text: str
    measured: float
    bound: float
    higher_is_better: bool

    @property
    def met(self) -> bool:
        """Whether the measured value is on the right side of the bound."""
        if self.higher_is_better:
            return self.measured >= self.bound
        return self.measured <= self.bound

    def as_dict(self) -> dict[str, Any]:
        """For the JSON results."""
        return {"key": self.key, "text": self.text, "measured": round(self.measured, 3),
                "bound": round(self.bound, 3), "met": self.met}


def _p99(figure: dict[str, Any]) -> float:
    return float(figure["latency"]["p99_ms"])


def evaluate(results: dict[str, Any]) -> list[Target]:
    """Every target of the issue that this run has the figures for."""
    found: list[Target] = []
    echo, writes = results.get("echo", {}), results.get("writes", {})
    widest = max(echo, key=int) if echo else None
    if widest and widest in writes.get("ticket_create", {}):
        e_rate = echo[widest]["rate"]
        found.append(Target(
            "create_vs_echo", f"ticket.create at {widest} connections ≥ 60 % of E (req/s)",
            writes["ticket_create"][widest]["rate"], 0.6 * e_rate, higher_is_better=True))
    paced = writes.get("paced")
    if paced:
        found.append(Target(
            "create_p99_at_half_e", "ticket.create p99 at 50 % of E ≤ 2 x echo p99 + 1 ms (ms)",
            _p99(paced["ticket_create"]), 2 * _p99(paced["echo"]) + 1.0,
            higher_is_better=False))
    one = results.get("fanout", {}).get("one_project")
    if one:
        p99 = one["events"]["to_last"]["p99_ms"]
        found.append(Target("fanout_p99_50ms", "fan-out to every subscriber p99 ≤ 50 ms (ms)",
                            p99, 50.0, higher_is_better=False))
        found.append(Target("fanout_vs_broadcast", "fan-out p99 ≤ 2 x raw broadcast B p99 (ms)",
                            p99, 2 * one["raw_broadcast"]["to_last"]["p99_ms"],
                            higher_is_better=False))
    sent = results.get("uploads")
    if sent:
        found.append(Target(
            "upload_peak_rss", f"server peak RSS with {sent['uploads']} costly image uploads "
            "in flight ≤ 400 MB (MB)", sent["peak_rss_bytes"] / 1e6, 400.0,
            higher_is_better=False))
    api = results.get("reads", {}).get("api")
    if api:
        echo_p99 = _p99(api["echo"])
        for key, slack in (("list_first_page", 1.0), ("list_deep_page", 1.0),
                           ("search_newest", 1.0), ("search_ranked", 10.0)):
            found.append(Target(f"{key}_p99", f"{api[key]['label']} p99 ≤ echo p99 + "
                                f"{slack:g} ms (ms)", _p99(api[key]), echo_p99 + slack,
                                higher_is_better=False))
    work = results.get("workspace")
    if work:
        found.append(Target("queue_first_page_p99",
                            "a staff queue's first page with counts and unread markers "
                            "p99 ≤ 20 ms (ms)", _p99(work["queue_first_page"]), 20.0,
                            higher_is_better=False))
        found.append(Target("bulk_update_100_p99", "a bulk update of 100 tickets p99 ≤ 200 ms "
                            "(ms)", _p99(work["bulk_update_100"]), 200.0,
                            higher_is_better=False))
    return found
