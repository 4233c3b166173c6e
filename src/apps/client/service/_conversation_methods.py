"""message.*, attachment.* and presence.* on one followed project."""

from __future__ import annotations

from ....adapters.jsonrpc import (
    DEVICE_NOT_BOUND,
    FORBIDDEN,
    INVALID_PARAMS,
    NOT_FOUND,
    RATE_LIMITED,
    TOO_LARGE,
    MethodRegistry,
)
from ....adapters.support_rpc import wire as server
from ....domain.presence import PresenceState
from ..client import SupportClient
from ..rpc import Progress
from . import wire
from ._methods import ON_PROJECT, service_method
from .session import PROGRESS_NOTIFICATION, ClientContext

BOUND = (*ON_PROJECT, DEVICE_NOT_BOUND)


def register(reg: MethodRegistry[ClientContext], client: SupportClient) -> None:
    """Add the conversation, attachment and presence methods."""
    method = service_method

    @method(reg, "message.post", params=wire.ProjectMessagePostParams,
            result=server.MessageView, tags=["messages", "writes"],
            errors=[*BOUND, FORBIDDEN, NOT_FOUND, TOO_LARGE, RATE_LIMITED],
            summary="Reply on a ticket; staff may post an internal note",
            description="attachments are sha256 ids returned by attachment.upload.")
    async def post(_ctx: ClientContext, p: wire.ProjectMessagePostParams
                   ) -> server.MessageView:
        return await client.project(p.project).post_message(
            p.ticket_id, p.body, parent_id=p.parent_id, visibility=p.visibility,
            attachments=p.attachments)

    @method(reg, "message.list", params=wire.ProjectMessageListParams,
            result=list[server.MessageView], tags=["messages"], errors=[*BOUND, NOT_FOUND],
            summary="Messages of a ticket, oldest first")
    async def list_(_ctx: ClientContext, p: wire.ProjectMessageListParams
                    ) -> list[server.MessageView]:
        return await client.project(p.project).list_messages(p.ticket_id, after_id=p.after_id,
                                                             limit=p.limit)

    @method(reg, "message.edit", params=wire.ProjectMessageEditParams,
            result=server.MessageView, tags=["messages", "writes"],
            errors=[*BOUND, FORBIDDEN, NOT_FOUND, TOO_LARGE, RATE_LIMITED],
            summary="Change the text of your message; the old text is kept")
    async def edit(_ctx: ClientContext, p: wire.ProjectMessageEditParams
                   ) -> server.MessageView:
        return await client.project(p.project).edit_message(p.message_id, p.body)

    @method(reg, "message.revisions", params=wire.ProjectMessageRef,
            result=list[server.RevisionView], tags=["messages"], errors=[*BOUND, NOT_FOUND],
            summary="Earlier texts of a message")
    async def revisions(_ctx: ClientContext, p: wire.ProjectMessageRef
                        ) -> list[server.RevisionView]:
        return await client.project(p.project).message_revisions(p.message_id)

    @method(reg, "attachment.get", params=wire.ProjectAttachmentRef,
            result=server.AttachmentView, tags=["attachments"], errors=[*BOUND, NOT_FOUND],
            summary="Metadata of an attachment you may see",
            description="url is relative to the project's server; fetch the bytes with "
            "attachment.download.")
    async def attachment_get(_ctx: ClientContext, p: wire.ProjectAttachmentRef
                             ) -> server.AttachmentView:
        return await client.project(p.project).attachment_info(p.sha256)

    @method(reg, "attachment.upload", params=wire.UploadParams, result=server.AttachmentView,
            tags=["attachments", "writes"],
            errors=[*BOUND, INVALID_PARAMS, TOO_LARGE, RATE_LIMITED],
            summary="Upload an image (base64) to a project; post its sha256 with a message",
            description="png, jpeg, gif or webp, checked by content; the server caps the "
            "size and stores the image without its metadata (EXIF but the orientation, "
            "XMP, text, trailing bytes), so the sha256 in the answer -- the hash of what "
            "is stored -- is the id to post, not the hash of the bytes sent. With "
            "progress_token, client.progress notifications follow the upload on "
            "transports that carry notifications.")
    async def upload(ctx: ClientContext, p: wire.UploadParams) -> server.AttachmentView:
        progress: Progress | None = None
        session, token = ctx.session, p.progress_token
        if session is not None and token is not None:
            def progress(done: int, total: int | None) -> None:
                session.notify(PROGRESS_NOTIFICATION,
                               wire.ProgressNotification(token=token, done=done, total=total))
        return await client.project(p.project).upload_attachment(p.data_base64,
                                                                 progress=progress)

    @method(reg, "attachment.download", params=wire.ProjectAttachmentRef,
            result=wire.AttachmentData, tags=["attachments"], errors=[*BOUND, NOT_FOUND],
            summary="The bytes of an attachment you may see, as base64")
    async def download(_ctx: ClientContext, p: wire.ProjectAttachmentRef
                       ) -> wire.AttachmentData:
        data = await client.project(p.project).download_attachment(p.sha256)
        return wire.AttachmentData(sha256=p.sha256, data_base64=data)

    @method(reg, "presence.update", params=wire.ActivityParams, result=wire.ActivityView,
            tags=["presence"], errors=ON_PROJECT,
            summary="Say what the user is doing on a project; repeated as heartbeats",
            description="The service sends a heartbeat at once and then every 15 s while "
            "the device is signed in and the server reachable, until the activity "
            "changes; state offline says so once and stops.")
    async def presence_update(_ctx: ClientContext, p: wire.ActivityParams
                              ) -> wire.ActivityView:
        project = client.project(p.project)
        if p.state is PresenceState.OFFLINE:
            project.clear_activity()
        else:
            project.set_activity(viewing_ticket_id=p.viewing_ticket_id, typing=p.typing,
                                 state=p.state)
        return wire.ActivityView(project=p.project, state=p.state,
                                 viewing_ticket_id=p.viewing_ticket_id, typing=p.typing)

    @method(reg, "presence.list", params=wire.ProjectTicketRef,
            result=list[server.WatcherView], tags=["presence"], errors=[*BOUND, NOT_FOUND],
            summary="Who is viewing or typing on a ticket")
    async def presence_list(_ctx: ClientContext, p: wire.ProjectTicketRef
                            ) -> list[server.WatcherView]:
        return await client.project(p.project).list_presence(p.ticket_id)
