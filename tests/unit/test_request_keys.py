"""Request keys on every write (issue 13, D-18), through the server's own registry.

The registry is the one the server builds, over the in-memory store: a repeat with the
same key and params gets the first result and writes nothing, another write under a
used key is refused with -32012, keys are per user, bounded in form, kept 24 h and
purged in bounded batches, and copies of one call that arrive together write once.
"""

from __future__ import annotations

import asyncio
import json
import string
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hero_assistance.adapters.http.access import MethodGate
from hero_assistance.adapters.jsonrpc import MethodRegistry
from hero_assistance.adapters.live import EventHub
from hero_assistance.adapters.support_rpc import (
    RequestContext,
    ServerInfo,
    ServerServices,
    build_admin_registry,
    build_server_registry,
)
from hero_assistance.domain.ports import Repositories, Storage
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.request_keys import KEEP_KEYS, RequestKey
from hero_assistance.domain.services import KeyedStorage, KeyedWrites
from tests.openrpc_meta import meta_schema_errors
from tests.unit.conftest import Cast, Harness, Person

pytestmark = pytest.mark.anyio
T = TypeVar("T")

KEY = "0123456789abcdef-key"
INFO = ServerInfo(version="1", overlay="loopback")


def services_of(harness: Harness) -> ServerServices:
    return ServerServices(
        accounts=harness.accounts, project=harness.project, devices=harness.devices,
        tickets=harness.desk, conversation=harness.talk, attachments=harness.library,
        presence=harness.presence, feed=harness.feed,
        hub=EventHub(lambda: ProjectSettings(name="x")), teams=harness.teams,
        reads=harness.reads, queues=harness.queues, canned=harness.canned,
        directory=harness.directory, service_levels=harness.service_levels)


def registry_of(harness: Harness, keyed: KeyedWrites | None = None
                ) -> MethodRegistry[RequestContext]:
    gate = MethodGate(harness.clock)
    return build_server_registry(services_of(harness), INFO, authorize=gate,
                                 meter=gate.meter, keyed=keyed or harness.keyed)


class Caller:
    """One person's calls through the registry; answers as decoded JSON."""

    def __init__(self, registry: MethodRegistry[RequestContext], person: Person) -> None:
        self._registry = registry
        self._ctx = RequestContext(caller=person.caller)

    async def raw(self, method: str, params: Any) -> bytes:
        body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
        answer = await self._registry.handle(self._ctx, body.encode())
        assert answer is not None
        return answer

    async def answer(self, method: str, params: Any) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(await self.raw(method, params))
        return decoded

    async def result(self, method: str, params: Any) -> Any:
        answer = await self.answer(method, params)
        assert "result" in answer, answer
        return answer["result"]

    async def error(self, method: str, params: Any) -> dict[str, Any]:
        answer = await self.answer(method, params)
        assert "error" in answer, answer
        error: dict[str, Any] = answer["error"]
        return error


@pytest.fixture
def registry(harness: Harness) -> MethodRegistry[RequestContext]:
    return registry_of(harness)


async def count(harness: Harness, what: Callable[[Repositories], int]) -> int:
    return await harness.read(what)


def tickets(repos: Repositories) -> int:
    return len(repos.tickets.query(_all_tickets()).items)


def _all_tickets() -> Any:
    from hero_assistance.domain.listing import TicketQuery  # noqa: PLC0415

    return TicketQuery(limit=200)


async def messages_on(harness: Harness, ticket_id: int) -> list[str]:
    found = await harness.read(
        lambda r: r.messages.for_ticket(ticket_id, include_internal=True, limit=500))
    return [m.body for m in found]


# -- the document ------------------------------------------------------------------------


def test_every_write_and_only_writes_take_a_request_key(harness: Harness) -> None:
    document = registry_of(harness).openrpc_document()
    assert meta_schema_errors(document) == []
    writes = set()
    for method in document["methods"]:
        names = {p["name"]: p for p in method["params"]}
        is_write = {"name": "writes"} in method["tags"]
        if is_write:
            writes.add(method["name"])
            param = names["request_key"]
            assert param["required"] is False
            assert param["schema"]["minLength"] == 16
            assert param["schema"]["maxLength"] == 64
            assert "request_key" in method["description"]
            assert {"$ref": "#/components/errors/RequestKeyReused"} in method["errors"]
        else:
            assert "request_key" not in names, method["name"]
    # Every state change a bound caller makes. Not here, by design (D-18): the presence
    # heartbeat (the last one wins anyway), auth.* (unbound devices have no user to own
    # a key) and the upload (POST /attachments: the same bytes are the same attachment).
    assert writes == {
        "ticket.create", "ticket.update", "ticket.mark_read", "ticket.mark_unread",
        "ticket.bulk_update", "message.post", "message.edit", "team.create", "team.update",
        "team.delete", "canned.create", "canned.update", "canned.delete", "project.update",
        "device.rename", "device.revoke", "user.enroll", "user.update",
        "sla.set_calendar", "sla.set_policy",
    }
    assert document["components"]["errors"]["RequestKeyReused"]["code"] == -32012


