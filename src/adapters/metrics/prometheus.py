"""The server's metrics in Prometheus' text format, with prometheus-client (D-22).

Two kinds of figures. What happens per request (calls by method and outcome, their
latency, sign-in attempts, write batch sizes) is counted as it happens, in plain ints
and lists on the event loop — one dict lookup, a bisect and three additions, well under
a microsecond; prometheus-client's own Counter and Histogram take a lock per update and
cost ten times as much. What is a state (queue depth, live subscribers, database size,
attachment bytes, mail queue) is read when Prometheus scrapes, from the component that
owns it: nothing is kept twice. At scrape time both become metric families that
prometheus-client writes out in its text format.

Each server has its own ``CollectorRegistry`` (never the library's global one), so
several servers in one process — the tests — do not mix their figures. Updates come
from the server's one event loop only, so they need no lock.
"""

from __future__ import annotations

import bisect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Literal

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST
PREFIX = "hero_assistance_"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                   2.5, 5.0, 10.0)
BATCH_BUCKETS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)
SIGN_IN_STEPS = {"auth.request_link": "request_link", "auth.confirm": "confirm"}

Reading = Callable[[], float]
_bisect = bisect.bisect_left


class _Distribution:
    """Observations of one histogram: a count per bucket (the last is +Inf) and a sum."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def cumulative(self) -> list[tuple[str, float]]:
        """Prometheus' buckets: how many observations were at most each bound."""
        running, out = 0, []
        for bound, count in zip([*map(str, self.bounds), "+Inf"], self.counts, strict=True):
            running += count
            out.append((bound, float(running)))
        return out


class _Figures(Collector):
    """Turns the counts and the scrape-time readings into metric families."""

    def __init__(self, version: str, overlay: str) -> None:
        self.build = (version, overlay)
        self.calls: dict[tuple[str, str], int] = {}
        self.latency: dict[str, _Distribution] = {}
        self.sign_in: dict[tuple[str, str], int] = {}
        self.batches = _Distribution(BATCH_BUCKETS)
        self.readings: list[tuple[Literal["gauge", "counter"], str, str, Reading]] = []

    def collect(self) -> Iterable[Metric]:
        info = GaugeMetricFamily(f"{PREFIX}build_info", "The running version (value 1, "
                                 "labels tell).", labels=["version", "overlay"])
        info.add_metric(list(self.build), 1)
        yield info
        calls = CounterMetricFamily(f"{PREFIX}rpc_requests", "JSON-RPC calls answered, by "
                                    "method and outcome (ok, or the error's name).",
                                    labels=["method", "outcome"])
        for (method, outcome), count in sorted(self.calls.items()):
            calls.add_metric([method, outcome], count)
        yield calls
        latency = HistogramMetricFamily(f"{PREFIX}rpc_request_seconds", "Time to answer one "
                                        "JSON-RPC call, by method.", labels=["method"])
        for method, spread in sorted(self.latency.items()):
            latency.add_metric([method], spread.cumulative(), spread.total)
        yield latency
        sign_in = CounterMetricFamily(f"{PREFIX}sign_in_attempts", "Sign-in steps by "
                                      "devices: asking for a link or code, and confirming "
                                      "one; outcome accepted or refused.",
                                      labels=["step", "outcome"])
        for (step, outcome), count in sorted(self.sign_in.items()):
            sign_in.add_metric([step, outcome], count)
        yield sign_in
        batches = HistogramMetricFamily(f"{PREFIX}writer_batch_size", "Units of work "
                                        "committed per group-commit transaction.")
        batches.add_metric([], self.batches.cumulative(), self.batches.total)
        yield batches
        for kind, name, text, read in self.readings:
            family = GaugeMetricFamily if kind == "gauge" else CounterMetricFamily
            yield family(name, text, value=float(read()))


class ServerMetrics:
    """Every figure of one server, and their text exposition."""

    def __init__(self, *, version: str, overlay: str) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._figures = _Figures(version, overlay)
        self.registry.register(self._figures)
        self._refreshers: list[Callable[[], Awaitable[None]]] = []

    def observe_request(self, method: str, outcome: str, seconds: float) -> None:
        """Count one answered call (the registry's ``observe`` hook; the hot path)."""
        figures = self._figures
        key = (method, outcome)
        calls = figures.calls
        calls[key] = calls.get(key, 0) + 1
        spread = figures.latency.get(method)
        if spread is None:
            spread = figures.latency[method] = _Distribution(LATENCY_BUCKETS)
        spread.counts[_bisect(LATENCY_BUCKETS, seconds)] += 1  # _Distribution.observe, inlined
        spread.total += seconds
        step = SIGN_IN_STEPS.get(method)
        if step is not None:
            attempt = (step, "accepted" if outcome == "ok" else "refused")
            figures.sign_in[attempt] = figures.sign_in.get(attempt, 0) + 1

    def observe_batch(self, size: int) -> None:
        """Record the size of one committed write batch."""
        self._figures.batches.observe(size)

    def gauge(self, name: str, text: str, read: Reading) -> None:
        """A value that goes up and down, read from its owner at scrape time."""
        self._figures.readings.append(("gauge", PREFIX + name, text, read))

    def counter(self, name: str, text: str, read: Reading) -> None:
        """A running total kept by its owner, read at scrape time (``_total`` added)."""
        self._figures.readings.append(("counter", PREFIX + name, text, read))

    def refresh_with(self, refresh: Callable[[], Awaitable[None]]) -> None:
        """Run ``refresh`` before every exposition (a reading that needs I/O)."""
        self._refreshers.append(refresh)

    async def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        for refresh in self._refreshers:
            await refresh()
        return generate_latest(self.registry)
