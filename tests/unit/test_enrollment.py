"""DeviceEnrollment: sign-in links and codes, binding, and managing bound devices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hero_assistance.domain.errors import (
    Conflict,
    DeviceNotBound,
    Forbidden,
    InvalidInput,
    LinkRejected,
    NotFound,
    RateLimited,
    Unavailable,
)
from hero_assistance.domain.identity import (
    CallerIdentity,
    Role,
    UnboundDevice,
    UserStatus,
)
from hero_assistance.domain.magic_links import MAX_CODE_ATTEMPTS, MagicLink, hash_secret
from hero_assistance.domain.ports import Repositories

from .conftest import PROJECT_NAME, Cast, Harness, code_from, link_url, token_from

pytestmark = pytest.mark.anyio


async def _links(h: Harness) -> list[MagicLink]:
    return await h.read(lambda r: r.magic_links.all())


async def _bindings(h: Harness) -> dict[str, int]:
    return await h.read(lambda r: {d.address: d.user_id for d in r.devices.all()})


async def _ask(h: Harness, email: str, device: UnboundDevice | None = None,
               label: str = "laptop") -> UnboundDevice:
    device = device or h.unbound()
    await h.devices.request_link(device, email=email, device_label=label)
    return device


# -- asking for a link -------------------------------------------------------------------


async def test_an_enrolled_user_gets_exactly_one_mail_with_link_and_code_in_both_parts(
    harness: Harness,
) -> None:
    user = await harness.enroll(Role.CUSTOMER, email="carol@acme.example")
    sent = len(harness.mailer.sent)
    await _ask(harness, "carol@acme.example", label="work laptop")
    assert len(harness.mailer.sent) == sent + 1
    mail = harness.mailer.sent[-1]
    token, code = harness.secrets.tokens[-1], harness.secrets.codes[-1]
    shown = f"{code[:4]}-{code[4:]}"
    assert mail.to == user.email
    assert PROJECT_NAME in mail.subject
    for part in (mail.text, mail.html):
        assert link_url(token) in part
        assert shown in part
        assert "work laptop" in part
    assert token_from(mail) == token
    assert code_from(mail) == shown
    # Only hashes are stored.
    [link] = [x for x in await _links(harness) if x.user_id == user.id]
    assert link.token_hash == hash_secret(token)
    assert link.code_hash == hash_secret(code)
    assert token not in repr(link)
    assert code not in repr(link)


async def test_unknown_and_disabled_emails_get_the_same_answer_and_no_mail(
    cast: Cast, harness: Harness
) -> None:
    await harness.accounts.update_user(cast.admin.caller, cast.b.id, disabled=True)
    sent, links = len(harness.mailer.sent), len(await _links(harness))
    outcomes = []
    for email in ("nobody@acme.example", cast.b.user.email):
        outcomes.append(await harness.devices.request_link(
            harness.unbound(), email=email, device_label="laptop"))
    assert outcomes == [None, None]
    assert len(harness.mailer.sent) == sent
    assert len(await _links(harness)) == links
    enrolled = await harness.enroll(Role.CUSTOMER)
    assert await harness.devices.request_link(
        harness.unbound(), email=enrolled.email, device_label="laptop") is None
    assert len(harness.mailer.sent) == sent + 1


async def test_email_addresses_are_normalised_when_asking(harness: Harness) -> None:
    user = await harness.enroll(Role.CUSTOMER, email="Dave@Acme.Example")
    assert user.email == "dave@acme.example"
    await _ask(harness, "  DAVE@acme.EXAMPLE ")
    assert harness.mailer.sent[-1].to == "dave@acme.example"


async def test_bad_email_or_label_is_invalid_input(harness: Harness) -> None:
    with pytest.raises(InvalidInput) as email:
        await harness.devices.request_link(harness.unbound(), email="nope", device_label="x")
    assert email.value.field == "email"
    with pytest.raises(InvalidInput) as label:
        await harness.devices.request_link(harness.unbound(), email="a@b.example",
                                           device_label=" ")
    assert label.value.field == "device_label"


async def test_a_bound_device_cannot_ask_for_another_link(cast: Cast, harness: Harness) -> None:
    with pytest.raises(Conflict, match="already bound"):
        await harness.devices.request_link(cast.a.caller, email=cast.b.user.email,
                                           device_label="x")
    with pytest.raises(Conflict, match="already bound"):
        await harness.devices.confirm_code(cast.a.caller, "ABCD-EFGH")


async def test_requests_are_limited_per_email_whoever_asks(harness: Harness) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    for _ in range(3):
        await _ask(harness, user.email)  # each from a fresh device
        harness.tick(60)
    sent = len(harness.mailer.sent)
    with pytest.raises(RateLimited) as refused:
        await _ask(harness, user.email)
    # The first request was 3 minutes ago; the window is 15 minutes.
    assert refused.value.retry_after == pytest.approx(12 * 60)
    assert len(harness.mailer.sent) == sent
    harness.tick(12 * 60)
    await _ask(harness, user.email)
    assert len(harness.mailer.sent) == sent + 1


async def test_unknown_emails_are_limited_exactly_like_enrolled_ones(harness: Harness) -> None:
    for _ in range(3):
        await _ask(harness, "ghost@acme.example")
    with pytest.raises(RateLimited):
        await _ask(harness, "ghost@acme.example")


async def test_requests_are_limited_per_device_whatever_the_email(harness: Harness) -> None:
    device = harness.unbound()
    for i in range(10):
        await _ask(harness, f"probe{i}@acme.example", device)
    with pytest.raises(RateLimited) as refused:
        await _ask(harness, "probe99@acme.example", device)
    assert refused.value.retry_after == pytest.approx(3600)
    assert "this device" in refused.value.message
    await _ask(harness, "probe99@acme.example")  # another device is not held back
    harness.tick(3600)
    await _ask(harness, "probe99@acme.example", device)


async def test_a_second_request_withdraws_the_first_link(harness: Harness) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    device = await _ask(harness, user.email)
    first = harness.mailer.sent[-1]
    harness.tick(30)
    await _ask(harness, user.email, device)
    second = harness.mailer.sent[-1]
    with pytest.raises(LinkRejected, match="withdrawn"):
        await harness.devices.confirm_link(token_from(first))
    with pytest.raises(LinkRejected, match="wrong code"):
        await harness.devices.confirm_code(device, code_from(first))
    binding = await harness.devices.confirm_code(device, code_from(second))
    assert binding.address == device.device_addr
    pending = await harness.devices.pending_links((await harness.admin()).caller)
    assert [x for x in pending if x.user_id == user.id] == []


async def test_mail_failure_is_unavailable_and_leaves_no_usable_link(harness: Harness) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    harness.mailer.reachable = False
    device = harness.unbound()
    with pytest.raises(Unavailable):
        await harness.devices.request_link(device, email=user.email, device_label="x")
    token, code = harness.secrets.tokens[-1], harness.secrets.codes[-1]
    [link] = [x for x in await _links(harness) if x.user_id == user.id]
    assert link.revoked
    with pytest.raises(LinkRejected, match="withdrawn"):
        await harness.devices.confirm_link(token)
    with pytest.raises(LinkRejected):
        await harness.devices.confirm_code(device, code)
    assert device.device_addr not in await _bindings(harness)
    harness.mailer.reachable = True
    await _ask(harness, user.email, device)
    await harness.devices.confirm_code(device, code_from(harness.mailer.sent[-1]))
    assert (await harness.identify(device.device_addr)).user_id == user.id


# -- confirming ------------------------------------------------------------------------


async def test_the_code_binds_the_device_and_activates_the_user(harness: Harness) -> None:
    user = await harness.enroll(Role.AGENT)
    assert user.status is UserStatus.INVITED
    device = await _ask(harness, user.email, label="desk")
    harness.tick(5)
    binding = await harness.devices.confirm_code(device, code_from(harness.mailer.sent[-1])
                                                 .lower().replace("-", " "))
    assert (binding.address, binding.user_id, binding.label) == (
        device.device_addr, user.id, "desk")
    assert binding.bound_at == binding.last_seen == harness.clock.now()
    assert (await harness.user_record(user.id)).status is UserStatus.ACTIVE
    caller = await harness.accounts.identify(device.device_addr)
    assert caller == CallerIdentity(user_id=user.id, device_addr=device.device_addr,
                                    role=Role.AGENT)


async def test_the_link_binds_the_device_that_asked_not_whoever_opens_it(
    harness: Harness,
) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    asking = await _ask(harness, user.email)
    token = token_from(harness.mailer.sent[-1])
    preview = await harness.devices.preview_link(token)
    assert (preview.email, preview.device_addr, preview.device_label) == (
        user.email, asking.device_addr, "laptop")
    # The page was opened (say, on a phone that is not bound): nothing happened yet.
    assert asking.device_addr not in await _bindings(harness)
    binding = await harness.devices.confirm_link(token)
    assert binding.address == asking.device_addr
    bound = await _bindings(harness)
    assert [a for a, u in bound.items() if u == user.id] == [asking.device_addr]


async def test_a_link_works_once(harness: Harness) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    device = await _ask(harness, user.email)
    mail = harness.mailer.sent[-1]
    await harness.devices.confirm_link(token_from(mail))
    with pytest.raises(LinkRejected, match="already been used"):
        await harness.devices.confirm_link(token_from(mail))
    with pytest.raises(LinkRejected, match="already been used"):
        await harness.devices.preview_link(token_from(mail))
    with pytest.raises(LinkRejected, match="no pending sign-in"):
        await harness.devices.confirm_code(device, code_from(mail))


async def test_unknown_links_and_devices_without_a_link_are_refused(harness: Harness) -> None:
    with pytest.raises(LinkRejected, match="not known"):
        await harness.devices.confirm_link("made-up-token")
    with pytest.raises(LinkRejected, match="not known"):
        await harness.devices.preview_link("made-up-token")
    with pytest.raises(LinkRejected, match="request a link first"):
        await harness.devices.confirm_code(harness.unbound(), "ABCD-EFGH")
    with pytest.raises(InvalidInput) as bad:
        await harness.devices.confirm_code(harness.unbound(), "short")
    assert bad.value.field == "code"


@pytest.mark.parametrize("via", ["code", "link"])
async def test_links_expire_after_fifteen_minutes(harness: Harness, via: str) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    device = await _ask(harness, user.email)
    mail = harness.mailer.sent[-1]
    harness.clock.advance(timedelta(minutes=15))
    confirm = (harness.devices.confirm_code(device, code_from(mail)) if via == "code"
               else harness.devices.confirm_link(token_from(mail)))
    with pytest.raises(LinkRejected, match="expired"):
        await confirm
    assert device.device_addr not in await _bindings(harness)


async def test_a_link_is_still_good_just_before_it_expires(harness: Harness) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    device = await _ask(harness, user.email)
    harness.clock.advance(timedelta(minutes=15) - timedelta(seconds=1))
    await harness.devices.confirm_code(device, code_from(harness.mailer.sent[-1]))


async def test_wrong_codes_count_until_the_link_locks_even_for_the_right_code(
    harness: Harness,
) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    device = await _ask(harness, user.email)
    right = code_from(harness.mailer.sent[-1])
    wrong = "ZZZZ-ZZZZ" if right != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    for n in range(1, MAX_CODE_ATTEMPTS + 1):
        with pytest.raises(LinkRejected, match="wrong code"):
            await harness.devices.confirm_code(device, wrong)
        [link] = [x for x in await _links(harness) if x.user_id == user.id]
        assert link.attempts == n  # counted although the call failed
    with pytest.raises(LinkRejected, match="too many wrong codes"):
        await harness.devices.confirm_code(device, right)
    with pytest.raises(LinkRejected, match="too many wrong codes"):
        await harness.devices.confirm_link(token_from(harness.mailer.sent[-1]))
    assert device.device_addr not in await _bindings(harness)


async def test_a_code_typed_on_another_device_is_not_that_devices_code(
    harness: Harness,
) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    await _ask(harness, user.email)
    code = code_from(harness.mailer.sent[-1])
    with pytest.raises(LinkRejected, match="request a link first"):
        await harness.devices.confirm_code(harness.unbound(), code)


async def test_an_address_bound_to_someone_else_cannot_be_bound_again(
    harness: Harness,
) -> None:
    carol = await harness.enroll(Role.CUSTOMER)
    dave = await harness.enroll(Role.CUSTOMER)
    device = await _ask(harness, carol.email)
    carols_mail = harness.mailer.sent[-1]
    await _ask(harness, dave.email, device)
    daves_mail = harness.mailer.sent[-1]
    await harness.devices.confirm_link(token_from(carols_mail))
    before = await _links(harness)
    with pytest.raises(Conflict, match="already bound to another account"):
        await harness.devices.confirm_link(token_from(daves_mail))
    assert (await _bindings(harness))[device.device_addr] == carol.id
    assert await _links(harness) == before
    assert (await harness.user_record(dave.id)).status is UserStatus.INVITED


async def test_a_code_is_checked_against_the_devices_newest_request(harness: Harness) -> None:
    carol = await harness.enroll(Role.CUSTOMER)
    dave = await harness.enroll(Role.CUSTOMER)
    device = await _ask(harness, carol.email)
    carols_code = code_from(harness.mailer.sent[-1])
    harness.tick(10)
    await _ask(harness, dave.email, device)
    daves_code = code_from(harness.mailer.sent[-1])
    with pytest.raises(LinkRejected, match="wrong code"):
        await harness.devices.confirm_code(device, carols_code)
    binding = await harness.devices.confirm_code(device, daves_code)
    assert binding.user_id == dave.id


async def test_a_disabled_user_cannot_bind_with_a_link_issued_before(cast: Cast,
                                                                     harness: Harness) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    device = await _ask(harness, user.email)
    mail = harness.mailer.sent[-1]
    await harness.accounts.update_user(cast.admin.caller, user.id, disabled=True)
    with pytest.raises(LinkRejected, match="disabled"):
        await harness.devices.confirm_code(device, code_from(mail))
    with pytest.raises(LinkRejected, match="disabled"):
        await harness.devices.confirm_link(token_from(mail))
    assert device.device_addr not in await _bindings(harness)
    assert (await harness.user_record(user.id)).status is UserStatus.DISABLED


# -- several devices, revoking ------------------------------------------------------------


async def test_two_devices_of_one_person_see_the_same_tickets(cast: Cast,
                                                              harness: Harness) -> None:
    phone = await harness.second_device(cast.a)
    assert phone.user_id == cast.a.id
    assert phone.device_addr != cast.a.addr
    ticket = await harness.ticket(cast.a)
    from_phone = await harness.desk.list_tickets(phone)
    from_laptop = await harness.desk.list_tickets(cast.a.caller)
    assert from_phone == from_laptop
    assert [t.id for t in from_phone.items] == [ticket.id]
    devices = await harness.devices.list_devices(phone)
    assert [(d.address, d.label) for d in devices] == [(cast.a.addr, "laptop"),
                                                       (phone.device_addr, "phone")]


async def test_revoking_a_device_unbinds_it_and_only_it(cast: Cast, harness: Harness) -> None:
    phone = await harness.second_device(cast.a)
    await harness.presence.heartbeat(phone)
    revoked = await harness.devices.revoke_device(cast.a.caller, phone.device_addr)
    assert revoked.address == phone.device_addr
    assert await harness.accounts.identify(phone.device_addr) == UnboundDevice(
        device_addr=phone.device_addr)
    assert await harness.read(lambda r: r.presence.get(phone.device_addr)) is None
    assert (await harness.identify(cast.a.addr)).user_id == cast.a.id
    # The address is a stranger again: it may ask to be bound anew.
    await harness.bind(cast.a.user.email, address=phone.device_addr)


async def test_people_manage_their_own_devices_and_admins_anyones(cast: Cast,
                                                                  harness: Harness) -> None:
    with pytest.raises(NotFound, match="not bound to your account"):
        await harness.devices.revoke_device(cast.b.caller, cast.a.addr)
    with pytest.raises(NotFound):
        await harness.devices.rename_device(cast.agent.caller, cast.a.addr, "pwned")
    with pytest.raises(NotFound):
        await harness.devices.list_devices(cast.b.caller, cast.a.id)
    with pytest.raises(NotFound):
        await harness.devices.revoke_device(cast.a.caller, "400::dead")
    renamed = await harness.devices.rename_device(cast.a.caller, cast.a.addr, " Work  PC ")
    assert renamed.label == "Work PC"
    with pytest.raises(InvalidInput):
        await harness.devices.rename_device(cast.a.caller, cast.a.addr, "")
    assert [d.address for d in await harness.devices.list_devices(cast.a.caller)] == [
        cast.a.addr]
    everyone = await harness.devices.list_devices(cast.admin.caller)
    assert {d.user_id for d in everyone} == {cast.a.id, cast.b.id, cast.agent.id,
                                             cast.admin.id}
    assert [d.address for d in await harness.devices.list_devices(
        cast.admin.caller, cast.b.id)] == [cast.b.addr]
    await harness.devices.revoke_device(cast.admin.caller, cast.b.addr)
    assert isinstance(await harness.accounts.identify(cast.b.addr), UnboundDevice)


async def test_unbound_devices_reach_only_the_enrollment_calls(cast: Cast,
                                                               harness: Harness) -> None:
    stranger = cast.unbound
    for call in (harness.devices.list_devices(stranger),
                 harness.devices.rename_device(stranger, cast.a.addr, "x"),
                 harness.devices.revoke_device(stranger, cast.a.addr),
                 harness.devices.pending_links(stranger),
                 harness.devices.expire_links(stranger, cast.a.user.email),
                 harness.devices.resend_link(stranger, 1)):
        with pytest.raises(DeviceNotBound):
            await call
    await harness.devices.request_link(stranger, email="x@acme.example", device_label="x")


# -- admin tools for links ----------------------------------------------------------------


async def test_admins_list_expire_and_resend_pending_links(cast: Cast,
                                                           harness: Harness) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    device = await _ask(harness, user.email)
    first = harness.mailer.sent[-1]
    [pending] = await harness.devices.pending_links(cast.admin.caller)
    assert (pending.user_id, pending.device_addr) == (user.id, device.device_addr)
    for who in (cast.a, cast.agent):
        with pytest.raises(Forbidden, match="only admins"):
            await harness.devices.pending_links(who.caller)
        with pytest.raises(Forbidden):
            await harness.devices.resend_link(who.caller, pending.id)
        with pytest.raises(Forbidden):
            await harness.devices.expire_links(who.caller, user.email)

    fresh = await harness.devices.resend_link(cast.admin.caller, pending.id)
    second = harness.mailer.sent[-1]
    assert second is not first
    assert fresh.device_addr == device.device_addr
    with pytest.raises(LinkRejected, match="withdrawn"):
        await harness.devices.confirm_link(token_from(first))
    assert [x.id for x in await harness.devices.pending_links(cast.admin.caller)] == [fresh.id]

    assert await harness.devices.expire_links(cast.admin.caller, user.email.upper()) == 1
    assert await harness.devices.pending_links(cast.admin.caller) == []
    with pytest.raises(LinkRejected, match="withdrawn"):
        await harness.devices.confirm_link(token_from(second))
    with pytest.raises(LinkRejected, match="no pending sign-in"):
        await harness.devices.confirm_code(device, code_from(second))
    with pytest.raises(NotFound):
        await harness.devices.expire_links(cast.admin.caller, "ghost@acme.example")
    with pytest.raises(NotFound):
        await harness.devices.resend_link(cast.admin.caller, 9999)


async def test_a_used_link_cannot_be_resent(cast: Cast, harness: Harness) -> None:
    [used] = [x for x in await _links(harness) if x.user_id == cast.a.id]
    with pytest.raises(InvalidInput) as refused:
        await harness.devices.resend_link(cast.admin.caller, used.id)
    assert refused.value.field == "link_id"


async def test_resending_to_a_disabled_user_is_refused(cast: Cast, harness: Harness) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    await _ask(harness, user.email)
    [pending] = await harness.devices.pending_links(cast.admin.caller)
    await harness.accounts.update_user(cast.admin.caller, user.id, disabled=True)
    sent = len(harness.mailer.sent)
    with pytest.raises(Conflict, match="disabled"):
        await harness.devices.resend_link(cast.admin.caller, pending.id)
    assert len(harness.mailer.sent) == sent


async def test_storage_keeps_no_secret_of_any_link(cast: Cast, harness: Harness) -> None:
    def dump(r: Repositories) -> str:
        return repr(r.magic_links.all())

    stored = await harness.read(dump)
    for secret in harness.secrets.tokens + harness.secrets.codes:
        assert secret not in stored
