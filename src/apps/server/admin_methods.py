"""Methods only the operator may call: registered on the admin socket's registry alone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import anyio
import anyio.to_thread
from msgspec import Meta

from ...adapters.http.access import OPERATOR_TAG
from ...adapters.jsonrpc import (
    CONFLICT,
    FORBIDDEN,
    INVALID_PARAMS,
    NOT_FOUND,
    JsonRpcError,
    MethodRegistry,
)
from ...adapters.sqlite import SqliteStorage
from ...adapters.support_rpc import RequestContext, ServerServices, wire
from ...domain.errors import InvalidInput
from ...domain.magic_links import MagicLink
from ...domain.mail_queue import MailKind, MailStatus
from ...domain.services import MailOperations, MailRecord
from ...domain.sign_in_requests import SignInOutcome


class BackupParams(wire.Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where to write the backup (an absolute path on the server's host)."""

    path: Annotated[str, Meta(min_length=1, max_length=4096)]


class BackupResult(wire.View, frozen=True, kw_only=True):
    """The written backup."""

    path: str
    bytes: int


class LinkView(wire.View, frozen=True, kw_only=True):
    """A pending sign-in link (never its secrets)."""

    id: int
    user_id: int
    email: str
    device_addr: str
    device_label: str
    created_at: datetime
    expires_at: datetime
    attempts: int


