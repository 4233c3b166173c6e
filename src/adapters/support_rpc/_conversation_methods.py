"""message.*, attachment.*, presence.* and events.* methods."""

from __future__ import annotations

from ..jsonrpc import (
    DEVICE_NOT_BOUND,
    FORBIDDEN,
    INVALID_REQUEST,
    NOT_FOUND,
    RATE_LIMITED,
    TOO_LARGE,
    JsonRpcError,
    MethodRegistry,
)
from . import wire
from .context import EventSubscriptions, RequestContext
from .convert import (
    attachment_url,
    attachment_view,
    message_view,
    presence_view,
    revision_view,
    watcher_view,
)
from .services import ServerServices


def register(reg: MethodRegistry[RequestContext], s: ServerServices) -> None:
    """Add the conversation, attachment, presence and event methods to ``reg``."""

    @reg.method("message.post", params=wire.MessagePostParams, result=wire.MessageView,
                tags=["messages", "writes"],
                errors=[DEVICE_NOT_BOUND, FORBIDDEN, NOT_FOUND, TOO_LARGE, RATE_LIMITED],
                summary="Reply on a ticket; staff may post an internal note",
                description="attachments are sha256 ids returned by POST /attachments.")
    async def post(ctx: RequestContext, p: wire.MessagePostParams) -> wire.MessageView:
        message = await s.conversation.post(
            ctx.caller, p.ticket_id, body=p.body, parent_id=p.parent_id,
            visibility=p.visibility, attachments=p.attachments,
        )
        return message_view(message)

    @reg.method("message.list", params=wire.MessageListParams, result=list[wire.MessageView],
                tags=["messages"], errors=[DEVICE_NOT_BOUND, NOT_FOUND],
                summary="Messages of a ticket, oldest first (internal notes for staff only)")
    async def list_(ctx: RequestContext, p: wire.MessageListParams) -> list[wire.MessageView]:
        messages = await s.conversation.list_messages(ctx.caller, p.ticket_id,
                                                      after_id=p.after_id, limit=p.limit)
        return [message_view(m) for m in messages]

    @reg.method("message.edit", params=wire.MessageEditParams, result=wire.MessageView,
                tags=["messages", "writes"],
                errors=[DEVICE_NOT_BOUND, FORBIDDEN, NOT_FOUND, TOO_LARGE, RATE_LIMITED],
                summary="Change the text of your message; the old text is kept")
    async def edit(ctx: RequestContext, p: wire.MessageEditParams) -> wire.MessageView:
        return message_view(await s.conversation.edit(ctx.caller, p.message_id, body=p.body))

    @reg.method("message.revisions", params=wire.MessageRef, result=list[wire.RevisionView],
                tags=["messages"], errors=[DEVICE_NOT_BOUND, NOT_FOUND],
                summary="Earlier texts of a message")
    async def revisions(ctx: RequestContext, p: wire.MessageRef) -> list[wire.RevisionView]:
        found = await s.conversation.revisions(ctx.caller, p.message_id)
        return [revision_view(r) for r in found]

    @reg.method("attachment.get", params=wire.AttachmentRef, result=wire.AttachmentView,
                tags=["attachments"], errors=[DEVICE_NOT_BOUND, NOT_FOUND],
                summary="Metadata and download URL of an attachment you may see",
                description="Upload: POST /attachments with the raw image bytes as the "
                "body (any content type; the server sniffs it); the answer is this "
                "method's result as JSON. Before storing, the server removes what the "
                "sender may not mean to share -- EXIF (GPS, camera serial, thumbnails; "
                "only the orientation is kept), XMP, IPTC, text chunks, comments and any "
                "bytes after the image's end -- without re-encoding the pixels. The "
                "attachment id (sha256) is the SHA-256 of the stored bytes, which differs "
                "from the hash of the uploaded file whenever something was removed: use "
                "the id in the answer. Busy decoding other images, the server answers "
                "503 with error -32009 (retryable). Download: GET /attachments/{sha256}. "
                "Both go through the same device identity as the RPC endpoint.")
    async def attachment_get(ctx: RequestContext, p: wire.AttachmentRef
                             ) -> wire.AttachmentView:
        found = await s.attachments.describe(ctx.caller, p.sha256)
        return attachment_view(found, attachment_url(found.sha256))

    @reg.method("presence.update", params=wire.PresenceUpdateParams, result=wire.PresenceView,
                tags=["presence"], errors=[DEVICE_NOT_BOUND, NOT_FOUND],
                summary="Heartbeat: online/away, the ticket on screen, typing",
                description="Send every 15 s; presence expires 45 s after the last one.")
    async def presence_update(ctx: RequestContext, p: wire.PresenceUpdateParams
                              ) -> wire.PresenceView:
        presence = await s.presence.heartbeat(ctx.caller, state=p.state,
                                              viewing_ticket_id=p.viewing_ticket_id,
                                              typing=p.typing)
        return presence_view(presence)

    @reg.method("presence.list", params=wire.TicketRef, result=list[wire.WatcherView],
                tags=["presence"], errors=[DEVICE_NOT_BOUND, NOT_FOUND],
                summary="Who is viewing or typing on a ticket (as far as you may know)")
    async def presence_list(ctx: RequestContext, p: wire.TicketRef) -> list[wire.WatcherView]:
        watchers = await s.presence.on_ticket(ctx.caller, p.ticket_id)
        people = await s.accounts.people(ctx.caller, [w.user_id for w in watchers])
        names = {u.id: u.display_name for u in people}
        return [watcher_view(w, names.get(w.user_id, f"user {w.user_id}")) for w in watchers]

    @reg.method("events.subscribe", params=wire.SubscribeParams, result=wire.SubscribeResult,
                tags=["events"], errors=[DEVICE_NOT_BOUND, INVALID_REQUEST],
                summary="WebSocket only: replay events after `since`, then live ones",
                description="Each event arrives as a notification "
                "{method: 'events.event', params: {subscription, event: EventView}}. "
                "If the server must drop a stream (slow reader, revoked device) it closes "
                "the WebSocket with code 4008 and the reason. Reconnect with since = the "
                "last seq received to miss nothing.")
    async def subscribe(ctx: RequestContext, p: wire.SubscribeParams) -> wire.SubscribeResult:
        return await _streams(ctx).subscribe(p)

    @reg.method("events.unsubscribe", params=wire.UnsubscribeParams, result=bool,
                tags=["events"], errors=[DEVICE_NOT_BOUND, INVALID_REQUEST],
                summary="WebSocket only: stop a stream")
    async def unsubscribe(ctx: RequestContext, p: wire.UnsubscribeParams) -> bool:
        return await _streams(ctx).unsubscribe(p.subscription)


def _streams(ctx: RequestContext) -> EventSubscriptions:
    if ctx.subscriptions is None:
        raise JsonRpcError(INVALID_REQUEST, "events.subscribe works only on the WebSocket /rpc")
    return ctx.subscriptions
