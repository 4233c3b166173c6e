"""The conversation on a ticket: replies, internal notes, threads and edits."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import Forbidden, InvalidInput, NotFound
from ..events import EventKind, NewEvent
from ..identity import Caller, CallerIdentity
from ..messages import (
    Message,
    MessageRevision,
    Visibility,
    clean_attachment_refs,
    ensure_parent_fits,
)
from ..policy import (
    can_see_message,
    can_see_ticket,
    ensure_can_see,
    may_edit_message,
    may_write_internal,
    reopen_reason,
    require_bound,
)
from ..ports import Clock, EventPublisher, Repositories, Storage
from ..tickets import Ticket, TicketChange, TicketStatus, clean_body
from ._access import attachment_readable
from ._publishing import write_and_publish
from ._reads import keep_read
from ._snapshots import message_data, ticket_event

MAX_MESSAGES_PER_PAGE = 500


class Conversation:
    """Use cases on messages."""

    def __init__(self, storage: Storage, clock: Clock, publisher: EventPublisher) -> None:
        self._storage = storage
        self._clock = clock
        self._publisher = publisher

    async def post(self, caller: Caller, ticket_id: int, *, body: str,
                   parent_id: int | None = None, visibility: Visibility = Visibility.PUBLIC,
                   attachments: Sequence[str] = ()) -> Message:
        """Reply on a ticket (or, for staff, add an internal note)."""
        who = require_bound(caller)
        text = clean_body(body, required=not attachments)
        refs = clean_attachment_refs(list(attachments))
        if visibility is Visibility.INTERNAL and not may_write_internal(who):
            raise Forbidden("only support agents and admins write internal notes")
        now = self._clock.now()

        def add(repos: Repositories) -> tuple[Message, list[NewEvent]]:
            settings = repos.project.settings()
            ticket = ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id, settings)
            if parent_id is not None:
                parent = repos.messages.get(parent_id)
                # A parent on a ticket the caller cannot see is as unknown as a missing
                # one; "belongs to another ticket" would confirm that it exists.
                home = repos.tickets.get(parent.ticket_id) if parent is not None else None
                if (parent is None or home is None or not can_see_message(who, parent)
                        or not can_see_ticket(who, home.requester_id, settings)):
                    raise NotFound(f"message {parent_id} does not exist")
                ensure_parent_fits(parent, ticket_id, visibility)
            for sha in refs:
                if not attachment_readable(repos, who, sha, settings):
                    raise NotFound(f"attachment {sha} does not exist")
            message = Message(
                id=repos.messages.next_id(), ticket_id=ticket_id, parent_id=parent_id,
                author_id=who.user_id, body=text, visibility=visibility, attachments=refs,
                created_at=now,
            )
            repos.messages.add(message)
            events = [_message_event(EventKind.MESSAGE_CREATED, message, ticket)]
            reason = None if message.is_internal else reopen_reason(ticket, who)
            if message.is_internal:
                # A note leaves the ticket as its customer sees it: only staff activity moves.
                updated = ticket.noted(now)
            elif reason is not None:
                # A customer's answer puts the ticket back in the agents' queue: pending
                # meant waiting for them, resolved/closed that nobody is looking any more.
                updated = ticket.changed(now, status=TicketStatus.OPEN)
                repos.tickets.add_change(TicketChange(
                    ticket_id=ticket.id, actor_id=who.user_id, at=now, field="status",
                    old=ticket.status.value, new=TicketStatus.OPEN.value, reason=reason,
                ))
                events.append(ticket_event(EventKind.TICKET_UPDATED, updated, ["status"],
                                           actor_id=who.user_id, reason=reason))
            else:
                updated = ticket.changed(now)
            repos.tickets.update(updated)
            keep_read(repos, who, ticket, updated)
            return message, events

        return await write_and_publish(self._storage, self._publisher, add)

    async def list_messages(self, caller: Caller, ticket_id: int, *, after_id: int = 0,
                   limit: int = 200) -> list[Message]:
        """Messages of a ticket in order, internal notes only for staff."""
        who = require_bound(caller)
        if not 1 <= limit <= MAX_MESSAGES_PER_PAGE:
            raise InvalidInput("limit", f"must be between 1 and {MAX_MESSAGES_PER_PAGE}")
        if after_id < 0:
            raise InvalidInput("after_id", "must not be negative")

        def look(repos: Repositories) -> list[Message]:
            ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id,
                           repos.project.settings())
            return repos.messages.for_ticket(ticket_id, include_internal=who.role.is_staff,
                                             after_id=after_id, limit=limit)

        return await self._storage.read(look)

    async def edit(self, caller: Caller, message_id: int, *, body: str) -> Message:
        """Change a message's text; the previous text is kept as a revision."""
        who = require_bound(caller)
        now = self._clock.now()

        def change(repos: Repositories) -> tuple[Message, list[NewEvent]]:
            message, ticket = _visible_message(repos, who, message_id)
            if not may_edit_message(who, message):
                raise Forbidden("only the author can edit a message")
            text = clean_body(body, required=not message.attachments)
            if text == message.body:
                return message, []
            number = len(repos.messages.revisions(message_id)) + 1
            repos.messages.add_revision(MessageRevision(
                message_id=message_id, number=number, body=message.body,
                editor_id=who.user_id, replaced_at=now,
            ))
            edited = message.edited(text, now)
            repos.messages.update(edited)
            return edited, [_message_event(EventKind.MESSAGE_EDITED, edited, ticket)]

        return await write_and_publish(self._storage, self._publisher, change)

    async def revisions(self, caller: Caller, message_id: int) -> list[MessageRevision]:
        """Earlier texts of a message, oldest first."""
        who = require_bound(caller)

        def look(repos: Repositories) -> list[MessageRevision]:
            _visible_message(repos, who, message_id)
            return repos.messages.revisions(message_id)

        return await self._storage.read(look)


def _visible_message(repos: Repositories, who: CallerIdentity,
                     message_id: int) -> tuple[Message, Ticket]:
    message = repos.messages.get(message_id)
    if message is None or not can_see_message(who, message):
        raise NotFound(f"message {message_id} does not exist")
    try:
        ticket = ensure_can_see(who, repos.tickets.get(message.ticket_id), message.ticket_id,
                                repos.project.settings())
    except NotFound:
        raise NotFound(f"message {message_id} does not exist") from None
    return message, ticket


def _message_event(kind: EventKind, message: Message, ticket: Ticket) -> NewEvent:
    return NewEvent(kind=kind, ticket_id=ticket.id, requester_id=ticket.requester_id,
                    internal=message.is_internal,
                    occurred_at=message.edited_at or message.created_at,
                    data={"message": message_data(message)})
