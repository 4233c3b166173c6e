"""The client's local service, in-process: its document, its errors, its event fan-out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hero_assistance.adapters.jsonrpc import MethodSpec
from hero_assistance.adapters.live import EventHub
from hero_assistance.adapters.support_rpc import (
    RequestContext,
    ServerInfo,
    ServerServices,
    build_server_registry,
)
from hero_assistance.adapters.support_rpc.wire import EventView
from hero_assistance.apps.client import (
    ConflictError,
    CorruptConfigError,
    DeviceNotBoundError,
    DuplicateLabelError,
    InvalidLabelError,
    LoopbackDeviceOverlay,
    ProjectEvent,
    ProjectState,
    ProtocolError,
    RateLimitedError,
    SupportClient,
    UnknownLabelError,
    UnreachableError,
)
from hero_assistance.apps.client.cli._run import exit_code_for
from hero_assistance.apps.client.service import (
    ClientContext,
    EventFanout,
    build_client_registry,
    rpc_error,
)
from hero_assistance.apps.client.service import wire as service_wire
from hero_assistance.apps.client.service._labels import free_label, slug
from hero_assistance.apps.client.service.unix import default_socket_path
from hero_assistance.domain.events import EventKind
from hero_assistance.domain.project import ProjectSettings
from tests.openrpc_meta import meta_schema_errors

from .conftest import Harness

pytestmark = pytest.mark.anyio

SERVICE_METHODS = {
    "rpc.discover", "client.about", "client.projects", "client.follow", "client.unfollow",
    "client.enroll", "client.confirm", "client.inbox", "client.mark_read",
    "events.subscribe", "events.unsubscribe", "attachment.upload", "attachment.download",
    "client.queues", "client.notifications", "client.set_notifications",
}
STREAM_ONLY = {"events.subscribe", "events.unsubscribe", "rpc.discover"}
"""Server methods whose client counterparts are the service's own (no ``project``)."""


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[SupportClient]:
    """An open client that follows nothing (no server is needed for these tests)."""
    async with SupportClient(LoopbackDeviceOverlay("127.0.70.1"), config_dir=tmp_path) as opened:
        yield opened


async def call(client: SupportClient, method: str, params: Any = None,
               ctx: ClientContext | None = None) -> dict[str, Any]:
    """One request through the registry, as any transport would pass it."""
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        request["params"] = params
    registry = build_client_registry(client)
    answer = await registry.handle(ctx or ClientContext(), json.dumps(request).encode())
    assert answer is not None
    decoded: dict[str, Any] = json.loads(answer)
    return decoded


def server_document(harness: Harness) -> dict[str, Any]:
    """The project server's own OpenRPC document."""
    services = ServerServices(
        accounts=harness.accounts, project=harness.project, devices=harness.devices,
        tickets=harness.desk,
        conversation=harness.talk, attachments=harness.library, presence=harness.presence,
        feed=harness.feed, hub=EventHub(lambda: ProjectSettings(name="x")),
        teams=harness.teams, reads=harness.reads, queues=harness.queues,
        canned=harness.canned, directory=harness.directory,
        service_levels=harness.service_levels)

    def allow(_ctx: RequestContext, _spec: MethodSpec, *_weight: int) -> None:
        return None

    registry = build_server_registry(services, ServerInfo(version="1", overlay="loopback"),
                                     authorize=allow, meter=allow)
    return registry.openrpc_document()


async def test_discover_document_is_valid_openrpc(client: SupportClient) -> None:
    answer = await call(client, "rpc.discover")
    document = answer["result"]
    assert meta_schema_errors(document) == []
    assert document["info"]["title"] == "hero_assistance client service"
    assert set(document["x-notifications"]) == {"client.event", "client.state",
                                                 "client.progress"}
    assert {e["code"] for e in document["components"]["errors"].values()} >= {-32010, -32011}
    for method in document["methods"]:
        assert method["summary"], method["name"]


async def test_every_server_method_is_offered_with_its_params_and_a_project(
        client: SupportClient, harness: Harness) -> None:
    ours = {m["name"]: m for m in build_client_registry(client).openrpc_document()["methods"]}
    theirs = {m["name"]: m for m in server_document(harness)["methods"]}
    assert set(ours) == (set(theirs) - STREAM_ONLY) | SERVICE_METHODS | STREAM_ONLY
    for name, server_method in theirs.items():
        if name in STREAM_ONLY:
            continue
        params = {p["name"]: p["required"] for p in ours[name]["params"]}
        expected = {p["name"]: p["required"] for p in server_method["params"]}
        if name == "ticket.list":
            expected |= {"cursors": False, "assigned_to_me": False}
        # ticket.list also works across every project, so its project is optional.
        expected["project"] = name != "ticket.list"
        assert params == expected, name
        errors = {e["$ref"].rsplit("/", 1)[1] for e in ours[name]["errors"]}
        assert "ProjectUnreachable" in errors, name


