"""The policy matrix, through the use cases.

Every row is one thing a caller may try on customer A's ticket (or on users, teams,
canned replies); every column one caller: customer A (the requester), customer B, an
agent of the ticket's team, an agent of another team, an admin, and a device nobody
has bound. Each cell runs in a fresh project, once with the default policy and once
with ``customers_see_all_tickets`` switched on.

Agents see and work every ticket of the project whatever its team (DESIGN section 4);
the other team's agent therefore has the agent's column unless a row says otherwise,
which is itself what the matrix checks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from hero_assistance.domain.business_calendar import WorkingHours
from hero_assistance.domain.canned import CannedReply
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
from hero_assistance.domain.queues import QueueView
from hero_assistance.domain.service_levels import Target, TargetKind
from hero_assistance.domain.services import TicketChangeRequest
from hero_assistance.domain.teams import Team
from hero_assistance.domain.tickets import Priority, Ticket, TicketStatus

from .conftest import Cast, Harness, Person
from .images import jpeg_image, png_image
from .test_client_service import server_document

pytestmark = pytest.mark.anyio

NOTE_WORD = "zanzibar"  # appears only in the internal note


@dataclass(frozen=True)
class World:
    cast: Cast
    other_agent: Person  # in the Technical team; A's ticket is Billing's
    billing: Team  # the agent's team
    technical: Team
    shared_reply: CannedReply  # the agent's, shared
    personal_reply: CannedReply  # the agent's own
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
    other_agent = await h.agent(name="Otto Other-team")
    billing = await h.teams.create(cast.admin.caller, name="Billing", members=[cast.agent.id])
    technical = await h.teams.create(cast.admin.caller, name="Technical",
                                     members=[other_agent.id])
    shared_reply = await h.canned.create(cast.agent.caller, title="Thanks", shared=True,
                                         body="Thanks {{customer.name}}, ticket {{ticket.id}}.")
    personal_reply = await h.canned.create(cast.agent.caller, title="Mine", body="— Agnes")
    h.tick(60)
    ticket = await h.ticket(cast.a, "Alice's laptop")
    await h.desk.update(cast.agent.caller, ticket.id, team_id=billing.id)
    b_ticket = await h.ticket(cast.b, "Bob's phone")
    shot = (await h.library.upload(cast.a.caller, png_image())).sha256
    message = await h.talk.post(cast.a.caller, ticket.id, body="screenshot attached",
                                attachments=[shot])
    note_shot = (await h.library.upload(cast.agent.caller, jpeg_image())).sha256
    note = await h.talk.post(cast.agent.caller, ticket.id, visibility=Visibility.INTERNAL,
                             body=f"customer lives in {NOTE_WORD}", attachments=[note_shot])
    about_a = [e for e in await h.events() if e.ticket_id == ticket.id]
    return World(
        cast=cast, other_agent=other_agent, billing=billing, technical=technical,
        shared_reply=shared_reply, personal_reply=personal_reply,
        ticket=ticket, b_ticket=b_ticket, message=message, note=note, shot=shot,
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


async def _people_names(h: Harness, w: World, c: Caller) -> object:
    # The names shown on tickets: another customer's only where tickets are shared.
    found = await h.accounts.people(c, [w.cast.a.id, w.cast.b.id, w.cast.agent.id])
    return sorted(u.display_name for u in found)


async def _history_shows_team(h: Harness, w: World, c: Caller) -> object:
    return "team_id" in [x.field for x in await h.desk.history(c, w.ticket.id)]


async def _ticket_set_team(h: Harness, w: World, c: Caller) -> object:
    return (await h.desk.update(c, w.ticket.id, team_id=w.technical.id)).team_id


async def _ticket_team_queue(h: Harness, w: World, c: Caller) -> object:
    page = await h.desk.list_tickets(c, view=QueueView.TEAM, team_id=w.billing.id)
    return {t.id for t in page.items}


async def _ticket_view_all_open(h: Harness, w: World, c: Caller) -> object:
    page = await h.desk.list_tickets(c, view=QueueView.ALL_OPEN)
    return {t.id for t in page.items}


async def _queue_counts(h: Harness, w: World, c: Caller) -> object:
    return sorted((x.view.value, x.team_id is not None) for x in await h.queues.counts(c))


async def _bulk_priority(h: Harness, w: World, c: Caller) -> object:
    outcomes = await h.desk.bulk_update(c, [w.ticket.id, w.b_ticket.id],
                                        TicketChangeRequest(priority=Priority.HIGH))
    return [type(o.error).__name__ if o.error else "ok" for o in outcomes]


async def _bulk_close(h: Harness, w: World, c: Caller) -> object:
    outcomes = await h.desk.bulk_update(c, [w.ticket.id, w.b_ticket.id],
                                        TicketChangeRequest(status=TicketStatus.CLOSED))
    return [type(o.error).__name__ if o.error else "ok" for o in outcomes]


async def _read_mark(h: Harness, w: World, c: Caller) -> object:
    return await h.reads.mark_read(c, w.ticket.id)


async def _read_unmark(h: Harness, w: World, c: Caller) -> object:
    await h.reads.mark_read(c, w.ticket.id)
    return await h.reads.mark_unread(c, w.ticket.id)


async def _read_markers(h: Harness, w: World, c: Caller) -> object:
    return await h.reads.unread_among(c, [w.ticket.id, w.b_ticket.id])


async def _team_list(h: Harness, w: World, c: Caller) -> object:
    return [t.name for t in await h.teams.list_teams(c)]


async def _team_create(h: Harness, w: World, c: Caller) -> object:
    return (await h.teams.create(c, name="Sales")).name


async def _team_update(h: Harness, w: World, c: Caller) -> object:
    return (await h.teams.update(c, w.billing.id, members=[w.other_agent.id])).members


async def _team_delete(h: Harness, w: World, c: Caller) -> object:
    return await h.teams.delete(c, w.billing.id)


async def _canned_list(h: Harness, w: World, c: Caller) -> object:
    return sorted(x.title for x in await h.canned.list_replies(c))


async def _canned_create(h: Harness, w: World, c: Caller) -> object:
    return (await h.canned.create(c, title="New", body="text")).owner_id == _user_of(w, c)


async def _canned_edit_shared(h: Harness, w: World, c: Caller) -> object:
    return (await h.canned.update(c, w.shared_reply.id, body="edited")).body


async def _canned_edit_personal(h: Harness, w: World, c: Caller) -> object:
    return (await h.canned.update(c, w.personal_reply.id, body="edited")).body


async def _canned_unshare(h: Harness, w: World, c: Caller) -> object:
    return (await h.canned.update(c, w.shared_reply.id, shared=False)).shared


async def _canned_delete(h: Harness, w: World, c: Caller) -> object:
    await h.canned.delete(c, w.shared_reply.id)
    return True


async def _canned_render(h: Harness, w: World, c: Caller) -> object:
    return await h.canned.render(c, w.shared_reply.id, w.ticket.id)


async def _canned_placeholders(h: Harness, w: World, c: Caller) -> object:
    return "customer.name" in h.canned.placeholders(c)


async def _staff_directory(h: Harness, w: World, c: Caller) -> object:
    return len(await h.directory.staff(c))


async def _customer_search(h: Harness, w: World, c: Caller) -> object:
    return [u.display_name for u in await h.directory.find_customers(c, "bob")]


async def _customer_context(h: Harness, w: World, c: Caller) -> object:
    return (await h.directory.customer_context(c, w.ticket.id)).customer.email


async def _tag_suggest(h: Harness, w: World, c: Caller) -> object:
    return await h.directory.suggest_tags(c, "")


async def _file_for_customer(h: Harness, w: World, c: Caller) -> object:
    return (await h.desk.create(c, subject="Phoned in", requester_id=w.cast.b.id)).requester_id


async def _sla_settings(h: Harness, w: World, c: Caller) -> object:
    return (await h.service_levels.settings(c)).calendar.zone


async def _sla_set_calendar(h: Harness, w: World, c: Caller) -> object:
    hours = [WorkingHours(d, 9 * 60, 17 * 60) for d in range(5)]
    return (await h.service_levels.set_calendar(c, zone="Europe/Amsterdam", hours=hours)).zone


async def _sla_set_policy(h: Harness, w: World, c: Caller) -> object:
    found = await h.service_levels.set_policy(
        c, Priority.NORMAL, [Target(TargetKind.FIRST_RESPONSE, 60)])
    return None if found is None else found.priority


async def _sla_of_ticket(h: Harness, w: World, c: Caller) -> object:
    return (await h.service_levels.for_ticket(c, w.ticket.id)).ticket.id


def _user_of(w: World, c: Caller) -> int:
    return getattr(c, "user_id", 0)


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
        "other_agent": Forbidden,  # the note is the agent's words
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
    "user.people": (_people_names, {
        "a": ["Agnes", "Alice"], "b": ["Agnes", "Bob"], "agent": ["Agnes", "Alice", "Bob"],
        "admin": ["Agnes", "Alice", "Bob"],
    }, {"a": ["Agnes", "Alice", "Bob"], "b": ["Agnes", "Alice", "Bob"]}),
    # -- the agent's workspace (issue 14) --------------------------------------------
    "ticket.history_shows_team": (_history_shows_team, {
        "a": False, "b": NotFound, "agent": True, "admin": True,
    }, {"b": False}),
    "ticket.set_team": (_ticket_set_team, {
        "a": Forbidden, "b": NotFound, "agent": lambda w: w.technical.id, "admin": OK,
    }, {"b": Forbidden}),
    "ticket.file_for_customer": (_file_for_customer, {
        "a": Forbidden, "b": lambda w: w.cast.b.id, "agent": lambda w: w.cast.b.id,
        "admin": OK,
    }, {}),
    "queue.team_view": (_ticket_team_queue, {
        "a": Forbidden, "b": Forbidden, "agent": lambda w: {w.ticket.id}, "admin": OK,
    }, {}),
    "queue.all_open_view": (_ticket_view_all_open, {
        "a": Forbidden, "b": Forbidden, "agent": _both, "admin": _both,
    }, {}),
    "queue.counts": (_queue_counts, {
        "a": [("all_open", False)], "b": [("all_open", False)],
        "agent": [("all_open", False), ("my_open", False), ("pending", False),
                  ("recently_resolved", False), ("team", True), ("team", True),
                  ("unassigned", False)],
        "admin": OK,
    }, {}),
    "ticket.bulk_priority": (_bulk_priority, {
        "a": ["Forbidden", "NotFound"], "b": ["NotFound", "Forbidden"],
        "agent": ["ok", "ok"], "admin": ["ok", "ok"],
    }, {"a": ["Forbidden", "Forbidden"], "b": ["Forbidden", "Forbidden"]}),
    "ticket.bulk_close": (_bulk_close, {
        "a": ["ok", "NotFound"], "b": ["NotFound", "ok"], "agent": ["ok", "ok"],
        "admin": ["ok", "ok"],
    }, {"a": ["ok", "Forbidden"], "b": ["Forbidden", "ok"]}),
    "read.mark": (_read_mark, {
        "a": False, "b": NotFound, "agent": True, "admin": True,
    }, {"b": True}),
    "read.unmark": (_read_unmark, {
        "a": True, "b": NotFound, "agent": True, "admin": True,
    }, {"b": True}),
    "read.markers": (_read_markers, {
        "a": set(), "b": set(), "agent": _both, "admin": _both,
    }, {"a": lambda w: {w.b_ticket.id}, "b": lambda w: {w.ticket.id}}),
    "team.list": (_team_list, {
        "a": Forbidden, "b": Forbidden, "agent": ["Billing", "Technical"], "admin": OK,
    }, {}),
    "team.create": (_team_create, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": "Sales",
    }, {}),
    "team.update": (_team_update, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden,
        "admin": lambda w: (w.other_agent.id,),
    }, {}),
    "team.delete": (_team_delete, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": 1,
    }, {}),
    "canned.list": (_canned_list, {
        "a": Forbidden, "b": Forbidden, "agent": ["Mine", "Thanks"], "admin": ["Thanks"],
        "other_agent": ["Thanks"],
    }, {}),
    "canned.create": (_canned_create, {
        "a": Forbidden, "b": Forbidden, "agent": True, "admin": True,
    }, {}),
    "canned.edit_shared": (_canned_edit_shared, {
        "a": Forbidden, "b": Forbidden, "agent": "edited", "admin": "edited",
    }, {}),
    "canned.edit_personal": (_canned_edit_personal, {
        "a": Forbidden, "b": Forbidden, "agent": "edited", "admin": NotFound,
        "other_agent": NotFound,
    }, {}),
    "canned.unshare": (_canned_unshare, {
        "a": Forbidden, "b": Forbidden, "agent": False, "admin": False,
        "other_agent": Forbidden,
    }, {}),
    "canned.delete": (_canned_delete, {
        "a": Forbidden, "b": Forbidden, "agent": True, "admin": True,
    }, {}),
    "canned.render": (_canned_render, {
        "a": Forbidden, "b": Forbidden,
        "agent": lambda w: f"Thanks Alice, ticket {w.ticket.id}.", "admin": OK,
    }, {}),
    "canned.placeholders": (_canned_placeholders, {
        "a": Forbidden, "b": Forbidden, "agent": True, "admin": True,
    }, {}),
    "staff.directory": (_staff_directory, {
        "a": Forbidden, "b": Forbidden, "agent": 3, "admin": 3,
    }, {}),
    "customer.search": (_customer_search, {
        "a": Forbidden, "b": Forbidden, "agent": ["Bob"], "admin": OK,
    }, {}),
    "customer.context": (_customer_context, {
        "a": Forbidden, "b": Forbidden, "agent": lambda w: w.cast.a.user.email, "admin": OK,
    }, {}),
    "tag.suggest": (_tag_suggest, {
        "a": Forbidden, "b": Forbidden, "agent": [], "admin": [],
    }, {}),
    # -- service levels (issue 15) -----------------------------------------------------
    "sla.settings": (_sla_settings, {
        "a": Forbidden, "b": Forbidden, "agent": "UTC", "admin": "UTC",
    }, {}),
    "sla.set_calendar": (_sla_set_calendar, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": "Europe/Amsterdam",
    }, {}),
    "sla.set_policy": (_sla_set_policy, {
        "a": Forbidden, "b": Forbidden, "agent": Forbidden, "admin": Priority.NORMAL,
    }, {}),
    "ticket.service_level": (_sla_of_ticket, {
        "a": lambda w: w.ticket.id, "b": NotFound, "agent": OK, "admin": OK,
    }, {"b": OK}),
}

ACTORS = ["a", "b", "agent", "other_agent", "admin", "unbound"]
COLUMNS = {"a", "b", "agent", "admin"}  # other_agent: the agent's, unless a row says


def _caller(w: World, actor: str) -> Caller:
    if actor == "unbound":
        return w.cast.unbound
    if actor == "other_agent":
        return w.other_agent.caller
    person = getattr(w.cast, actor)
    return person.caller  # type: ignore[no-any-return]


def _expected(default: dict[str, Expect], widened: dict[str, Expect], actor: str,
              see_all: bool) -> Expect:
    if actor == "unbound":
        return DeviceNotBound
    if see_all and actor in widened:
        return widened[actor]
    if actor == "other_agent" and actor not in default:
        return _expected(default, widened, "agent", see_all)
    return default[actor]


@pytest.mark.parametrize("see_all", [False, True], ids=["own-only", "see-all"])
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", sorted(MATRIX))
async def test_policy(harness: Harness, world: World, operation: str, actor: str,
                      see_all: bool) -> None:
    op, default, widened = MATRIX[operation]
    if see_all:
        await harness.see_all()
    expected = _expected(default, widened, actor, see_all)
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
        assert COLUMNS <= set(default) <= COLUMNS | {"other_agent"}, name
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


# Every method the server publishes, with the matrix rows that try it. A new method
# without a row fails here: add its rows (every role) before it ships.
METHOD_ROWS: dict[str, tuple[str, ...]] = {
    "ticket.get": ("ticket.get",),
    "ticket.list": ("ticket.list", "ticket.search_note_words", "queue.team_view",
                    "queue.all_open_view"),
    "ticket.history": ("ticket.history", "ticket.history_shows_team"),
    "ticket.create": ("ticket.file_for_customer",),
    "ticket.update": ("ticket.close", "ticket.reopen", "ticket.work", "ticket.set_team"),
    "message.post": ("message.post", "note.post", "note.public_reply", "note.internal_reply"),
    "message.list": ("message.list",),
    "message.edit": ("message.edit", "note.edit"),
    "message.revisions": ("message.revisions", "note.revisions"),
    "attachment.get": ("attachment.describe", "attachment.open", "attachment.open_note_only"),
    "presence.list": ("presence.on_ticket",),
    "presence.update": ("presence.view",),
    "events.subscribe": ("events.replay",),
    "user.enroll": ("user.enroll",),
    "user.update": ("user.disable",),
    "user.list": ("user.list",),
    "device.list": ("device.list_of_a",),
    "device.revoke": ("device.revoke_of_a",),
    "user.people": ("user.people",),
    "project.update": ("project.update",),
    # -- the agent's workspace (issue 14) ---------------------------------------------
    "queue.counts": ("queue.counts",),
    "ticket.mark_read": ("read.mark", "read.markers"),
    "ticket.mark_unread": ("read.unmark",),
    "ticket.bulk_update": ("ticket.bulk_priority", "ticket.bulk_close"),
    "team.list": ("team.list",),
    "team.create": ("team.create",),
    "team.update": ("team.update",),
    "team.delete": ("team.delete",),
    "staff.list": ("staff.directory",),
    "customer.search": ("customer.search",),
    "customer.context": ("customer.context",),
    "tag.suggest": ("tag.suggest",),
    "canned.list": ("canned.list",),
    "canned.create": ("canned.create",),
    "canned.update": ("canned.edit_shared", "canned.edit_personal", "canned.unshare"),
    "canned.delete": ("canned.delete",),
    "canned.render": ("canned.render",),
    "canned.placeholders": ("canned.placeholders",),
    # -- service levels (issue 15) ------------------------------------------------------
    "sla.settings": ("sla.settings",),
    "sla.set_calendar": ("sla.set_calendar",),
    "sla.set_policy": ("sla.set_policy",),
    "ticket.service_level": ("ticket.service_level",),
}
# Methods with no ticket, team or reply of someone else to reach: the public sign-in
# and discovery calls (tested in test_rules_magic_links and the bad-input suites), and
# one's own device names and subscriptions (test_devices, test_event_hub).
OUTSIDE_THE_MATRIX = {
    "rpc.discover", "project.info", "auth.request_link", "auth.confirm", "auth.whoami",
    "device.rename", "events.unsubscribe",
}
# The operator's methods, served on the admin socket only (D-14), whose use cases the
# matrix tries for every role all the same.
OPERATOR_ROWS: dict[str, tuple[str, ...]] = {
    "admin.mail": ("mail.list",), "admin.mail_retry": ("mail.retry",),
    "admin.sign_in_requests": ("sign_in.requests",),
}


def test_every_published_method_has_rows_in_the_matrix(harness: Harness) -> None:
    published = {m["name"] for m in server_document(harness)["methods"]}
    assert published - OUTSIDE_THE_MATRIX == set(METHOD_ROWS), (
        "a method without matrix rows (or a row for a method that is gone)")
    rows = {row for named in (*METHOD_ROWS.values(), *OPERATOR_ROWS.values())
            for row in named}
    assert rows <= set(MATRIX), rows - set(MATRIX)
    assert set(MATRIX) <= rows, f"rows that try no published method: {set(MATRIX) - rows}"
