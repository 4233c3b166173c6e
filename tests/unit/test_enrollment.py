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
)
from hero_assistance.domain.identity import (
    CallerIdentity,
    Role,
    UnboundDevice,
    UserStatus,
)
from hero_assistance.domain.magic_links import MAX_CODE_ATTEMPTS, MagicLink, hash_secret
from hero_assistance.domain.mail_queue import MailKind, MailStatus
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.services import DeviceEnrollment
from hero_assistance.domain.sign_in_requests import SignInLimits, SignInOutcome

from .conftest import PROJECT_NAME, Cast, Harness, code_from, link_url, token_from

pytestmark = pytest.mark.anyio


async def _links(h: Harness) -> list[MagicLink]:
    return await h.read(lambda r: r.magic_links.all())


async def _bindings(h: Harness) -> dict[str, int]:
    return await h.read(lambda r: {d.address: d.user_id for d in r.devices.all()})


async def _ask(h: Harness, email: str, device: UnboundDevice | None = None,
               label: str = "laptop") -> UnboundDevice:
    """Ask for a link, then let the mail worker deliver what that queued."""
    device = device or h.unbound()
    await h.devices.request_link(device, email=email, device_label=label)
    await h.deliver()
    return device


async def _outcomes(h: Harness) -> list[SignInOutcome]:
    requests = await h.read(lambda r: r.sign_in_requests.recent(limit=1000))
    return [r.outcome for r in reversed(requests)]


def _limited(h: Harness, limits: SignInLimits) -> DeviceEnrollment:
    """The harness's enrollment with other limits, over the same storage."""
    return DeviceEnrollment(h.storage, h.clock, h.secrets, link_url, limits=limits)


# -- asking for a link -------------------------------------------------------------------


async def test_an_enrolled_user_gets_exactly_one_mail_with_link_and_code_in_both_parts(
    harness: Harness,
) -> None:
    user = await harness.enroll(Role.CUSTOMER, email="carol@acme.example")
    sent = len(harness.mailer.sent)
    device = await _ask(harness, "carol@acme.example", label="work laptop")
    assert len(harness.mailer.sent) == sent + 1
    mail = harness.mailer.sent[-1]
    token, code = harness.secrets.tokens[-1], harness.secrets.codes[-1]
    shown = f"{code[:4]}-{code[4:]}"
    assert mail.to == user.email
    assert PROJECT_NAME in mail.subject
    for part in (mail.text, mail.html):
        assert link_url(token) in part
        assert shown in part
        assert device.device_addr in part
    assert "calls itself \u201cwork laptop\u201d" in mail.text
    assert "calls itself &ldquo;work laptop&rdquo;" in mail.html.replace(
        "\u201c", "&ldquo;").replace("\u201d", "&rdquo;")
    assert token_from(mail) == token
    assert code_from(mail) == shown
    assert mail.message_key is not None
    assert mail.message_key.startswith("sign-in.")
    # Only hashes are stored.
    [link] = [x for x in await _links(harness) if x.user_id == user.id]
    assert link.token_hash == hash_secret(token)
    assert link.code_hash == hash_secret(code)
    assert token not in repr(link)
    assert code not in repr(link)


async def test_the_answer_comes_first_then_the_link_and_mail_then_delivery(
    harness: Harness,
) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    sent, links = len(harness.mailer.sent), len(await _links(harness))
    queue = await harness.read(lambda r: r.mail_queue.listing())
    device = harness.unbound()
    assert await harness.devices.request_link(device, email=user.email,
                                              device_label="x") is None
    # The request path only recorded the request: no link, no mail yet.
    assert len(await _links(harness)) == links
    assert await harness.read(lambda r: r.mail_queue.listing()) == queue
    assert await harness.devices.issue_requested_links() is False  # nothing more waits
    [queued] = await harness.read(lambda r: r.mail_queue.listing(status=MailStatus.PENDING))
    [link] = [x for x in await _links(harness) if x.user_id == user.id]
    assert (queued.recipient, queued.kind, queued.not_after) == (
        user.email, MailKind.SIGN_IN, link.expires_at)
    assert len(harness.mailer.sent) == sent  # nothing sent yet either
    report = await harness.deliver()
    assert (report.sent, report.deferred, report.failed) == (1, 0, 0)
    assert len(harness.mailer.sent) == sent + 1
    [done] = await harness.read(lambda r: r.mail_queue.listing(limit=1))
    assert done.status is MailStatus.SENT
    assert not done.has_body  # a sent sign-in mail keeps no link and no code


