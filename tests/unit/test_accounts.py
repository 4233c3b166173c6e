"""Accounts: enrolling, the identity boundary, the admin's user management."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hero_assistance.domain.errors import (
    Conflict,
    DeviceNotBound,
    Forbidden,
    InvalidInput,
    NotFound,
)
from hero_assistance.domain.identity import Caller, CallerIdentity, Role, UnboundDevice, UserStatus

from .conftest import Cast, Harness

pytestmark = pytest.mark.anyio


async def _last_seen(h: Harness, address: str) -> object:
    binding = await h.read(lambda r: r.devices.get(address))
    assert binding is not None
    return binding.last_seen


# -- the identity boundary ---------------------------------------------------------------


async def test_identify_turns_a_bound_address_into_its_user_and_role(
    cast: Cast, harness: Harness
) -> None:
    assert await harness.accounts.identify(cast.agent.addr) == CallerIdentity(
        user_id=cast.agent.id, device_addr=cast.agent.addr, role=Role.AGENT)
    assert await harness.accounts.identify("400::beef") == UnboundDevice(
        device_addr="400::beef")


async def test_identify_records_last_seen_at_most_once_a_minute(cast: Cast,
                                                                harness: Harness) -> None:
    bound_at = await _last_seen(harness, cast.a.addr)
    harness.tick(59)
    await harness.accounts.identify(cast.a.addr)
    assert await _last_seen(harness, cast.a.addr) == bound_at
    harness.tick(1)
    await harness.accounts.identify(cast.a.addr)
    assert await _last_seen(harness, cast.a.addr) == harness.clock.now()
    touched = harness.clock.now()
    for _ in range(5):
        harness.tick(10)
        await harness.accounts.identify(cast.a.addr)
    assert await _last_seen(harness, cast.a.addr) == touched
    harness.tick(10)  # 60 s since the last write
    await harness.accounts.identify(cast.a.addr)
    assert await _last_seen(harness, cast.a.addr) == harness.clock.now()
    # Other devices are untouched by this one's visits.
    assert await _last_seen(harness, cast.b.addr) == bound_at


async def test_a_role_change_takes_effect_on_the_next_call(cast: Cast,
                                                           harness: Harness) -> None:
    await harness.accounts.update_user(cast.admin.caller, cast.a.id, role=Role.AGENT)
    assert (await harness.identify(cast.a.addr)).role is Role.AGENT


async def test_disabling_a_user_locks_out_all_their_devices_until_re_enabled(
    cast: Cast, harness: Harness
) -> None:
    phone = await harness.second_device(cast.a)
    disabled = await harness.accounts.update_user(cast.admin.caller, cast.a.id,
                                                  disabled=True)
    assert disabled.status is UserStatus.DISABLED
    for address in (cast.a.addr, phone.device_addr):
        with pytest.raises(Forbidden, match="disabled"):
            await harness.accounts.identify(address)
    assert (await harness.identify(cast.b.addr)).user_id == cast.b.id
    enabled = await harness.accounts.update_user(cast.admin.caller, cast.a.id,
                                                 disabled=False)
    assert enabled.status is UserStatus.ACTIVE
    for address in (cast.a.addr, phone.device_addr):
        assert (await harness.identify(address)).user_id == cast.a.id


async def test_re_enabling_a_user_who_never_bound_a_device_makes_them_invited(
    cast: Cast, harness: Harness
) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    await harness.accounts.update_user(cast.admin.caller, user.id, disabled=True)
    back = await harness.accounts.update_user(cast.admin.caller, user.id, disabled=False)
    assert back.status is UserStatus.INVITED
    # Re-enabling someone who is not disabled changes nothing.
    same = await harness.accounts.update_user(cast.admin.caller, cast.b.id, disabled=False)
    assert same == cast.b.user


async def test_admins_cannot_disable_or_demote_themselves(cast: Cast,
                                                          harness: Harness) -> None:
    for change in ({"disabled": True}, {"role": Role.AGENT}, {"role": Role.CUSTOMER}):
        with pytest.raises(Conflict, match="cannot disable or demote themselves"):
            await harness.accounts.update_user(cast.admin.caller, cast.admin.id,
                                               **change)  # type: ignore[arg-type]
    me = await harness.accounts.update_user(cast.admin.caller, cast.admin.id,
                                            display_name="The Boss", role=Role.ADMIN)
    assert (me.display_name, me.role, me.status) == ("The Boss", Role.ADMIN,
                                                     UserStatus.ACTIVE)
    other = await harness.second_admin()
    demoted = await harness.accounts.update_user(other.caller, cast.admin.id,
                                                 role=Role.AGENT)
    assert demoted.role is Role.AGENT


# -- enrolling ---------------------------------------------------------------------------


async def test_admins_enroll_people_as_invited_with_a_normalised_email(
    cast: Cast, harness: Harness
) -> None:
    user = await harness.accounts.enroll(cast.admin.caller, email=" Erin@ACME.example ",
                                         role=Role.AGENT, display_name="  Erin   E. ")
    assert (user.email, user.display_name, user.role, user.status) == (
        "erin@acme.example", "Erin E.", Role.AGENT, UserStatus.INVITED)
    assert user.created_at == harness.clock.now()
    assert await harness.accounts.get_user(cast.admin.caller, user.id) == user


async def test_enrolling_an_email_twice_conflicts_whatever_its_case(cast: Cast,
                                                                    harness: Harness) -> None:
    users = await harness.accounts.list_users(cast.admin.caller)
    with pytest.raises(Conflict, match="already enrolled"):
        await harness.accounts.enroll(cast.admin.caller, email=cast.a.user.email.upper(),
                                      role=Role.CUSTOMER, display_name="Again")
    assert await harness.accounts.list_users(cast.admin.caller) == users


async def test_enrolling_bad_values_names_the_field(cast: Cast, harness: Harness) -> None:
    with pytest.raises(InvalidInput) as email:
        await harness.accounts.enroll(cast.admin.caller, email="erin", role=Role.AGENT,
                                      display_name="Erin")
    assert email.value.field == "email"
    with pytest.raises(InvalidInput) as name:
        await harness.accounts.enroll(cast.admin.caller, email="erin@acme.example",
                                      role=Role.AGENT, display_name="")
    assert name.value.field == "display_name"


async def test_user_management_is_for_admins_only(cast: Cast, harness: Harness) -> None:
    users = await harness.accounts.list_users(cast.admin.caller)
    for who in (cast.a, cast.agent):
        with pytest.raises(Forbidden, match="only admins"):
            await harness.accounts.enroll(who.caller, email="x@acme.example",
                                          role=Role.ADMIN, display_name="X")
        with pytest.raises(Forbidden):
            await harness.accounts.list_users(who.caller)
        with pytest.raises(Forbidden):
            await harness.accounts.update_user(who.caller, who.id, role=Role.ADMIN)
        with pytest.raises(Forbidden):
            await harness.accounts.update_user(who.caller, cast.b.id, disabled=True)
        with pytest.raises(Forbidden):
            await harness.project.update(who.caller, customers_see_all_tickets=True)
    for call in (
        harness.accounts.enroll(cast.unbound, email="x@acme.example", role=Role.ADMIN,
                                display_name="X"),
        harness.accounts.list_users(cast.unbound),
        harness.accounts.update_user(cast.unbound, 1, role=Role.ADMIN),
        harness.accounts.get_user(cast.unbound, 1),
        harness.project.update(cast.unbound, name="Hijacked"),
    ):
        with pytest.raises(DeviceNotBound):
            await call
    assert await harness.accounts.list_users(cast.admin.caller) == users
    assert not (await harness.accounts.project_settings()).customers_see_all_tickets


async def test_the_admin_lists_users_by_role_and_status(cast: Cast, harness: Harness) -> None:
    invited = await harness.enroll(Role.CUSTOMER)
    everyone = await harness.accounts.list_users(cast.admin.caller)
    assert [u.id for u in everyone] == sorted(u.id for u in everyone)
    customers = await harness.accounts.list_users(cast.admin.caller, role=Role.CUSTOMER)
    assert {u.id for u in customers} == {cast.a.id, cast.b.id, invited.id}
    waiting = await harness.accounts.list_users(cast.admin.caller, status=UserStatus.INVITED)
    assert [u.id for u in waiting] == [invited.id]
    assert await harness.accounts.list_users(cast.admin.caller, role=Role.AGENT,
                                             status=UserStatus.DISABLED) == []


async def test_customers_look_up_only_themselves_staff_anyone(cast: Cast,
                                                              harness: Harness) -> None:
    assert (await harness.accounts.get_user(cast.a.caller, cast.a.id)).id == cast.a.id
    for other in (cast.b.id, cast.agent.id, 999):
        with pytest.raises(NotFound, match=f"user {other} does not exist"):
            await harness.accounts.get_user(cast.a.caller, other)
    assert (await harness.accounts.get_user(cast.agent.caller, cast.b.id)).id == cast.b.id
    with pytest.raises(NotFound):
        await harness.accounts.get_user(cast.agent.caller, 999)
    with pytest.raises(NotFound):
        await harness.accounts.update_user(cast.admin.caller, 999, display_name="Ghost")


async def test_whoami_tells_a_device_what_it_is(cast: Cast, harness: Harness) -> None:
    bound = await harness.accounts.whoami(cast.a.caller)
    assert bound.device_addr == cast.a.addr
    assert bound.user is not None
    assert bound.user.email == cast.a.user.email
    assert bound.device is not None
    assert bound.device.label == "laptop"
    stranger = await harness.accounts.whoami(cast.unbound)
    assert (stranger.device_addr, stranger.user, stranger.device) == (
        cast.unbound.device_addr, None, None)


async def test_time_does_not_change_identities(cast: Cast, harness: Harness) -> None:
    harness.clock.advance(timedelta(days=400))
    assert (await harness.identify(cast.a.addr)).user_id == cast.a.id


async def test_people_shows_customers_only_staff_and_themselves(cast: Cast,
                                                                harness: Harness) -> None:
    wanted = [cast.a.id, cast.b.id, cast.agent.id, cast.admin.id, 999, cast.a.id]
    everyone = sorted([cast.a.id, cast.b.id, cast.agent.id, cast.admin.id])

    async def names(who: Caller) -> list[int]:
        return [u.id for u in await harness.accounts.people(who, wanted)]

    assert await names(cast.a.caller) == sorted([cast.a.id, cast.agent.id, cast.admin.id])
    assert await names(cast.b.caller) == sorted([cast.b.id, cast.agent.id, cast.admin.id])
    assert await names(cast.agent.caller) == everyone
    assert await names(cast.admin.caller) == everyone
    await harness.see_all()  # one organisation: its customers know each other
    assert await names(cast.a.caller) == everyone
    with pytest.raises(DeviceNotBound):
        await harness.accounts.people(cast.unbound, wanted)
