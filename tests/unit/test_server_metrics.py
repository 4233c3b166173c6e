"""ServerMetrics (adapters/metrics) over the real parts it reads: the event hub, the
JSON-RPC registry's observe hook, the config's loopback rule."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hero_assistance.adapters.jsonrpc import MethodRegistry
from hero_assistance.adapters.live import EventHub
from hero_assistance.adapters.metrics import ServerMetrics
from hero_assistance.apps.server.config import ServerConfig
from hero_assistance.domain.events import Event, EventKind
from hero_assistance.domain.identity import CallerIdentity, Role
from hero_assistance.domain.project import ProjectSettings

pytestmark = pytest.mark.anyio

AGENT = CallerIdentity(user_id=3, device_addr="400::c1", role=Role.AGENT)


async def _samples(metrics: ServerMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = (await metrics.exposition()).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_a_slow_subscriber_dropped_by_the_hub_is_counted() -> None:
    hub = EventHub(lambda: ProjectSettings(name="Acme"))
    metrics = ServerMetrics(version="1", overlay="loopback")
    metrics.gauge("live_subscribers", "open", lambda: len(hub))
    metrics.counter("live_dropped_slow_subscribers", "dropped", lambda: hub.stats.overflows)
    hub.subscribe(AGENT, queue_size=1)
    assert (await _samples(metrics))[("hero_assistance_live_subscribers", ())] == 1
    for seq in (1, 2):
        hub.publish([Event(seq=seq, kind=EventKind.TICKET_UPDATED, ticket_id=1,
                           requester_id=9, internal=False,
                           occurred_at=datetime(2026, 1, 1, tzinfo=UTC), data={})])
    samples = await _samples(metrics)
    assert samples[("hero_assistance_live_dropped_slow_subscribers_total", ())] == 1
    assert samples[("hero_assistance_live_subscribers", ())] == 0


async def test_the_registry_reports_every_call_with_its_outcome() -> None:
    metrics = ServerMetrics(version="1", overlay="loopback")
    registry: MethodRegistry[None] = MethodRegistry(title="t", version="1",
                                                    observe=metrics.observe_request)

    @registry.method("thing.ok", params=None, result=int, summary="ok")
    async def ok(_ctx: None, _p: None) -> int:
        return 1

    @registry.method("auth.confirm", params=None, result=int, summary="refused")
    async def refused(_ctx: None, _p: None) -> int:
        raise ValueError("a bug")

    for body in (b'{"jsonrpc":"2.0","id":1,"method":"thing.ok"}',
                 b'{"jsonrpc":"2.0","method":"thing.ok"}',  # a notification counts too
                 b'{"jsonrpc":"2.0","id":2,"method":"auth.confirm"}',
                 b'{"jsonrpc":"2.0","id":3,"method":"made.up"}'):
        await registry.handle(None, body)
    samples = await _samples(metrics)
    calls = "hero_assistance_rpc_requests_total"
    assert samples[(calls, (("method", "thing.ok"), ("outcome", "ok")))] == 2
    assert samples[(calls, (("method", "auth.confirm"), ("outcome", "InternalError")))] == 1
    assert samples[(calls, (("method", "(unknown)"), ("outcome", "MethodNotFound")))] == 1
    assert samples[("hero_assistance_sign_in_attempts_total",
                    (("outcome", "refused"), ("step", "confirm")))] == 1
    assert samples[("hero_assistance_rpc_request_seconds_count",
                    (("method", "thing.ok"),))] == 2


def test_two_servers_in_one_process_keep_their_figures_apart() -> None:
    first, second = ServerMetrics(version="1", overlay="a"), ServerMetrics(version="1",
                                                                           overlay="b")
    first.observe_batch(3)
    assert first.registry.get_sample_value("hero_assistance_writer_batch_size_count") == 1
    assert second.registry.get_sample_value("hero_assistance_writer_batch_size_count") == 0


@pytest.mark.parametrize("address", ["0.0.0.0", "10.1.2.3", "400::1", "localhost", ""])  # noqa: S104
def test_the_metrics_listener_is_refused_anywhere_but_loopback(address: str) -> None:
    raw = msgspec.json.encode({"project_name": "x", "metrics_port": 9330,
                               "metrics_address": address})
    with pytest.raises(msgspec.ValidationError, match="loopback"):
        msgspec.json.decode(raw, type=ServerConfig)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.9.9.9", "::1"])
def test_loopback_metrics_addresses_are_accepted(address: str) -> None:
    raw = msgspec.json.encode({"project_name": "x", "metrics_port": 9330,
                               "metrics_address": address})
    assert msgspec.json.decode(raw, type=ServerConfig).metrics_address == address
