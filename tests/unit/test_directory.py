"""What staff look up: the staff directory, customers to file for, customer context, tags."""

from __future__ import annotations

import pytest

from hero_assistance.domain.errors import Forbidden, InvalidInput, NotFound
from hero_assistance.domain.presence import PresenceState
from hero_assistance.domain.tickets import TicketStatus

from .conftest import Cast, Harness

pytestmark = pytest.mark.anyio


async def test_the_staff_directory_lists_active_staff_with_presence_and_teams(
        cast: Cast, harness: Harness) -> None:
    h = harness
    zed = await h.agent(name="Zed Agent")
    gone = await h.agent(name="Gone Agent")
    await h.accounts.update_user(cast.admin.caller, gone.id, disabled=True)
    team = await h.teams.create(cast.admin.caller, name="Billing", members=[zed.id])
    await h.presence.heartbeat(zed.caller)
    staff = await h.directory.staff(cast.agent.caller)
    assert [m.user.display_name for m in staff] == ["Agnes", "Root Admin", "Zed Agent"]
    by_name = {m.user.display_name: m for m in staff}
    assert by_name["Zed Agent"].presence is PresenceState.ONLINE
    assert by_name["Zed Agent"].team_ids == (team.id,)
    assert by_name["Agnes"].presence is PresenceState.OFFLINE
    assert by_name["Agnes"].last_seen is not None
    h.tick(120)  # heartbeats stop: presence expires
    assert {m.presence for m in await h.directory.staff(cast.agent.caller)} == {
        PresenceState.OFFLINE}
    for customer in (cast.a, cast.b):
        with pytest.raises(Forbidden):
            await h.directory.staff(customer.caller)


async def test_staff_find_customers_by_name_or_email_customers_cannot(
        cast: Cast, harness: Harness) -> None:
    h = harness
    found = await h.directory.find_customers(cast.agent.caller, "ali")
    assert [u.id for u in found] == [cast.a.id]
    found = await h.directory.find_customers(cast.agent.caller, "acme.example")
    assert [u.id for u in found] == [cast.a.id, cast.b.id]  # Alice, Bob; no staff
    with pytest.raises(InvalidInput):
        await h.directory.find_customers(cast.agent.caller, "  ")
    with pytest.raises(Forbidden):
        await h.directory.find_customers(cast.a.caller, "bob")


async def test_filing_on_a_customers_behalf_from_the_picker(cast: Cast,
                                                           harness: Harness) -> None:
    (alice,) = await harness.directory.find_customers(cast.agent.caller, "alice")
    harness.tick(60)
    ticket = await harness.desk.create(cast.agent.caller, subject="Called in",
                                       requester_id=alice.id)
    assert ticket.requester_id == cast.a.id
    assert ticket.id in {t.id for t in (await harness.desk.list_tickets(cast.a.caller)).items}
    # News for the customer, not for the agent who filed it.
    assert await harness.reads.unread_among(cast.a.caller, [ticket.id]) == {ticket.id}
    assert await harness.reads.unread_among(cast.agent.caller, [ticket.id]) == set()


async def test_customer_context_shows_who_asked_their_devices_and_tickets(
        cast: Cast, harness: Harness) -> None:
    h = harness
    first = await h.ticket(cast.a, "first")
    second = await h.ticket(cast.a, "second")
    await h.desk.update(cast.agent.caller, first.id, status=TicketStatus.RESOLVED)
    await h.ticket(cast.b, "not hers")
    await h.second_device(cast.a)
    context = await h.directory.customer_context(cast.agent.caller, second.id)
    assert context.customer.id == cast.a.id
    assert context.customer.email == cast.a.user.email
    assert len(context.devices) == 2
    assert [t.id for t in context.tickets] == [first.id, second.id]  # by update
    assert context.open_tickets == 1
    for customer in (cast.a, cast.b):
        with pytest.raises(Forbidden):
            await h.directory.customer_context(customer.caller, second.id)
    with pytest.raises(NotFound):
        await h.directory.customer_context(cast.agent.caller, 999)


async def test_tag_suggestions_come_from_the_projects_tags(cast: Cast, harness: Harness) -> None:
    h = harness
    await h.ticket(cast.a, "a", tags=["billing", "bug"])
    await h.ticket(cast.b, "b", tags=["billing"])
    assert await h.directory.suggest_tags(cast.agent.caller, "B") == [
        ("billing", 2), ("bug", 1)]
    assert await h.directory.suggest_tags(cast.agent.caller, "bu") == [("bug", 1)]
    assert await h.directory.suggest_tags(cast.agent.caller, "<script>") == []
    assert await h.directory.suggest_tags(cast.agent.caller, "", limit=1) == [("billing", 2)]
    with pytest.raises(InvalidInput):
        await h.directory.suggest_tags(cast.agent.caller, "", limit=0)
    with pytest.raises(Forbidden):
        await h.directory.suggest_tags(cast.a.caller, "b")
