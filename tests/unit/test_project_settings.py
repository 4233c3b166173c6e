"""The project's settings: admins change them, everyone signed in learns of it at once."""

from __future__ import annotations

import pytest

from hero_assistance.domain.errors import DeviceNotBound, Forbidden, InvalidInput
from hero_assistance.domain.events import EventKind
from hero_assistance.domain.policy import event_visible_to
from hero_assistance.domain.project import ProjectSettings

from .conftest import PROJECT_NAME, Cast, Harness

pytestmark = pytest.mark.anyio


async def test_admins_rename_the_project_and_switch_what_customers_see(
    cast: Cast, harness: Harness,
) -> None:
    assert await harness.project.settings() == ProjectSettings(name=PROJECT_NAME)
    changed = await harness.project.update(cast.admin.caller, name="  Acme  Ltd ",
                                           customers_see_all_tickets=True)
    assert changed == ProjectSettings(name="Acme Ltd", customers_see_all_tickets=True)
    assert await harness.accounts.project_settings() == changed
    assert await harness.feed.settings() == changed
    renamed = await harness.project.update(cast.admin.caller, name="Acme")
    assert renamed == ProjectSettings(name="Acme", customers_see_all_tickets=True)
    assert harness.settings_applied.applied == [changed, renamed]
    with pytest.raises(InvalidInput) as refused:
        await harness.project.update(cast.admin.caller, name="")
    assert refused.value.field == "name"
    with pytest.raises(InvalidInput):
        await harness.project.update(cast.admin.caller, name="x" * 81)


async def test_a_change_is_a_durable_event_every_signed_in_person_may_see(
    cast: Cast, harness: Harness,
) -> None:
    await harness.project.update(cast.admin.caller, name="Acme Ltd")
    [event] = harness.published(EventKind.PROJECT_UPDATED)
    assert event.seq is not None
    assert (event.ticket_id, event.internal) == (None, False)
    assert event.data == {"project": {"name": "Acme Ltd", "customers_see_all_tickets": False},
                          "actor_id": cast.admin.id}
    settings = await harness.project.settings()
    for who in (cast.a, cast.b, cast.agent, cast.admin):
        assert event_visible_to(who.caller, event, settings)
        replay = await harness.feed.replay(who.caller, event.seq - 1)
        assert [e.kind for e in replay.events] == [EventKind.PROJECT_UPDATED]


async def test_a_change_that_changes_nothing_records_nothing(cast: Cast,
                                                             harness: Harness) -> None:
    await harness.project.update(cast.admin.caller, name=PROJECT_NAME,
                                 customers_see_all_tickets=False)
    await harness.project.update(cast.admin.caller)
    assert harness.published(EventKind.PROJECT_UPDATED) == []
    assert harness.settings_applied.applied == []


async def test_only_admins_change_settings(cast: Cast, harness: Harness) -> None:
    for who in (cast.a, cast.b, cast.agent):
        with pytest.raises(Forbidden, match="only admins"):
            await harness.project.update(who.caller, name="Hijacked")
        with pytest.raises(Forbidden):
            await harness.project.update(who.caller, customers_see_all_tickets=True)
    with pytest.raises(DeviceNotBound):
        await harness.project.update(cast.unbound, name="Hijacked")
    assert await harness.project.settings() == ProjectSettings(name=PROJECT_NAME)
    assert harness.published(EventKind.PROJECT_UPDATED) == []