def test_the_admin_socket_writes_take_keys_too(harness: Harness) -> None:
    gate = MethodGate(harness.clock)
    document = build_admin_registry(services_of(harness), INFO, authorize=gate,
                                    meter=gate.meter, keyed=harness.keyed).openrpc_document()
    writes = [m for m in document["methods"] if {"name": "writes"} in m["tags"]]
    assert writes
    assert all(any(p["name"] == "request_key" for p in m["params"]) for m in writes)


# -- a repeat is answered, not redone ---------------------------------------------------


async def test_a_repeated_ticket_create_returns_the_first_result_and_writes_nothing(
    harness: Harness, cast: Cast, registry: MethodRegistry[RequestContext],
) -> None:
    alice = Caller(registry, cast.a)
    params = {"subject": "Printer on fire", "body": "smoke", "request_key": KEY}
    first = await alice.raw("ticket.create", params)
    events = len(harness.publisher.published)
    harness.tick(5)  # a second write would carry a later time

    again = await alice.raw("ticket.create", params)

    assert again == first
    assert await count(harness, tickets) == 1
    assert len(harness.publisher.published) == events  # no second event
    assert len(await harness.events()) == events


async def test_a_repeated_post_and_edit_are_answered_from_their_keys(
    harness: Harness, cast: Cast, registry: MethodRegistry[RequestContext],
) -> None:
    alice = Caller(registry, cast.a)
    ticket = await alice.result("ticket.create", {"subject": "Printer"})
    post = {"ticket_id": ticket["id"], "body": "still smoking", "request_key": KEY}
    first = await alice.result("message.post", post)
    assert await alice.result("message.post", post) == first
    assert await messages_on(harness, ticket["id"]) == ["still smoking"]

    edit = {"message_id": first["id"], "body": "on fire now", "request_key": KEY + "-edit"}
    edited = await alice.result("message.edit", edit)
    # Meanwhile the text changed again: the repeat still gets the first edit's result.
    await alice.result("message.edit", {"message_id": first["id"], "body": "out"})
    assert await alice.result("message.edit", edit) == edited
    revisions = await harness.read(lambda r: r.messages.revisions(first["id"]))
    assert [r.body for r in revisions] == ["still smoking", "on fire now"]


async def test_workspace_and_admin_writes_are_keyed_by_the_same_mechanism(
    harness: Harness, cast: Cast, registry: MethodRegistry[RequestContext],
) -> None:
    alice, agent = Caller(registry, cast.a), Caller(registry, cast.agent)
    admin = Caller(registry, cast.admin)
    ticket = await alice.result("ticket.create", {"subject": "Printer"})
    calls: list[tuple[Caller, str, dict[str, Any]]] = [
        (agent, "ticket.update", {"ticket_id": ticket["id"], "priority": "high"}),
        (agent, "ticket.bulk_update", {"ticket_ids": [ticket["id"]], "add_tags": ["hw"]}),
        (admin, "team.create", {"name": "Printers", "members": [cast.agent.id]}),
        (agent, "canned.create", {"title": "Hello", "body": "Hi {{customer.name}}"}),
        (agent, "ticket.mark_unread", {"ticket_id": ticket["id"]}),
    ]
    for n, (who, method, params) in enumerate(calls):
        keyed = {**params, "request_key": f"{KEY}-{n:02d}"}
        first = await who.result(method, keyed)
        history = len(await harness.read(lambda r: r.tickets.history(ticket["id"])))
        events = len(harness.publisher.published)
        assert await who.result(method, keyed) == first, method
        assert len(await harness.read(lambda r: r.tickets.history(ticket["id"]))) == history
        assert len(harness.publisher.published) == events, method
    teams = await harness.read(lambda r: r.teams.all())
    assert [t.name for t in teams] == ["Printers"]
    assert len(await harness.read(lambda r: r.canned.visible_to(cast.agent.id, limit=50))) == 1


