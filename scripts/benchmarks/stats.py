"""Latency summaries: percentiles of nanosecond samples, reported in milliseconds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PERCENTILES = (50, 90, 99, 99.9)


def percentile(ordered: list[int], pct: float) -> int:
    """The nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not ordered:
        return 0
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarize(samples_ns: Iterable[int]) -> dict[str, Any]:
    """count, p50, p90, p99, p99.9, max and mean in milliseconds."""
    ordered = sorted(samples_ns)
    summary: dict[str, Any] = {"count": len(ordered)}
    for pct in PERCENTILES:
        summary[f"p{pct:g}_ms"] = round(percentile(ordered, pct) / 1e6, 3)
    summary["max_ms"] = round((ordered[-1] if ordered else 0) / 1e6, 3)
    summary["mean_ms"] = round(sum(ordered) / len(ordered) / 1e6 if ordered else 0.0, 3)
    return summary


def ratio(value: float, ceiling: float) -> float | None:
    """value / ceiling, or None when the ceiling is zero (nothing measured)."""
    return round(value / ceiling, 3) if ceiling else None
