"""TicketDesk: filing, the status machine, history, validation and atomic writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hero_assistance.domain.errors import (
    DeviceNotBound,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    TooLarge,
)
from hero_assistance.domain.events import EventKind
from hero_assistance.domain.listing import TicketQuery
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.tickets import (
    ALLOWED_MOVES,
    MAX_BODY_LENGTH,
    MAX_TAGS,
    Priority,
    Ticket,
    TicketChange,
    TicketStatus,
)

from .conftest import Cast, Harness, Person

pytestmark = pytest.mark.anyio

S = TicketStatus


async def _move_to(h: Harness, staff: Person, ticket: Ticket, status: TicketStatus) -> Ticket:
    """Walk a new ticket to ``status`` along allowed moves."""
    path = {S.NEW: [], S.OPEN: [S.OPEN], S.PENDING: [S.PENDING], S.RESOLVED: [S.RESOLVED],
            S.CLOSED: [S.CLOSED]}[status]
    for step in path:
        ticket = await h.desk.update(staff.caller, ticket.id, status=step)
    assert ticket.status is status
    return ticket


async def _snapshot(h: Harness) -> tuple[object, ...]:
    """Everything a ticket write could touch: tickets, their history, the event log."""

    def grab(repos: Repositories) -> tuple[object, ...]:
        tickets = repos.tickets.query(TicketQuery(limit=200)).items
        return (
            tickets,
            [repos.tickets.history(t.id) for t in tickets],
            repos.events.last_seq(),
        )

    return await h.read(grab)


# -- filing ------------------------------------------------------------------------------


async def test_a_customer_files_a_new_ticket_for_themselves(harness: Harness) -> None:
    alice = await harness.customer()
    ticket = await harness.desk.create(
        alice.caller, subject="  VPN   drops ", body=" every hour \n", priority=Priority.HIGH,
        tags=["VPN", "network", "vpn"],
    )
    assert ticket.subject == "VPN drops"
    assert ticket.body == "every hour"
    assert ticket.status is S.NEW
    assert ticket.priority is Priority.HIGH
    assert ticket.tags == ("network", "vpn")
    assert ticket.requester_id == alice.id
    assert ticket.assignee_id is None
    assert ticket.created_at == ticket.updated_at == harness.clock.now()
    assert await harness.desk.get(alice.caller, ticket.id) == ticket
    [created] = await harness.desk.history(alice.caller, ticket.id)
    assert created == TicketChange(ticket_id=ticket.id, actor_id=alice.id,
                                   at=harness.clock.now(), field="created", old=None,
                                   new="new")
    [event] = harness.published()
    assert event.kind is EventKind.TICKET_CREATED
    assert event.ticket_id == ticket.id
    assert event.requester_id == alice.id
    assert not event.internal
    assert event.data["ticket"]["subject"] == "VPN drops"  # type: ignore[index]


async def test_staff_file_on_behalf_of_a_customer_customers_cannot(cast: Cast,
                                                                   harness: Harness) -> None:
    ticket = await harness.desk.create(cast.agent.caller, subject="Called in",
                                       requester_id=cast.a.id)
    assert ticket.requester_id == cast.a.id
    assert (await harness.desk.get(cast.a.caller, ticket.id)).id == ticket.id
    [created] = await harness.desk.history(cast.a.caller, ticket.id)
    assert created.actor_id == cast.agent.id  # who filed it, not for whom
    with pytest.raises(Forbidden, match="for themselves"):
        await harness.desk.create(cast.a.caller, subject="Impersonation",
                                  requester_id=cast.b.id)
    own = await harness.desk.create(cast.a.caller, subject="Mine", requester_id=cast.a.id)
    assert own.requester_id == cast.a.id


async def test_tickets_cannot_be_filed_for_unknown_or_disabled_users(cast: Cast,
                                                                     harness: Harness) -> None:
    with pytest.raises(InvalidInput) as unknown:
        await harness.desk.create(cast.agent.caller, subject="x", requester_id=999)
    assert unknown.value.field == "requester_id"
    await harness.accounts.update_user(cast.admin.caller, cast.b.id, disabled=True)
    with pytest.raises(InvalidInput) as disabled:
        await harness.desk.create(cast.agent.caller, subject="x", requester_id=cast.b.id)
    assert disabled.value.field == "requester_id"
    assert await harness.events() == []


@pytest.mark.parametrize(("kwargs", "error", "field"), [
    ({"subject": ""}, InvalidInput, "subject"),
    ({"subject": "   \n "}, InvalidInput, "subject"),
    ({"subject": "x" * 201}, InvalidInput, "subject"),
    ({"subject": "ok", "body": "x" * (MAX_BODY_LENGTH + 1)}, TooLarge, "body"),
    ({"subject": "ok", "body": "nul\x00"}, InvalidInput, "body"),
    ({"subject": "ok", "tags": [f"t{i}" for i in range(MAX_TAGS + 1)]}, InvalidInput, "tags"),
    ({"subject": "ok", "tags": ["no spaces"]}, InvalidInput, "tags"),
])
async def test_bad_input_on_create_names_the_field_and_writes_nothing(
    harness: Harness, kwargs: dict[str, object], error: type[InvalidInput], field: str
) -> None:
    alice = await harness.customer()
    before = await _snapshot(harness)
    with pytest.raises(error) as refused:
        await harness.desk.create(alice.caller, **kwargs)  # type: ignore[arg-type]
    assert type(refused.value) is error
    assert refused.value.field == field
    assert await _snapshot(harness) == before
    assert harness.published() == []


async def test_an_unbound_device_cannot_touch_tickets(cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    stranger = cast.unbound
    for call in (
        harness.desk.create(stranger, subject="hi"),
        harness.desk.get(stranger, ticket.id),
        harness.desk.list_tickets(stranger),
        harness.desk.update(stranger, ticket.id, status=S.CLOSED),
        harness.desk.history(stranger, ticket.id),
    ):
        with pytest.raises(DeviceNotBound, match=stranger.device_addr):
            await call
    assert (await harness.desk.get(cast.a.caller, ticket.id)).status is S.NEW


# -- the status machine ------------------------------------------------------------------

EVERY_MOVE = [(a, b) for a in S for b in S if a is not b and b is not S.NEW]


@pytest.mark.parametrize(("current", "target"), EVERY_MOVE)
async def test_staff_moves_follow_the_machine(harness: Harness, current: TicketStatus,
                                              target: TicketStatus) -> None:
    agent = await harness.agent()
    customer = await harness.customer()
    ticket = await _move_to(harness, agent, await harness.ticket(customer), current)
    harness.tick(60)
    seq = harness.publisher.published[-1].seq
    if target in ALLOWED_MOVES[current]:
        moved = await harness.desk.update(agent.caller, ticket.id, status=target)
        assert moved.status is target
        assert moved.updated_at == harness.clock.now()
        last = (await harness.desk.history(agent.caller, ticket.id))[-1]
        assert (last.field, last.old, last.new, last.actor_id, last.at) == (
            "status", current.value, target.value, agent.id, harness.clock.now())
        assert harness.publisher.published[-1].kind is EventKind.TICKET_UPDATED
        return
    with pytest.raises(IllegalTransition) as refused:
        await harness.desk.update(agent.caller, ticket.id, status=target)
    assert f"a {current.value} ticket cannot become {target.value}" in refused.value.message
    assert "allowed:" in refused.value.message
    assert (await harness.desk.get(agent.caller, ticket.id)) == ticket
    assert harness.publisher.published[-1].seq == seq


@pytest.mark.parametrize("current", list(S))
async def test_nothing_goes_back_to_new(harness: Harness, current: TicketStatus) -> None:
    agent = await harness.agent()
    ticket = await _move_to(harness, agent, await harness.ticket(agent), current)
    if current is S.NEW:
        # Same status: a no-op, not a move.
        assert await harness.desk.update(agent.caller, ticket.id, status=S.NEW) == ticket
        return
    with pytest.raises(IllegalTransition, match="cannot become new"):
        await harness.desk.update(agent.caller, ticket.id, status=S.NEW)


@pytest.mark.parametrize("current", list(S))
async def test_customers_close_their_own_ticket_from_any_live_status(
    harness: Harness, current: TicketStatus
) -> None:
    agent = await harness.agent()
    alice = await harness.customer()
    ticket = await _move_to(harness, agent, await harness.ticket(alice), current)
    if current is S.CLOSED:
        return
    closed = await harness.desk.update(alice.caller, ticket.id, status=S.CLOSED)
    assert closed.status is S.CLOSED
    change = (await harness.desk.history(alice.caller, ticket.id))[-1]
    assert (change.actor_id, change.old, change.new) == (alice.id, current.value, "closed")


@pytest.mark.parametrize("current", [S.RESOLVED, S.CLOSED])
async def test_customers_reopen_their_resolved_or_closed_ticket(harness: Harness,
                                                                current: TicketStatus) -> None:
    agent = await harness.agent()
    alice = await harness.customer()
    ticket = await _move_to(harness, agent, await harness.ticket(alice), current)
    reopened = await harness.desk.update(alice.caller, ticket.id, status=S.OPEN)
    assert reopened.status is S.OPEN


@pytest.mark.parametrize(("current", "target"), [
    (S.NEW, S.OPEN), (S.NEW, S.PENDING), (S.NEW, S.RESOLVED), (S.OPEN, S.PENDING),
    (S.OPEN, S.RESOLVED), (S.PENDING, S.OPEN), (S.PENDING, S.RESOLVED),
])
async def test_customers_may_not_work_their_tickets(harness: Harness, current: TicketStatus,
                                                    target: TicketStatus) -> None:
    agent = await harness.agent()
    alice = await harness.customer()
    ticket = await _move_to(harness, agent, await harness.ticket(alice), current)
    with pytest.raises(Forbidden, match="only close or reopen"):
        await harness.desk.update(alice.caller, ticket.id, status=target)
    assert (await harness.desk.get(alice.caller, ticket.id)).status is current


async def test_customers_may_not_change_other_fields_even_of_their_own_ticket(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    for change in ({"priority": Priority.URGENT}, {"tags": ["vip"]}, {"subject": "Renamed"},
                   {"assignee_id": cast.agent.id},
                   {"status": S.CLOSED, "priority": Priority.LOW}):
        with pytest.raises(Forbidden):
            await harness.desk.update(cast.a.caller, ticket.id, **change)  # type: ignore[arg-type]
    assert await harness.desk.get(cast.a.caller, ticket.id) == ticket
    assert len(await harness.desk.history(cast.a.caller, ticket.id)) == 1


async def test_customers_cannot_learn_about_users_through_the_assignee_field(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    # Whether the user exists, is staff or not: a customer hears only "forbidden",
    # never a user's name or existence.
    for someone in (cast.b.id, cast.agent.id, 999):
        with pytest.raises(Forbidden) as refused:
            await harness.desk.update(cast.a.caller, ticket.id, assignee_id=someone)
        assert "Bob" not in refused.value.message


async def test_when_customers_see_all_tickets_they_still_only_close_their_own(
    cast: Cast, harness: Harness
) -> None:
    await harness.see_all()
    bobs = await harness.ticket(cast.b)
    assert (await harness.desk.get(cast.a.caller, bobs.id)).id == bobs.id
    with pytest.raises(Forbidden):
        await harness.desk.update(cast.a.caller, bobs.id, status=S.CLOSED)
    resolved = await harness.desk.update(cast.agent.caller, bobs.id, status=S.RESOLVED)
    with pytest.raises(Forbidden):
        await harness.desk.update(cast.a.caller, resolved.id, status=S.OPEN)
    assert (await harness.desk.get(cast.b.caller, bobs.id)).status is S.RESOLVED


# -- history, no-ops, assignee, tags ------------------------------------------------------


async def test_every_changed_field_is_in_the_history_with_who_old_new_and_when(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a, tags=["printer"])
    harness.tick(300)
    when = harness.clock.now()
    updated = await harness.desk.update(
        cast.agent.caller, ticket.id, status=S.OPEN, priority=Priority.URGENT,
        assignee_id=cast.agent.id, tags=["Printer", "fire"], subject="Printer is on fire",
    )
    assert updated.updated_at == when
    assert updated.created_at == ticket.created_at
    history = await harness.desk.history(cast.a.caller, ticket.id)
    assert history[0].field == "created"
    changes = {c.field: c for c in history[1:]}
    assert set(changes) == {"status", "priority", "assignee_id", "tags", "subject"}
    assert all(c.actor_id == cast.agent.id and c.at == when for c in changes.values())
    assert (changes["status"].old, changes["status"].new) == ("new", "open")
    assert (changes["priority"].old, changes["priority"].new) == ("normal", "urgent")
    assert (changes["assignee_id"].old, changes["assignee_id"].new) == (
        None, str(cast.agent.id))
    assert (changes["tags"].old, changes["tags"].new) == ("printer", "fire,printer")
    assert (changes["subject"].old, changes["subject"].new) == (
        "Printer on fire", "Printer is on fire")
    event = harness.publisher.published[-1]
    assert event.kind is EventKind.TICKET_UPDATED
    assert event.data["changed"] == ["assignee_id", "priority", "status", "subject", "tags"]
    assert event.occurred_at == when

    harness.tick(60)
    cleared = await harness.desk.update(cast.agent.caller, ticket.id, assignee_id=None)
    assert cleared.assignee_id is None
    last = (await harness.desk.history(cast.agent.caller, ticket.id))[-1]
    assert (last.field, last.old, last.new) == ("assignee_id", str(cast.agent.id), None)


async def test_only_fields_that_really_change_are_recorded(cast: Cast,
                                                           harness: Harness) -> None:
    ticket = await harness.ticket(cast.a, priority=Priority.HIGH, tags=["a", "b"])
    await harness.desk.update(cast.agent.caller, ticket.id, priority=Priority.HIGH,
                              tags=["B", "a", "a"], subject=" Printer  on fire ",
                              status=S.OPEN)
    fields = [c.field for c in await harness.desk.history(cast.agent.caller, ticket.id)]
    assert fields == ["created", "status"]


async def test_a_no_op_update_changes_nothing_and_emits_no_event(cast: Cast,
                                                                 harness: Harness) -> None:
    ticket = await harness.ticket(cast.a, tags=["x"])
    harness.tick(60)
    before = await _snapshot(harness)
    published = len(harness.publisher.published)
    same = await harness.desk.update(cast.agent.caller, ticket.id, status=S.NEW,
                                     priority=Priority.NORMAL, tags=["X"],
                                     subject="Printer on fire", assignee_id=None)
    assert same == ticket
    assert same.updated_at == ticket.updated_at
    assert await harness.desk.update(cast.agent.caller, ticket.id) == ticket
    # A customer's no-op is not refused either: nothing was asked to change.
    assert await harness.desk.update(cast.a.caller, ticket.id, status=S.NEW) == ticket
    assert await _snapshot(harness) == before
    assert len(harness.publisher.published) == published


async def test_the_assignee_must_be_an_enabled_agent_or_admin(cast: Cast,
                                                              harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    to_admin = await harness.desk.update(cast.agent.caller, ticket.id,
                                         assignee_id=cast.admin.id)
    assert to_admin.assignee_id == cast.admin.id
    with pytest.raises(InvalidInput) as customer:
        await harness.desk.update(cast.agent.caller, ticket.id, assignee_id=cast.b.id)
    assert customer.value.field == "assignee_id"
    assert "not an active agent" in customer.value.problem
    with pytest.raises(NotFound, match="user 999"):
        await harness.desk.update(cast.agent.caller, ticket.id, assignee_id=999)
    other = await harness.agent(name="Otto")
    await harness.accounts.update_user(cast.admin.caller, other.id, disabled=True)
    with pytest.raises(InvalidInput) as disabled:
        await harness.desk.update(cast.agent.caller, ticket.id, assignee_id=other.id)
    assert disabled.value.field == "assignee_id"
    assert (await harness.desk.get(cast.agent.caller, ticket.id)).assignee_id == cast.admin.id


async def test_a_failing_update_leaves_no_half_written_change(cast: Cast,
                                                              harness: Harness) -> None:
    ticket = await _move_to(harness, cast.agent, await harness.ticket(cast.a), S.CLOSED)
    before = await _snapshot(harness)
    published = len(harness.publisher.published)
    # The reopen and the priority are fine; the assignee is not: nothing may stick.
    with pytest.raises(InvalidInput):
        await harness.desk.update(cast.agent.caller, ticket.id, status=S.OPEN,
                                  priority=Priority.URGENT, assignee_id=cast.b.id)
    # The priority and the tags are fine; the move is not.
    with pytest.raises(IllegalTransition):
        await harness.desk.update(cast.agent.caller, ticket.id, priority=Priority.URGENT,
                                  tags=["x"], status=S.PENDING)
    assert await _snapshot(harness) == before
    assert len(harness.publisher.published) == published


@pytest.mark.parametrize(("kwargs", "error", "field"), [
    ({"subject": ""}, InvalidInput, "subject"),
    ({"subject": "x" * 201}, InvalidInput, "subject"),
    ({"tags": ["ok", "not ok"]}, InvalidInput, "tags"),
    ({"tags": [f"t{i}" for i in range(MAX_TAGS + 1)]}, InvalidInput, "tags"),
])
async def test_bad_input_on_update_names_the_field_and_writes_nothing(
    cast: Cast, harness: Harness, kwargs: dict[str, object], error: type[InvalidInput],
    field: str
) -> None:
    ticket = await harness.ticket(cast.a)
    before = await _snapshot(harness)
    with pytest.raises(error) as refused:
        await harness.desk.update(cast.agent.caller, ticket.id, status=S.OPEN,
                                  **kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert await _snapshot(harness) == before


async def test_unknown_tickets_are_not_found(cast: Cast, harness: Harness) -> None:
    for who in (cast.a, cast.agent, cast.admin):
        with pytest.raises(NotFound, match="ticket 404 does not exist"):
            await harness.desk.get(who.caller, 404)
        with pytest.raises(NotFound):
            await harness.desk.update(who.caller, 404, status=S.CLOSED)
        with pytest.raises(NotFound):
            await harness.desk.history(who.caller, 404)


async def test_updated_at_moves_with_the_clock(cast: Cast, harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    harness.clock.advance(timedelta(hours=2))
    moved = await harness.desk.update(cast.agent.caller, ticket.id, priority=Priority.LOW)
    assert moved.updated_at - ticket.updated_at == timedelta(hours=2)
