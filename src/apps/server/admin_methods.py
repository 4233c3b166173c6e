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
    FORBIDDEN,
    INVALID_PARAMS,
    NOT_FOUND,
    UNAVAILABLE,
    JsonRpcError,
    MethodRegistry,
)
from ...adapters.sqlite import SqliteStorage
from ...adapters.support_rpc import RequestContext, ServerServices, wire
from ...domain.errors import InvalidInput
from ...domain.magic_links import MagicLink


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


def register_admin_methods(reg: MethodRegistry[RequestContext], storage: SqliteStorage,
                           services: ServerServices) -> None:
    """Add the operator's methods: links, backup."""

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
                tags=[OPERATOR_TAG, "writes"], errors=[FORBIDDEN, NOT_FOUND, UNAVAILABLE],
                summary="Admin socket only: replace a pending link and email it again")
    async def resend_link(ctx: RequestContext, p: ResendLinkParams) -> LinkView:
        return await link_view(ctx, await services.devices.resend_link(ctx.caller, p.link_id))

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