async def test_unknown_project_is_not_found(client: SupportClient) -> None:
    answer = await call(client, "ticket.get", {"project": "nowhere", "ticket_id": 1})
    assert answer["error"]["code"] == -32003
    assert answer["error"]["data"] == {"field": "project"}


async def test_project_params_are_checked_like_the_servers(client: SupportClient) -> None:
    answer = await call(client, "ticket.get", {"project": "acme", "ticket_id": 0})
    assert answer["error"]["code"] == -32602
    answer = await call(client, "ticket.get", {"ticket_id": 1})
    assert answer["error"]["data"]["field"] == "project"
    answer = await call(client, "ticket.get", {"project": "acme", "ticket_id": 1, "x": 1})
    assert answer["error"]["data"] == {"field": "x", "problem": "unknown field"}


async def test_events_need_a_transport_with_notifications(client: SupportClient) -> None:
    answer = await call(client, "events.subscribe", {})
    assert answer["error"]["code"] == -32600


async def test_a_server_that_does_not_answer_is_project_unreachable(
        client: SupportClient) -> None:
    # Nothing listens on port 9 of this loopback address: refused at once.
    followed = await call(client, "client.follow", {"address": "127.0.70.9:9",
                                                    "label": "down"})
    assert followed["result"]["label"] == "down"
    answer = await call(client, "ticket.list", {"project": "down"})
    assert answer["error"]["code"] == -32010
    assert answer["error"]["data"] == {"project": "down", "retryable": True}
    everywhere = await call(client, "ticket.list", {})
    assert everywhere["result"]["items"] == []
    assert everywhere["result"]["problems"]["down"]["code"] == -32010
    states = await call(client, "client.projects", {"wait": 5})
    assert [(s["label"], s["phase"]) for s in states["result"]] == [("down", "unreachable")]


async def test_follow_refuses_bad_labels_addresses_and_repeats(client: SupportClient) -> None:
    bad_label = await call(client, "client.follow", {"address": "127.0.70.9:9",
                                                     "label": "-x"})
    assert bad_label["error"]["code"] == -32602
    not_ip = await call(client, "client.follow", {"address": "example.com:7330"})
    assert not_ip["error"]["data"]["field"] == "address"
    other_overlay = await call(client, "client.follow", {"address": "[400::1]:7330"})
    assert other_overlay["error"]["data"]["field"] == "address"
    await call(client, "client.follow", {"address": "127.0.70.9:9", "label": "one"})
    again = await call(client, "client.follow", {"address": "127.0.70.9:9", "label": "two"})
    assert again["error"]["code"] == -32004
    gone = await call(client, "client.unfollow", {"label": "one"})
    assert gone["result"] is True
    assert (await call(client, "client.unfollow", {"label": "one"}))["error"]["code"] == -32003


@pytest.mark.parametrize(("error", "code", "data"), [
    (DeviceNotBoundError("not bound"), -32001, {"project": "p"}),
    (RateLimitedError("slow down", data={"retry_after": 3}), -32006,
     {"retry_after": 3, "project": "p"}),
    (ConflictError("clash"), -32004, {"project": "p"}),
    (ProtocolError("garbage"), -32009, {"retryable": True, "project": "p"}),
    (UnreachableError("down"), -32010, {"retryable": True, "project": "p"}),
    (UnknownLabelError("who?"), -32003, {"field": "project"}),
    (DuplicateLabelError("taken"), -32004, None),
    (InvalidLabelError("bad"), -32602, {"field": "label", "problem": "bad"}),
    (CorruptConfigError(Path("/c/f.json"), "broken"), -32011, {"path": "/c/f.json"}),
])
def test_library_errors_map_to_documented_codes(error: Exception, code: int,
                                                data: dict[str, Any] | None) -> None:
    mapped = rpc_error(error, "p")  # type: ignore[arg-type]
    assert (mapped.code.code, mapped.data) == (code, data)


def test_labels_are_made_from_project_names() -> None:
    assert slug("Acme Support (EU)!") == "acme-support-eu"
    assert slug("  ...  ") == ""
    assert free_label("acme", {"acme", "acme-2"}) == "acme-3"
    assert free_label("x" * 40, {"x" * 40}) == "x" * 38 + "-2"