async def test_the_same_key_with_other_params_is_refused_and_changes_nothing(
    harness: Harness, cast: Cast, registry: MethodRegistry[RequestContext],
) -> None:
    alice = Caller(registry, cast.a)
    await alice.result("ticket.create", {"subject": "Printer", "request_key": KEY})

    other = await alice.error("ticket.create", {"subject": "Scanner", "request_key": KEY})
    assert other["code"] == -32012
    assert other["data"] == {"reason": "other_params"}
    # Another method under the same key is another write too.
    ticket_id = 1
    other = await alice.error("message.post", {"ticket_id": ticket_id, "body": "x",
                                               "request_key": KEY})
    assert other["data"] == {"reason": "other_params"}
    assert await count(harness, tickets) == 1
    assert await messages_on(harness, ticket_id) == []


async def test_params_in_another_order_or_by_position_are_the_same_write(
    harness: Harness, cast: Cast, registry: MethodRegistry[RequestContext],
) -> None:
    alice = Caller(registry, cast.a)
    first = await alice.result("ticket.create",
                               {"subject": "Printer", "body": "b", "request_key": KEY})
    assert await alice.result("ticket.create",
                              {"request_key": KEY, "body": "b", "subject": "Printer"}) == first
    assert await alice.result(
        "ticket.create", ["Printer", "b", "normal", [], None, KEY]) == first
    assert await count(harness, tickets) == 1


async def test_the_same_key_from_another_user_is_another_write(
    harness: Harness, cast: Cast, registry: MethodRegistry[RequestContext],
) -> None:
    params = {"subject": "Printer", "request_key": KEY}
    mine = await Caller(registry, cast.a).result("ticket.create", params)
    theirs = await Caller(registry, cast.b).result("ticket.create", params)
    assert mine["id"] != theirs["id"]
    assert theirs["requester_id"] == cast.b.id
    assert await count(harness, tickets) == 2


async def test_two_devices_of_one_user_share_the_users_keys(
    harness: Harness, cast: Cast, registry: MethodRegistry[RequestContext],
) -> None:
    phone = await harness.second_device(cast.a)
    params = {"subject": "Printer", "request_key": KEY}
    first = await Caller(registry, cast.a).raw("ticket.create", params)
    again = await Caller(registry, Person(cast.a.user, phone)).raw("ticket.create", params)
    assert again == first
    assert await count(harness, tickets) == 1


async def test_a_write_that_failed_stores_nothing_so_a_corrected_retry_keeps_its_key(
    harness: Harness, cast: Cast, registry: MethodRegistry[RequestContext],
) -> None:
    alice = Caller(registry, cast.a)
    ticket = await alice.result("ticket.create", {"subject": "Printer"})
    # Refused before its unit of work (empty body) and inside it (unknown parent).
    empty = await alice.error("message.post", {"ticket_id": ticket["id"], "body": "  ",
                                               "request_key": KEY})
    assert empty["code"] == -32602
    orphan = await alice.error("message.post", {"ticket_id": ticket["id"], "body": "x",
                                                "parent_id": 999, "request_key": KEY})
    assert orphan["code"] == -32003
    assert await harness.read(lambda r: r.request_keys.get(cast.a.id, KEY)) is None

    fixed = await alice.result("message.post", {"ticket_id": ticket["id"], "body": "fixed",
                                                "request_key": KEY})
    assert fixed["body"] == "fixed"
    assert await messages_on(harness, ticket["id"]) == ["fixed"]


async def test_a_write_whose_result_was_lost_is_never_done_again(
    harness: Harness, cast: Cast, registry: MethodRegistry[RequestContext],
) -> None:
    alice = Caller(registry, cast.a)
    params = {"subject": "Printer", "request_key": KEY}
    await alice.result("ticket.create", params)
    # As a server stopped between the write's commit and recording its result leaves it.
    found = await harness.read(lambda r: r.request_keys.get(cast.a.id, KEY))
    assert found is not None
    await harness.storage.write(lambda r: r.request_keys.purge_before(
        found.created_at + timedelta(seconds=1), limit=10))
    await harness.storage.write(lambda r: r.request_keys.add(
        RequestKey(user_id=found.user_id, key=found.key, method=found.method,
                   digest=found.digest, created_at=found.created_at)))

    lost = await alice.error("ticket.create", params)
    assert lost["code"] == -32012
    assert lost["data"] == {"reason": "result_lost"}
    assert await count(harness, tickets) == 1


# -- the key's form ----------------------------------------------------------------------

KEY_CHARS = string.ascii_letters + string.digits + "-_.~"


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(key=st.text(alphabet=KEY_CHARS, min_size=16, max_size=64))
async def test_any_key_of_the_documented_form_is_accepted(
    harness: Harness, cast: Cast, key: str,
) -> None:
    alice = Caller(registry_of(harness), cast.a)
    params = {"subject": "Printer", "request_key": key}
    first = await alice.raw("ticket.create", params)
    assert b'"result"' in first
    assert await alice.raw("ticket.create", params) == first


