"""The server's metrics in Prometheus' text format, with prometheus-client (D-22).

Two kinds of figures. What happens per request (calls by method and outcome, their
latency, sign-in attempts, write batch sizes) is counted as it happens, through children
looked up once per label set and kept, so a request pays about a microsecond. What is a
state (queue depth, live subscribers, database size, attachment bytes, mail queue) is
read when Prometheus scrapes, from the component that owns it: nothing is kept twice.

Each server has its own ``CollectorRegistry`` (never the library's global one), so
several servers in one process — the tests — do not mix their figures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST
PREFIX = "hero_assistance_"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                   2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
SIGN_IN_STEPS = {"auth.request_link": "request_link", "auth.confirm": "confirm"}

Reading = Callable[[], float]


class _Readings(Collector):
    """Gauges and counters whose value is read from their owner at scrape time."""

    def __init__(self) -> None:
        self.entries: list[tuple[Literal["gauge", "counter"], str, str, Reading]] = []

    def collect(self) -> Iterable[Metric]:
        for kind, name, text, read in self.entries:
            family = GaugeMetricFamily if kind == "gauge" else CounterMetricFamily
            yield family(name, text, value=float(read()))


class ServerMetrics:
    """Every figure of one server, and their text exposition."""

    def __init__(self, *, version: str, overlay: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._readings = _Readings()
        self.registry.register(self._readings)
        self._refreshers: list[Callable[[], Awaitable[None]]] = []
        info = Gauge(f"{PREFIX}build_info", "The running version (value 1, labels tell).",
                     ["version", "overlay"], registry=self.registry)
        info.labels(version, overlay).set(1)
        self._requests = Counter(
            f"{PREFIX}rpc_requests", "JSON-RPC calls answered, by method and outcome "
            "(ok, or the error's name).", ["method", "outcome"], registry=self.registry)
        self._latency = Histogram(
            f"{PREFIX}rpc_request_seconds", "Time to answer one JSON-RPC call, by method.",
            ["method"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self._sign_in = Counter(
            f"{PREFIX}sign_in_attempts", "Sign-in steps by devices: asking for a link or "
            "code, and confirming one; outcome accepted or refused.", ["step", "outcome"],
            registry=self.registry)
        self._batches = Histogram(
            f"{PREFIX}writer_batch_size", "Units of work committed per group-commit "
            "transaction.", buckets=BATCH_BUCKETS, registry=self.registry)
        self._request_children: dict[tuple[str, str], Callable[[float], None]] = {}

    def observe_request(self, method: str, outcome: str, seconds: float) -> None:
        """Count one answered call (the registry's ``observe`` hook; the hot path)."""
        record = self._request_children.get((method, outcome))
        if record is None:
            record = self._child(method, outcome)
        record(seconds)

    def _child(self, method: str, outcome: str) -> Callable[[float], None]:
        count = self._requests.labels(method, outcome).inc
        timing = self._latency.labels(method).observe
        step = SIGN_IN_STEPS.get(method)
        if step is None:
            def record(seconds: float) -> None:
                count()
                timing(seconds)
        else:
            sign_in = self._sign_in.labels(
                step, "accepted" if outcome == "ok" else "refused").inc

            def record(seconds: float) -> None:
                count()
                timing(seconds)
                sign_in()
        self._request_children[(method, outcome)] = record
        return record

    def observe_batch(self, size: int) -> None:
        """Record the size of one committed write batch."""
        self._batches.observe(size)

    def gauge(self, name: str, text: str, read: Reading) -> None:
        """A value that goes up and down, read from its owner at scrape time."""
        self._readings.entries.append(("gauge", PREFIX + name, text, read))

    def counter(self, name: str, text: str, read: Reading) -> None:
        """A running total kept by its owner, read at scrape time (``_total`` added)."""
        self._readings.entries.append(("counter", PREFIX + name, text, read))

    def refresh_with(self, refresh: Callable[[], Awaitable[None]]) -> None:
        """Run ``refresh`` before every exposition (a reading that needs I/O)."""
        self._refreshers.append(refresh)

    async def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        for refresh in self._refreshers:
            await refresh()
        return generate_latest(self.registry)