class ExpireLinksParams(wire.Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Whose pending links to withdraw."""

    email: wire.Email


class ResendLinkParams(wire.Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which pending link to replace and send again."""

    link_id: wire.Id


class MailQueueParams(wire.Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which queued mail to list: newest first, optionally of one status."""

    status: MailStatus | None = None
    limit: Annotated[int, Meta(ge=1, le=1000)] = 100


class MailView(wire.View, frozen=True, kw_only=True):
    """A queued mail's envelope and delivery record (never its body)."""

    id: int
    kind: MailKind
    recipient: str
    subject: str
    message_id_local_part: str
    status: MailStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    not_after: datetime | None
    has_body: bool


class MailQueueView(wire.View, frozen=True, kw_only=True):
    """How many mails are in each status, and the mails asked for."""

    pending: int
    sent: int
    failed: int
    mails: list[MailView]


class MailRef(wire.Params, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One queued mail by id."""

    mail_id: wire.Id


class SignInRequestsParams(wire.Params, frozen=True, kw_only=True,
                           forbid_unknown_fields=True):
    """How many of the newest sign-in requests to list."""

    limit: Annotated[int, Meta(ge=1, le=1000)] = 100


class SignInRequestView(wire.View, frozen=True, kw_only=True):
    """One sign-in request and what it led to (unknown emails are not kept)."""

    id: int
    at: datetime
    device_addr: str
    device_label: str
    email: str | None
    outcome: SignInOutcome
    link_id: int | None


def _mail_view(mail: MailRecord) -> MailView:
    return MailView(
        id=mail.id, kind=mail.kind, recipient=mail.recipient, subject=mail.subject,
        message_id_local_part=mail.message_key, status=mail.status, attempts=mail.attempts,
        created_at=mail.created_at, next_attempt_at=mail.next_attempt_at,
        last_attempt_at=mail.last_attempt_at, last_error=mail.last_error,
        sent_at=mail.sent_at, not_after=mail.not_after, has_body=mail.has_body,
    )


def register_admin_methods(reg: MethodRegistry[RequestContext], storage: SqliteStorage,
                           services: ServerServices, mail: MailOperations) -> None:
    """Add the operator's methods: links, sign-in requests, the mail queue, backup."""

    async def link_view(ctx: RequestContext, link: MagicLink) -> LinkView:
        user = await services.accounts.get_user(ctx.caller, link.user_id)
        return LinkView(id=link.id, user_id=link.user_id, email=user.email,
                        device_addr=link.device_addr, device_label=link.device_label,
                        created_at=link.created_at, expires_at=link.expires_at,
                        attempts=link.attempts)

    @reg.method("admin.links", params=None, result=list[LinkView], tags=[OPERATOR_TAG],
                errors=[FORBIDDEN], summary="Admin socket only: pending sign-in links")
    async def links(ctx: RequestContext, _p: None) -> list[LinkView]:
        return [await link_view(ctx, link)
                for link in await services.devices.pending_links(ctx.caller)]

    @reg.method("admin.expire_links", params=ExpireLinksParams, result=int,
                tags=[OPERATOR_TAG, "writes"], errors=[FORBIDDEN, NOT_FOUND],
                summary="Admin socket only: withdraw a user's pending sign-in links")
    async def expire_links(ctx: RequestContext, p: ExpireLinksParams) -> int:
        return await services.devices.expire_links(ctx.caller, p.email)

    @reg.method("admin.resend_link", params=ResendLinkParams, result=LinkView,
                tags=[OPERATOR_TAG, "writes"], errors=[FORBIDDEN, NOT_FOUND, CONFLICT],
                summary="Admin socket only: replace a pending link and queue its email again")
    async def resend_link(ctx: RequestContext, p: ResendLinkParams) -> LinkView:
        return await link_view(ctx, await services.devices.resend_link(ctx.caller, p.link_id))

    @reg.method("admin.sign_in_requests", params=SignInRequestsParams,
                result=list[SignInRequestView], tags=[OPERATOR_TAG], errors=[FORBIDDEN],
                summary="Admin socket only: the newest sign-in requests and what they led to")
    async def sign_in_requests(ctx: RequestContext, p: SignInRequestsParams
                               ) -> list[SignInRequestView]:
        requests = await services.devices.recent_requests(ctx.caller, limit=p.limit)
        emails = {u.id: u.email for u in await services.accounts.list_users(ctx.caller)}
        return [SignInRequestView(
            id=r.id, at=r.at, device_addr=r.device_addr, device_label=r.device_label,
            email=None if r.user_id is None else emails.get(r.user_id), outcome=r.outcome,
            link_id=r.link_id) for r in requests]

    @reg.method("admin.mail", params=MailQueueParams, result=MailQueueView,
                tags=[OPERATOR_TAG], errors=[FORBIDDEN],
                summary="Admin socket only: the mail queue (pending, sent, failed)")
    async def mail_queue(ctx: RequestContext, p: MailQueueParams) -> MailQueueView:
        counts = await mail.counts(ctx.caller)
        mails = await mail.listing(ctx.caller, status=p.status, limit=p.limit)
        return MailQueueView(pending=counts[MailStatus.PENDING], sent=counts[MailStatus.SENT],
                             failed=counts[MailStatus.FAILED],
                             mails=[_mail_view(m) for m in mails])

    @reg.method("admin.mail_retry", params=MailRef, result=MailView,
                tags=[OPERATOR_TAG, "writes"], errors=[FORBIDDEN, NOT_FOUND, CONFLICT],
                summary="Admin socket only: send a failed mail again, now")
    async def mail_retry(ctx: RequestContext, p: MailRef) -> MailView:
        return _mail_view(await mail.retry(ctx.caller, p.mail_id))

    @reg.method("admin.backup", params=BackupParams, result=BackupResult,
                tags=[OPERATOR_TAG], errors=[FORBIDDEN, INVALID_PARAMS],
                summary="Admin socket only: online backup of the project database to a file")
    async def backup(_ctx: RequestContext, p: BackupParams) -> BackupResult:
        target = Path(p.path)
        await anyio.to_thread.run_sync(_check_backup_target, target)
        try:
            await storage.backup(target)
        except OSError as exc:
            raise JsonRpcError(INVALID_PARAMS, f"could not write {target}: {exc.strerror}",
                               {"field": "path", "problem": str(exc.strerror)}) from exc
        size = (await anyio.Path(target).stat()).st_size
        return BackupResult(path=str(target), bytes=size)


def _check_backup_target(target: Path) -> None:
    if not target.is_absolute():
        raise InvalidInput("path", "must be absolute")
    if not target.parent.is_dir():
        raise InvalidInput("path", f"{target.parent} is not a directory")
    if target.exists():
        raise InvalidInput("path", f"{target} exists; choose a new file name")