def _bad_key() -> st.SearchStrategy[Any]:
    short = st.text(alphabet=KEY_CHARS, max_size=15)
    long = st.text(alphabet=KEY_CHARS, min_size=65, max_size=300)
    foreign = st.tuples(st.text(alphabet=KEY_CHARS, min_size=15, max_size=40),
                        st.characters(exclude_characters=KEY_CHARS),
                        st.text(alphabet=KEY_CHARS, max_size=20)).map("".join)
    other_types = st.one_of(st.integers(), st.none(), st.booleans(),
                            st.lists(st.integers(), max_size=3))
    newline = st.just("a" * 20 + "\n")
    return st.one_of(short, long, foreign, other_types, newline)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(key=_bad_key())
async def test_a_key_out_of_form_is_refused_by_name_and_nothing_is_written(
    harness: Harness, cast: Cast, key: Any,
) -> None:
    alice = Caller(registry_of(harness), cast.a)
    before = await count(harness, tickets)
    error = await alice.error("ticket.create", {"subject": "Printer", "request_key": key})
    assert error["code"] == -32602
    assert "request_key" in json.dumps(error)
    assert await count(harness, tickets) == before


# -- copies arriving together ------------------------------------------------------------


class YieldingStorage:
    """The memory store, but every unit of work waits a moment first: copies of one call
    then interleave the way they do over the group-commit writer."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def read(self, work: Callable[[Repositories], T]) -> T:
        await asyncio.sleep(0)
        return await self._storage.read(work)

    async def write(self, work: Callable[[Repositories], T]) -> T:
        await asyncio.sleep(0.001)
        return await self._storage.write(work)


async def test_copies_of_one_call_at_once_write_once_and_all_get_its_result(
    harness: Harness, cast: Cast,
) -> None:
    from hero_assistance.domain.services import Conversation, TicketDesk  # noqa: PLC0415

    slow = YieldingStorage(harness.storage)
    keyed = KeyedStorage(slow, harness.clock)
    harness.desk = TicketDesk(keyed, harness.clock, harness.publisher)
    harness.talk = Conversation(keyed, harness.clock, harness.publisher)
    registry = registry_of(harness, KeyedWrites(slow, harness.clock))
    alice = Caller(registry, cast.a)
    params = {"subject": "Printer", "request_key": KEY}

    answers = await asyncio.gather(*(alice.raw("ticket.create", params) for _ in range(12)))

    assert len(set(answers)) == 1
    assert b'"result"' in answers[0]
    assert await count(harness, tickets) == 1

    # Copies with different params under one key: one write, the rest refused.
    clashing = await asyncio.gather(*(
        alice.answer("ticket.create", {"subject": f"Scanner {n}", "request_key": KEY * 2})
        for n in range(6)))
    assert sum("result" in a for a in clashing) == 1
    assert all(a["error"]["data"] == {"reason": "other_params"}
               for a in clashing if "error" in a)
    assert await count(harness, tickets) == 2


# -- keys are kept 24 h, then purged in bounded batches ------------------------------


async def test_keys_are_kept_a_day_then_forgotten_in_bounded_batches(
    harness: Harness, cast: Cast, registry: MethodRegistry[RequestContext],
) -> None:
    alice = Caller(registry, cast.a)
    for n in range(7):
        await alice.result("ticket.create", {"subject": f"T{n}", "request_key": f"{KEY}{n}"})
    harness.clock.advance(KEEP_KEYS - timedelta(seconds=1))
    assert await harness.keyed.forget_expired(batch=3) == 0
    assert await alice.result("ticket.create", {"subject": "T0", "request_key": f"{KEY}0"})
    assert await count(harness, tickets) == 7

    writes: list[int] = []

    class CountingStorage(YieldingStorage):
        async def write(self, work: Callable[[Repositories], T]) -> T:
            result = await super().write(work)
            writes.append(result if isinstance(result, int) else -1)
            return result

    harness.clock.advance(timedelta(seconds=2))
    purger = KeyedWrites(CountingStorage(harness.storage), harness.clock)
    assert await purger.forget_expired(batch=3) == 7
    assert writes == [3, 3, 1]  # each unit of work bounded by the batch

    # A key forgotten names a new write again.
    again = await alice.result("ticket.create", {"subject": "T0", "request_key": f"{KEY}0"})
    assert again["id"] == 8
