"""The policy matrix, through the use cases.

Every row is one thing a caller may try on customer A's ticket (or on users); every
column one caller: customer A (the requester), customer B, an agent, an admin, and a
device nobody has bound. Each cell runs in a fresh project, once with the default
policy and once with ``customers_see_all_tickets`` switched on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from hero_assistance.domain.errors import (
    DeviceNotBound,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from hero_assistance.domain.identity import Caller, Role
from hero_assistance.domain.messages import Message, Visibility
from hero_assistance.domain.presence import PresenceState
from hero_assistance.domain.tickets import Priority, Ticket, TicketStatus

from .conftest import Cast, Harness
from .images import jpeg_image, png_image

pytestmark = pytest.mark.anyio

NOTE_WORD = "zanzibar"  # appears only in the internal note


@dataclass(frozen=True)
class World:
    cast: Cast
    ticket: Ticket  # requested by A
    b_ticket: Ticket  # requested by B
    message: Message  # A's public reply on A's ticket, showing ``shot``
    note: Message  # the agent's internal note on A's ticket, showing ``note_shot``
    shot: str
    note_shot: str
    public_seqs: frozenset[int]  # durable events about A's ticket a reader may see
    note_seqs: frozenset[int]  # durable events about the note


@pytest.fixture
async def world(cast: Cast, harness: Harness) -> World:
    h = harness
    ticket = await h.ticket(cast.a, "Alice's laptop")
    b_ticket = await h.ticket(cast.b, "Bob's phone")
    shot = (await h.library.upload(cast.a.caller, png_image())).sha256
    message = await h.talk.post(cast.a.caller, ticket.id, body="screenshot attached",
                                attachments=[shot])
    note_shot = (await h.library.upload(cast.agent.caller, jpeg_image())).sha256
    note = await h.talk.post(cast.agent.caller, ticket.id, visibility=Visibility.INTERNAL,
                             body=f"customer lives in {NOTE_WORD}", attachments=[note_shot])
    about_a = [e for e in await h.events() if e.ticket_id == ticket.id]
    return World(
        cast=cast, ticket=ticket, b_ticket=b_ticket, message=message, note=note, shot=shot,
        note_shot=note_shot,
        public_seqs=frozenset(e.seq or 0 for e in about_a if not e.internal),
        note_seqs=frozenset(e.seq or 0 for e in about_a if e.internal),
    )


Op = Callable[[Harness, World, Caller], Awaitable[Any]]
# An error the call must raise, OK for "allowed", a function of the world giving the
# result, or the result itself.
Expect = type[DomainError] | Callable[[World], object] | object
OK = object()


async def _ticket_get(h: Harness, w: World, c: Caller) -> object:
    return (await h.desk.get(c, w.ticket.id)).id


async def _ticket_list(h: Harness, w: World, c: Caller) -> object:
    return {t.id for t in (await h.desk.list_tickets(c)).items}


async def _ticket_history(h: Harness, w: World, c: Caller) -> object:
    return [x.field for x in await h.desk.history(c, w.ticket.id)]


async def _ticket_close(h: Harness, w: World, c: Caller) -> object:
    return (await h.desk.update(c, w.ticket.id, status=TicketStatus.CLOSED)).status


async def _ticket_reopen(h: Harness, w: World, c: Caller) -> object:
    await h.desk.update(w.cast.agent.caller, w.ticket.id, status=TicketStatus.RESOLVED)
    return (await h.desk.update(c, w.ticket.id, status=TicketStatus.OPEN)).status


async def _ticket_work(h: Harness, w: World, c: Caller) -> object:
    return (await h.desk.update(c, w.ticket.id, priority=Priority.URGENT)).priority


async def _ticket_search_note_words(h: Harness, w: World, c: Caller) -> object:
    return {t.id for t in (await h.desk.list_tickets(c, text=NOTE_WORD)).items}


async def _message_post(h: Harness, w: World, c: Caller) -> object:
    return (await h.talk.post(c, w.ticket.id, body="me too")).ticket_id


async def _message_list(h: Harness, w: World, c: Caller) -> object:
    return [m.id for m in await h.talk.list_messages(c, w.ticket.id)]


async def _message_edit(h: Harness, w: World, c: Caller) -> object:
    return (await h.talk.edit(c, w.message.id, body="edited")).body


async def _message_revisions(h: Harness, w: World, c: Caller) -> object:
    return await h.talk.revisions(c, w.message.id)


async def _note_post(h: Harness, w: World, c: Caller) -> object:
    message = await h.talk.post(c, w.ticket.id, body="n", visibility=Visibility.INTERNAL)
    return message.visibility


async def _public_reply_under_note(h: Harness, w: World, c: Caller) -> object:
    return await h.talk.post(c, w.ticket.id, body="public", parent_id=w.note.id)


async def _internal_reply_under_note(h: Harness, w: World, c: Caller) -> object:
    message = await h.talk.post(c, w.ticket.id, body="+1", parent_id=w.note.id,
                                visibility=Visibility.INTERNAL)
    return message.parent_id


async def _note_edit(h: Harness, w: World, c: Caller) -> object:
    return (await h.talk.edit(c, w.note.id, body="edited note")).body


async def _note_revisions(h: Harness, w: World, c: Caller) -> object:
    return await h.talk.revisions(c, w.note.id)


async def _attachment_describe(h: Harness, w: World, c: Caller) -> object:
    return (await h.library.describe(c, w.shot)).sha256


async def _attachment_open(h: Harness, w: World, c: Caller) -> object:
    return (await h.library.open(c, w.shot))[0].sha256


async def _note_attachment_open(h: Harness, w: World, c: Caller) -> object:
    return (await h.library.open(c, w.note_shot))[0].sha256


async def _presence_on_ticket(h: Harness, w: World, c: Caller) -> object:
    return await h.presence.on_ticket(c, w.ticket.id)


async def _presence_view(h: Harness, w: World, c: Caller) -> object:
    beat = await h.presence.heartbeat(c, viewing_ticket_id=w.ticket.id)
    return beat.state


async def _replay_about_ticket(h: Harness, w: World, c: Caller) -> object:
    replay = await h.feed.replay(c, 0)
    return frozenset(e.seq for e in replay.events if e.ticket_id == w.ticket.id)


async def _user_enroll(h: Harness, w: World, c: Caller) -> object:
    user = await h.accounts.enroll(c, email="new@acme.example", role=Role.CUSTOMER,
                                   display_name="New")
    return user.role


async def _user_disable(h: Harness, w: World, c: Caller) -> object:
    return (await h.accounts.update_user(c, w.cast.b.id, disabled=True)).status.value


async def _users_list(h: Harness, w: World, c: Caller) -> object:
    return len(await h.accounts.list_users(c))


async def _devices_of_a(h: Harness, w: World, c: Caller) -> object:
    return [d.address for d in await h.devices.list_devices(c, w.cast.a.id)]


async def _device_revoke_of_a(h: Harness, w: World, c: Caller) -> object:
    return (await h.devices.revoke_device(c, w.cast.a.addr)).address


async def _project_update(h: Harness, w: World, c: Caller) -> object:
    return (await h.project.update(c, name="Renamed project")).name


async def _mail_list(h: Harness, w: World, c: Caller) -> object:
    return len(await h.mail_ops.listing(c)) > 0  # every bound person got a sign-in mail


async def _mail_retry(h: Harness, w: World, c: Caller) -> object:
    return await h.mail_ops.retry(c, 987654)


async def _sign_in_requests(h: Harness, w: World, c: Caller) -> object:
    return len(await h.devices.recent_requests(c)) > 0


def _both(w: World) -> object:
    return {w.ticket.id, w.b_ticket.id}


# name: (op, {actor: expectation}, {actor: expectation when customers see all})
# Unlisted in the third column: same as the default. The unbound device is always
# DeviceNotBound and is not listed.
MATRIX: dict[str, tuple[Op, dict[str, Expect], dict[str, Expect]]] = {
    "ticket.get": (_ticket_get, {
        "a": lambda w: w.ticket.id, "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": OK}),
    "ticket.list": (_ticket_list, {
        "a": lambda w: {w.ticket.id}, "b": lambda w: {w.b_ticket.id}, "agent": _both,
        "admin": _both,
    }, {"a": _both, "b": _both}),
    "ticket.history": (_ticket_history, {
        "a": ["created"], "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": OK}),
    "ticket.close": (_ticket_close, {
        "a": TicketStatus.CLOSED, "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": Forbidden}),
    "ticket.reopen": (_ticket_reopen, {
        "a": TicketStatus.OPEN, "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": Forbidden}),
    "ticket.work": (_ticket_work, {
        "a": Forbidden, "b": NotFound, "agent": Priority.URGENT, "admin": OK,
    }, {"b": Forbidden}),
    "ticket.search_note_words": (_ticket_search_note_words, {
        "a": set(), "b": set(), "agent": lambda w: {w.ticket.id},
        "admin": lambda w: {w.ticket.id},
    }, {}),
    "message.post": (_message_post, {
        "a": lambda w: w.ticket.id, "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": OK}),
    "message.list": (_message_list, {
        "a": lambda w: [w.message.id], "b": NotFound,
        "agent": lambda w: [w.message.id, w.note.id],
        "admin": lambda w: [w.message.id, w.note.id],
    }, {"b": lambda w: [w.message.id]}),
    "message.edit": (_message_edit, {
        "a": "edited", "b": NotFound, "agent": Forbidden, "admin": OK,
    }, {"b": Forbidden}),
    "message.revisions": (_message_revisions, {
        "a": [], "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": OK}),
    "note.post": (_note_post, {
        "a": Forbidden, "b": Forbidden, "agent": Visibility.INTERNAL, "admin": OK,
    }, {}),
    "note.public_reply": (_public_reply_under_note, {
        "a": NotFound, "b": NotFound, "agent": InvalidInput, "admin": InvalidInput,
    }, {}),
    "note.internal_reply": (_internal_reply_under_note, {
        "a": Forbidden, "b": Forbidden, "agent": lambda w: w.note.id, "admin": OK,
    }, {}),
    "note.edit": (_note_edit, {
        "a": NotFound, "b": NotFound, "agent": OK, "admin": OK,
    }, {}),
    "note.revisions": (_note_revisions, {
        "a": NotFound, "b": NotFound, "agent": OK, "admin": OK,
    }, {}),
    "attachment.describe": (_attachment_describe, {
        "a": lambda w: w.shot, "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": OK}),
    "attachment.open": (_attachment_open, {
        "a": lambda w: w.shot, "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": OK}),
    "attachment.open_note_only": (_note_attachment_open, {
        "a": NotFound, "b": NotFound, "agent": lambda w: w.note_shot, "admin": OK,
    }, {}),
    "presence.on_ticket": (_presence_on_ticket, {
        "a": [], "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": OK}),
    "presence.view": (_presence_view, {
        "a": PresenceState.ONLINE, "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": OK}),
    "events.replay": (_replay_about_ticket, {
        "a": lambda w: w.public_seqs, "b": frozenset(),
        "agent": lambda w: w.public_seqs | w.note_seqs,
        "admin": lambda w: w.public_seqs | w.note_seqs,
    }, {"b": lambda w: w.public_seqs}),
    "user.enroll": (_user_enroll, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": Role.CUSTOMER,
    }, {}),
    "user.disable": (_user_disable, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": "disabled",
    }, {}),
    "user.list": (_users_list, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": OK,
    }, {}),
    "device.revoke_of_a": (_device_revoke_of_a, {
        "a": lambda w: w.cast.a.addr, "b": NotFound, "agent": NotFound,
        "admin": lambda w: w.cast.a.addr,
    }, {}),
    "project.update": (_project_update, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": "Renamed project",
    }, {}),
    "mail.list": (_mail_list, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": True,
    }, {}),
    "mail.retry": (_mail_retry, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": NotFound,
    }, {}),
    "sign_in.requests": (_sign_in_requests, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": True,
    }, {}),
    "device.list_of_a": (_devices_of_a, {
        "a": lambda w: [w.cast.a.addr], "b": NotFound, "agent": NotFound,
        "admin": lambda w: [w.cast.a.addr],
    }, {}),
}

ACTORS = ["a", "b", "agent", "admin", "unbound"]


def _caller(w: World, actor: str) -> Caller:
    if actor == "unbound":
        return w.cast.unbound
    person = getattr(w.cast, actor)
    return person.caller  # type: ignore[no-any-return]


@pytest.mark.parametrize("see_all", [False, True], ids=["own-only", "see-all"])
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", sorted(MATRIX))
async def test_policy(harness: Harness, world: World, operation: str, actor: str,
                      see_all: bool) -> None:
    op, default, widened = MATRIX[operation]
    if see_all:
        await harness.see_all()
    expected: Expect = DeviceNotBound if actor == "unbound" else (
        widened.get(actor, default[actor]) if see_all else default[actor])
    caller = _caller(world, actor)
    if isinstance(expected, type) and issubclass(expected, DomainError):
        with pytest.raises(expected) as refused:
            await op(harness, world, caller)
        # NotFound must not be dressed up as anything more telling, and vice versa.
        assert type(refused.value) is expected
        return
    result = await op(harness, world, caller)
    if expected is not OK:
        assert result == (expected(world) if callable(expected) else expected)


def test_the_matrix_covers_every_actor() -> None:
    for name, (_, default, widened) in MATRIX.items():
        assert set(default) == {"a", "b", "agent", "admin"}, name
        assert set(widened) <= set(default), name


async def test_not_found_for_a_hidden_ticket_reads_like_a_missing_one(
    harness: Harness, world: World
) -> None:
    hidden, missing = world.ticket.id, 987654
    b = world.cast.b.caller
    with pytest.raises(NotFound) as for_hidden:
        await harness.desk.get(b, hidden)
    with pytest.raises(NotFound) as for_missing:
        await harness.desk.get(b, missing)
    assert for_hidden.value.message == for_missing.value.message.replace(
        str(missing), str(hidden))