# -- the fan-out of events to sessions ----------------------------------------------

class FakeClient:
    """What the fan-out uses of a SupportClient: events, states and their listeners."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[ProjectEvent | None] = asyncio.Queue()
        self.listeners: list[Callable[[ProjectState], None]] = []

    async def events(self) -> AsyncIterator[ProjectEvent]:
        while (item := await self.queue.get()) is not None:
            yield item
            self.queue.task_done()  # the reader came back for more: this one is handled

    def projects(self) -> list[ProjectState]:
        return [ProjectState(label="acme", server="http://127.0.0.1:1"),
                ProjectState(label="globex", server="http://127.0.0.1:2")]

    def on_state_change(self, callback: Callable[[ProjectState], None]
                        ) -> Callable[[], None]:
        self.listeners.append(callback)
        return lambda: self.listeners.remove(callback)


def event(seq: int, kind: EventKind = EventKind.TICKET_CREATED) -> EventView:
    """A server event."""
    return EventView(seq=seq, kind=kind, ticket_id=seq, data={"n": seq},
                     occurred_at=datetime(2025, 1, 1, tzinfo=UTC))


async def settle(fake: FakeClient) -> None:
    """Let the fan-out hand out everything queued."""
    await asyncio.wait_for(fake.queue.join(), 5)


async def test_fanout_filters_replays_and_stops() -> None:
    fake = FakeClient()
    sent: dict[str, list[dict[str, Any]]] = {"a": [], "b": []}
    async with EventFanout(fake, depth=3) as fanout:  # type: ignore[arg-type]
        a = fanout.session(lambda b: sent["a"].append(json.loads(b)))
        b = fanout.session(lambda b: sent["b"].append(json.loads(b)))
        everything = a.subscribe(service_wire.SubscribeParams())
        assert (everything.replayed, [s.label for s in everything.states]) == (
            [], ["acme", "globex"])
        b.subscribe(service_wire.SubscribeParams(projects=["globex"], states=False,
                                                 kinds=[EventKind.MESSAGE_CREATED]))
        for label, seq, kind in [("acme", 1, EventKind.TICKET_CREATED),
                                 ("globex", 2, EventKind.TICKET_CREATED),
                                 ("globex", 3, EventKind.MESSAGE_CREATED),
                                 ("acme", 4, EventKind.MESSAGE_CREATED)]:
            fake.queue.put_nowait(ProjectEvent(label, event(seq, kind)))
        await settle(fake)
        assert [(m["params"]["cursor"], m["params"]["project"]) for m in sent["a"]] == [
            (1, "acme"), (2, "globex"), (3, "globex"), (4, "acme")]
        assert [m["params"]["event"]["seq"] for m in sent["b"]] == [3]

        fake.listeners[0](ProjectState(label="globex", server="http://127.0.0.1:2"))
        assert [m["method"] for m in sent["a"]][-1] == "client.state"
        assert len(sent["b"]) == 1  # b did not ask for states

        # A reconnecting reader replays what the service still holds (the last 3).
        late = fanout.session(lambda _b: None).subscribe(
            service_wire.SubscribeParams(since=1, epoch=fanout.epoch))
        assert [i.cursor for i in late.replayed] == [2, 3, 4]
        restarted = fanout.session(lambda _b: None).subscribe(
            service_wire.SubscribeParams(since=3, epoch="another run"))
        assert [i.cursor for i in restarted.replayed] == [2, 3, 4]

        a.close()
        assert b.unsubscribe("s1") is True
        fake.queue.put_nowait(ProjectEvent("globex", event(5, EventKind.MESSAGE_CREATED)))
        await settle(fake)
        assert len(sent["a"]) == 5
        assert len(sent["b"]) == 1
    assert fake.listeners == []


def test_the_socket_lives_in_the_users_runtime_directory(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert default_socket_path() == tmp_path / "hero_assistance" / "client.sock"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    fallback = default_socket_path()  # platformdirs' fallback, without its warning
    assert (fallback.parent.name, fallback.name) == ("hero_assistance", "client.sock")


@pytest.mark.parametrize(("code", "exit_code"), [
    (-32001, 4), (-32002, 4), (-32008, 4), (-32010, 5), (-32602, 2), (-32003, 1),
    (-32004, 1), (-32005, 1), (-32603, 1), (-32011, 1),
])
def test_exit_codes_follow_the_error_codes(code: int, exit_code: int) -> None:
    assert exit_code_for(code) == exit_code
