"""Canned replies: the staff's saved texts, and filling their placeholders for a ticket."""

from __future__ import annotations

from dataclasses import replace

from ..canned import (
    MAX_CANNED_PER_USER,
    PLACEHOLDERS,
    CannedReply,
    clean_canned_body,
    clean_canned_title,
    fill,
)
from ..errors import Conflict, Forbidden, NotFound, TooLarge
from ..identity import Caller, CallerIdentity
from ..policy import (
    ensure_can_see,
    may_see_canned,
    may_share_canned,
    require_staff,
)
from ..ports import Clock, Repositories, Storage
from ..tickets import MAX_BODY_LENGTH


class CannedReplies:
    """Use cases on canned replies (staff only: customers never see them)."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def list_replies(self, caller: Caller) -> list[CannedReply]:
        """The shared replies and the caller's own, by title."""
        who = require_staff(caller)
        return await self._storage.read(
            lambda r: r.canned.visible_to(who.user_id, limit=MAX_CANNED_PER_USER))

    def placeholders(self, caller: Caller) -> dict[str, str]:
        """The placeholders :meth:`render` fills, each with what it stands for (staff only)."""
        require_staff(caller)
        return dict(PLACEHOLDERS)

    async def create(self, caller: Caller, *, title: str, body: str,
                     shared: bool = False) -> CannedReply:
        """Save a reply, personal unless ``shared``."""
        who = require_staff(caller)
        clean_title, clean_text = clean_canned_title(title), clean_canned_body(body)
        now = self._clock.now()

        def add(repos: Repositories) -> CannedReply:
            if len(repos.canned.visible_to(who.user_id, limit=MAX_CANNED_PER_USER)) >= (
                    MAX_CANNED_PER_USER):
                raise Conflict(f"at most {MAX_CANNED_PER_USER} canned replies")
            reply = CannedReply(id=repos.canned.next_id(), owner_id=who.user_id, shared=shared,
                                title=clean_title, body=clean_text, created_at=now,
                                updated_at=now)
            repos.canned.add(reply)
            return reply

        return await self._storage.write(add)

    async def update(self, caller: Caller, canned_id: int, *, title: str | None = None,
                     body: str | None = None, shared: bool | None = None) -> CannedReply:
        """Edit a reply: the shared ones by any staff, a personal one by its owner."""
        who = require_staff(caller)
        clean_title = clean_canned_title(title) if title is not None else None
        clean_text = clean_canned_body(body) if body is not None else None
        now = self._clock.now()

        def change(repos: Repositories) -> CannedReply:
            reply = _editable(repos, who, canned_id)
            if shared is not None and shared != reply.shared and not may_share_canned(who, reply):
                raise Forbidden("only the reply's author (or an admin) shares or un-shares it")
            updated = replace(
                reply, title=reply.title if clean_title is None else clean_title,
                body=reply.body if clean_text is None else clean_text,
                shared=reply.shared if shared is None else shared)
            if updated == reply:
                return reply
            updated = replace(updated, updated_at=now)
            repos.canned.update(updated)
            return updated

        return await self._storage.write(change)

    async def delete(self, caller: Caller, canned_id: int) -> None:
        """Remove a reply (the same rule as editing it)."""
        who = require_staff(caller)

        def remove(repos: Repositories) -> None:
            _editable(repos, who, canned_id)
            repos.canned.remove(canned_id)

        await self._storage.write(remove)

    async def render(self, caller: Caller, canned_id: int, ticket_id: int) -> str:
        """The reply's text with its placeholders filled for one ticket.

        Filled here, not in the client: the values (the requester's name and email)
        come from what the server knows the caller may see, and every client gets the
        same text (D-17).
        """
        who = require_staff(caller)

        def look(repos: Repositories) -> str:
            reply = repos.canned.get(canned_id)
            if reply is None or not may_see_canned(who, reply):
                raise NotFound(f"canned reply {canned_id} does not exist")
            settings = repos.project.settings()
            ticket = ensure_can_see(who, repos.tickets.get(ticket_id), ticket_id, settings)
            requester = repos.users.get(ticket.requester_id)
            agent = repos.users.get(who.user_id)
            values = {
                "ticket.id": str(ticket.id),
                "ticket.subject": ticket.subject,
                "project.name": settings.name,
                "customer.name": requester.display_name if requester else "",
                "customer.email": requester.email if requester else "",
                "agent.name": agent.display_name if agent else "",
            }
            text = fill(reply.body, values)
            # A template of 64 KiB full of {{customer.email}} would fill to far more than
            # a message may hold: say so here, not when the agent sends it.
            if len(text.encode("utf-8")) > MAX_BODY_LENGTH:
                raise TooLarge("text", "filled for this ticket, the reply is over "
                               f"{MAX_BODY_LENGTH // 1024} KiB")
            return text

        return await self._storage.read(look)


def _editable(repos: Repositories, who: CallerIdentity, canned_id: int) -> CannedReply:
    # Staff maintain what they see: the shared library and their own (policy).
    reply = repos.canned.get(canned_id)
    if reply is None or not may_see_canned(who, reply):
        raise NotFound(f"canned reply {canned_id} does not exist")
    return reply
