"""Teams: admins define them; staff route tickets to them; customers never learn of them."""

from __future__ import annotations

import pytest

from hero_assistance.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from hero_assistance.domain.events import EventKind
from hero_assistance.domain.tickets import TicketStatus

from .conftest import Cast, Harness

pytestmark = pytest.mark.anyio


async def test_an_admin_makes_a_team_of_agents_and_staff_list_it(
        cast: Cast, harness: Harness) -> None:
    billing = await harness.teams.create(cast.admin.caller, name="  Billing  ",
                                         members=[cast.agent.id, cast.admin.id, cast.agent.id])
    assert billing.name == "Billing"
    assert billing.members == tuple(sorted({cast.agent.id, cast.admin.id}))
    assert [t.id for t in await harness.teams.list_teams(cast.agent.caller)] == [billing.id]
    for customer in (cast.a, cast.b):
        with pytest.raises(Forbidden):
            await harness.teams.list_teams(customer.caller)


async def test_only_admins_manage_teams(cast: Cast, harness: Harness) -> None:
    team = await harness.teams.create(cast.admin.caller, name="Technical")
    for who in (cast.agent, cast.a):
        with pytest.raises(Forbidden):
            await harness.teams.create(who.caller, name="Mine")
        with pytest.raises(Forbidden):
            await harness.teams.update(who.caller, team.id, name="Renamed")
        with pytest.raises(Forbidden):
            await harness.teams.delete(who.caller, team.id)


async def test_members_are_active_staff_and_names_are_unique(cast: Cast,
                                                             harness: Harness) -> None:
    admin = cast.admin.caller
    with pytest.raises(InvalidInput) as customer:
        await harness.teams.create(admin, name="Billing", members=[cast.a.id])
    assert customer.value.field == "members"
    with pytest.raises(NotFound):
        await harness.teams.create(admin, name="Billing", members=[999])
    team = await harness.teams.create(admin, name="Billing")
    with pytest.raises(Conflict):
        await harness.teams.create(admin, name="BILLING")
    other = await harness.teams.create(admin, name="Technical")
    with pytest.raises(Conflict):
        await harness.teams.update(admin, other.id, name="billing")
    await harness.accounts.update_user(admin, cast.agent.id, disabled=True)
    with pytest.raises(InvalidInput):
        await harness.teams.update(admin, team.id, members=[cast.agent.id])
    with pytest.raises(InvalidInput):
        await harness.teams.create(admin, name=" ")


async def test_renaming_and_replacing_members(cast: Cast, harness: Harness) -> None:
    admin = cast.admin.caller
    team = await harness.teams.create(admin, name="Billing", members=[cast.agent.id])
    renamed = await harness.teams.update(admin, team.id, name="Accounts")
    assert (renamed.name, renamed.members) == ("Accounts", (cast.agent.id,))
    emptied = await harness.teams.update(admin, team.id, members=[])
    assert (emptied.name, emptied.members) == ("Accounts", ())
    with pytest.raises(NotFound):
        await harness.teams.update(admin, 999, name="Ghost")


async def test_a_ticket_joins_a_team_without_its_customer_noticing(
        cast: Cast, harness: Harness) -> None:
    team = await harness.teams.create(cast.admin.caller, name="Billing")
    ticket = await harness.ticket(cast.a)
    before = len(harness.published())
    harness.tick(60)
    routed = await harness.desk.update(cast.agent.caller, ticket.id, team_id=team.id)
    assert routed.team_id == team.id
    assert routed.assignee_id is None  # "assign to team" leaves the agent open
    assert routed.updated_at == ticket.updated_at  # nothing a customer can see moved
    assert routed.last_activity == harness.clock.now()
    (event,) = harness.published()[before:]
    assert event.kind is EventKind.TICKET_UPDATED
    assert event.internal  # staff only
    assert event.data["ticket"]["team_id"] == team.id  # type: ignore[index]
    history = await harness.desk.history(cast.agent.caller, ticket.id)
    assert [c.field for c in history] == ["created", "team_id"]
    assert [c.field for c in await harness.desk.history(cast.a.caller, ticket.id)] == [
        "created"]
    replay = await harness.feed.replay(cast.a.caller, 0)
    assert all(not e.internal for e in replay.events)
    assert all("team_id" not in str(e.data) for e in replay.events)


async def test_a_public_change_with_a_team_change_says_only_the_public_part_publicly(
        cast: Cast, harness: Harness) -> None:
    team = await harness.teams.create(cast.admin.caller, name="Billing")
    ticket = await harness.ticket(cast.a)
    before = len(harness.published())
    await harness.desk.update(cast.agent.caller, ticket.id, team_id=team.id,
                              status=TicketStatus.OPEN)
    public, private = harness.published()[before:]
    assert (public.internal, public.data["changed"]) == (False, ["status"])
    assert "team_id" not in public.data["ticket"]  # type: ignore[operator]
    assert (private.internal, private.data["changed"]) == (True, ["status", "team_id"])


async def test_customers_cannot_set_a_team_and_unknown_teams_are_not_found(
        cast: Cast, harness: Harness) -> None:
    team = await harness.teams.create(cast.admin.caller, name="Billing")
    ticket = await harness.ticket(cast.a)
    with pytest.raises(Forbidden):
        await harness.desk.update(cast.a.caller, ticket.id, team_id=team.id)
    with pytest.raises(NotFound):
        await harness.desk.update(cast.agent.caller, ticket.id, team_id=999)


async def test_deleting_a_team_leaves_its_tickets_without_one(cast: Cast,
                                                               harness: Harness) -> None:
    team = await harness.teams.create(cast.admin.caller, name="Billing")
    tickets = [await harness.ticket(cast.a, f"t{i}") for i in range(3)]
    for t in tickets[:2]:
        await harness.desk.update(cast.agent.caller, t.id, team_id=team.id)
    assert await harness.teams.delete(cast.admin.caller, team.id) == 2
    assert [(await harness.desk.get(cast.agent.caller, t.id)).team_id for t in tickets] == [
        None, None, None]
    assert await harness.teams.list_teams(cast.agent.caller) == []
    with pytest.raises(NotFound):
        await harness.teams.delete(cast.admin.caller, team.id)


async def test_hostile_team_names_are_kept_as_text_or_refused(cast: Cast,
                                                             harness: Harness) -> None:
    # Markup is text to the tab and the CLI (browser and terminal tests); what no name
    # should hold is refused with the field, and nothing is half-made.
    admin = cast.admin.caller
    markup = await harness.teams.create(admin, name='<img src=x onerror="alert(1)">')
    assert markup.name == '<img src=x onerror="alert(1)">'
    assert (await harness.teams.create(admin, name="  Bill\n\ting  ")).name == "Bill ing"
    for name in ("esc\x1b[2J", "bell\x07", "nul\x00", "del\x7f", "x" * 61, "\u2028 \n"):
        with pytest.raises(InvalidInput) as refused:
            await harness.teams.create(admin, name=name)
        assert refused.value.field == "name", repr(name)
        with pytest.raises(InvalidInput):
            await harness.teams.update(admin, markup.id, name=name)
    assert sorted(t.name for t in await harness.teams.list_teams(admin)) == [
        '<img src=x onerror="alert(1)">', "Bill ing"]
    with pytest.raises(InvalidInput) as members:
        await harness.teams.create(admin, name="Many", members=list(range(1, 502)))
    assert members.value.field == "members"
    with pytest.raises(InvalidInput):
        await harness.teams.create(admin, name="Negative", members=[-1])