async def test_unknown_and_disabled_emails_get_the_same_answer_and_no_mail(
    cast: Cast, harness: Harness
) -> None:
    await harness.accounts.update_user(cast.admin.caller, cast.b.id, disabled=True)
    sent, links = len(harness.mailer.sent), len(await _links(harness))
    outcomes = []
    for email in ("nobody@acme.example", cast.b.user.email):
        outcomes.append(await harness.devices.request_link(
            harness.unbound(), email=email, device_label="laptop"))
    await harness.deliver()
    assert outcomes == [None, None]
    assert len(harness.mailer.sent) == sent
    assert len(await _links(harness)) == links
    assert (await _outcomes(harness))[-2:] == [SignInOutcome.UNKNOWN, SignInOutcome.DISABLED]
    enrolled = await harness.enroll(Role.CUSTOMER)
    assert await harness.devices.request_link(
        harness.unbound(), email=enrolled.email, device_label="laptop") is None
    await harness.deliver()
    assert len(harness.mailer.sent) == sent + 1


async def test_the_request_path_writes_the_same_one_record_whatever_the_email(
    harness: Harness,
) -> None:
    # What keeps enrolled and unknown answers alike in time: the same single write.
    enrolled = await harness.enroll(Role.CUSTOMER)
    links = await _links(harness)
    for email in (enrolled.email, "ghost@acme.example"):
        await harness.devices.request_link(harness.unbound(), email=email, device_label="x")
    unknown, mailed = await harness.read(lambda r: r.sign_in_requests.recent(limit=2))
    assert await _links(harness) == links
    for request, email in ((mailed, enrolled.email), (unknown, "ghost@acme.example")):
        assert (request.email, request.user_id, request.outcome, request.link_id) == (
            email, None, SignInOutcome.RECEIVED, None)
    await harness.deliver()
    unknown, mailed = await harness.read(lambda r: r.sign_in_requests.recent(limit=2))
    assert (mailed.user_id, mailed.outcome, mailed.email) == (
        enrolled.id, SignInOutcome.MAILED, None)
    assert mailed.link_id is not None
    assert (unknown.user_id, unknown.outcome, unknown.link_id, unknown.email) == (
        None, SignInOutcome.UNKNOWN, None, None)
    assert "ghost" not in repr(await harness.read(
        lambda r: r.sign_in_requests.recent(limit=10)))  # an unknown email is not kept


async def test_requests_are_handled_in_bounded_batches_oldest_first(
    harness: Harness,
) -> None:
    user = await harness.enroll(Role.CUSTOMER)
    limits = SignInLimits(per_device=1000, per_device_and_email=1, mails_per_email=1000)
    devices = _limited(harness, limits)
    for n in range(7):
        await devices.request_link(harness.unbound(), email=user.email, device_label=f"d{n}")
    assert await devices.issue_requested_links(limit=3) is True
    assert await devices.issue_requested_links(limit=3) is True
    assert await devices.issue_requested_links(limit=3) is False
    links = [x for x in await _links(harness) if x.user_id == user.id]
    assert [x.device_label for x in links] == [f"d{n}" for n in range(7)]


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


# -- limits: nobody else can lock the owner out or flood the mailbox ---------------------


async def test_a_few_other_devices_cannot_keep_the_owners_device_from_a_link(
    harness: Harness,
) -> None:
    # Today's main refused the fourth request for an email from anywhere: three strangers
    # locked the owner out. Now each device has its own share of the mailbox.
    owner = await harness.enroll(Role.CUSTOMER)
    shares = harness.devices.limits.shares_per_email
    for _ in range(shares - 1):  # every share but one, each used to the full
        attacker = harness.unbound()
        for _ in range(harness.devices.limits.per_device_and_email):
            await _ask(harness, owner.email, attacker)
            harness.tick(30)
    sent = len(harness.mailer.sent)
    laptop = await _ask(harness, owner.email, label="my laptop")
    assert len(harness.mailer.sent) == sent + 1
    mail = harness.mailer.sent[-1]
    assert laptop.device_addr in mail.text
    binding = await harness.devices.confirm_code(laptop, code_from(mail))
    assert binding.user_id == owner.id


async def test_a_device_keeps_its_share_once_it_has_one(harness: Harness) -> None:
    owner = await harness.enroll(Role.CUSTOMER)
    limits = harness.devices.limits
    laptop = await _ask(harness, owner.email)  # the owner asked first, then the crowd came
    for _ in range(3 * limits.shares_per_email):
        await _ask(harness, owner.email)
    sent = len(harness.mailer.sent)
    await _ask(harness, owner.email, laptop)  # the rest of the laptop's share
    assert len(harness.mailer.sent) == sent + 1
    assert harness.mailer.sent[-1].text.count(laptop.device_addr) == 1


async def test_the_mailbox_gets_at_most_its_hourly_cap_however_many_devices_ask(
    harness: Harness,
) -> None:
    owner = await harness.enroll(Role.CUSTOMER)
    limits = harness.devices.limits
    sent = len(harness.mailer.sent)
    answers = set()
    for _ in range(5 * limits.shares_per_email):
        device = harness.unbound()
        for _ in range(limits.per_device_and_email):
            answers.add(await harness.devices.request_link(device, email=owner.email,
                                                           device_label="bot"))
            harness.tick(5)
    await harness.deliver()
    assert answers == {None}  # the same answer, mailbox full or not
    mailed = len(harness.mailer.sent) - sent
    assert mailed == limits.mails_per_email
    outcomes = await _outcomes(harness)
    assert outcomes.count(SignInOutcome.MAILBOX_FULL) == (
        5 * limits.shares_per_email * limits.per_device_and_email - mailed)
    links = [x for x in await _links(harness) if x.user_id == owner.id]
    assert len(links) == mailed  # no link exists that nobody was mailed
    harness.tick(3600)  # an hour after the first mails, shares free up again
    await _ask(harness, owner.email)
    assert len(harness.mailer.sent) == sent + mailed + 1


async def test_the_mailbox_shares_outlive_a_restart_of_the_server(harness: Harness) -> None:
    # The shares are counted from storage, not from memory that a restart empties.
    owner = await harness.enroll(Role.CUSTOMER)
    limits = SignInLimits(per_device=100, per_device_and_email=1, mails_per_email=2)
    first = _limited(harness, limits)
    for _ in range(2):
        await first.request_link(harness.unbound(), email=owner.email, device_label="x")
    await first.issue_requested_links()
    restarted = _limited(harness, limits)
    await restarted.request_link(harness.unbound(), email=owner.email, device_label="x")
    await restarted.issue_requested_links()
    assert (await _outcomes(harness))[-3:] == [
        SignInOutcome.MAILED, SignInOutcome.MAILED, SignInOutcome.MAILBOX_FULL]


async def test_a_device_asking_past_its_share_is_refused_for_any_email_alike(
    harness: Harness,
) -> None:
    enrolled = await harness.enroll(Role.CUSTOMER)
    share = harness.devices.limits.per_device_and_email
    refusals = []
    for email in (enrolled.email, "ghost@acme.example"):
        device = harness.unbound()
        for _ in range(share):
            await _ask(harness, email, device)
        with pytest.raises(RateLimited) as refused:
            await _ask(harness, email, device)
        refusals.append((refused.value.message, refused.value.retry_after))
        assert "for this email from this device" in refused.value.message
        await _ask(harness, email)  # another device is not held back
    # The same refusal for both: the limit does not reveal who is enrolled.
    assert refusals[0] == refusals[1]
    harness.tick(3600)
    await _ask(harness, enrolled.email, device)


async def test_requests_are_limited_per_device_whatever_the_email(harness: Harness) -> None:
    device = harness.unbound()
    per_device = harness.devices.limits.per_device
    for i in range(per_device):
        await _ask(harness, f"probe{i}@acme.example", device)
    with pytest.raises(RateLimited) as refused:
        await _ask(harness, "probe99@acme.example", device)
    assert refused.value.retry_after == pytest.approx(3600)
    assert "from this device" in refused.value.message
    await _ask(harness, "probe99@acme.example")  # another device is not held back
    harness.tick(3600)
    await _ask(harness, "probe99@acme.example", device)


async def test_the_limits_are_checked_when_configured(harness: Harness) -> None:
    with pytest.raises(ValueError, match="one whole share"):
        SignInLimits(per_device_and_email=3, mails_per_email=2)
    with pytest.raises(ValueError, match="at least 1"):
        SignInLimits(per_device=0)
    assert SignInLimits(per_device_and_email=2, mails_per_email=7).shares_per_email == 3


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


async def test_with_the_mail_server_down_the_answer_is_the_same_and_the_mail_waits(
    harness: Harness,
) -> None:
    # Today's main answered an enrolled email with -32009 while mail was down, an
    # unknown one normally: the outage told enrolled from unknown.
    user = await harness.enroll(Role.CUSTOMER)
    harness.mailer.reachable = False
    device = harness.unbound()
    assert await harness.devices.request_link(device, email=user.email,
                                              device_label="x") is None
    report = await harness.deliver()
    assert (report.sent, report.deferred) == (0, 1)
    [waiting] = await harness.read(lambda r: r.mail_queue.listing(limit=1))
    assert (waiting.status, waiting.attempts) == (MailStatus.PENDING, 1)
    assert "not reachable" in (waiting.last_error or "")
    assert waiting.next_attempt_at == harness.clock.now() + timedelta(seconds=10)
    assert (await harness.deliver()).deferred == 0  # not due again yet
    harness.mailer.reachable = True
    harness.tick(10)
    assert (await harness.deliver()).sent == 1
    assert (await harness.deliver()).sent == 0  # sent once, not again
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
    await harness.deliver()
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
    await harness.deliver()
    assert len(harness.mailer.sent) == sent


async def test_storage_keeps_no_secret_of_any_link(cast: Cast, harness: Harness) -> None:
    def dump(r: Repositories) -> str:
        return repr(r.magic_links.all())

    stored = await harness.read(dump)
    for secret in harness.secrets.tokens + harness.secrets.codes:
        assert secret not in stored
