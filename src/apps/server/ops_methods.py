"""Operator methods for running the server: ``admin.health``, ``admin.backup_now``."""

from __future__ import annotations

from datetime import datetime

from ...adapters.backups import BackupError, BackupSet
from ...adapters.http.access import OPERATOR_TAG
from ...adapters.jsonrpc import FORBIDDEN, UNAVAILABLE, JsonRpcError, MethodRegistry
from ...adapters.support_rpc import RequestContext, wire
from .backups import BackupService
from .health import HealthCheck


class FindingView(wire.View, frozen=True, kw_only=True):
    """One health check."""

    check: str
    ok: bool
    detail: str
    advice: str


class HealthView(wire.View, frozen=True, kw_only=True):
    """Whether every check passed, and each check."""

    healthy: bool
    findings: list[FindingView]


class BackupSetView(wire.View, frozen=True, kw_only=True):
    """A complete, verified backup set."""

    path: str
    taken_at: datetime
    schema_version: int
    database_bytes: int
    attachments: int
    attachment_bytes: int


def backup_view(backup: BackupSet) -> BackupSetView:
    """The wire form of a set."""
    return BackupSetView(path=str(backup.path), taken_at=backup.taken_at,
                         schema_version=backup.schema_version,
                         database_bytes=backup.database_bytes,
                         attachments=backup.attachments,
                         attachment_bytes=backup.attachment_bytes)


def register_ops_methods(reg: MethodRegistry[RequestContext], *, health: HealthCheck,
                         backups: BackupService) -> None:
    """Add the operator's health and backup-set methods."""

    @reg.method("admin.health", params=None, result=HealthView, tags=[OPERATOR_TAG],
                errors=[FORBIDDEN],
                summary="Admin socket only: what is wrong with the server, and what to do")
    async def check(_ctx: RequestContext, _p: None) -> HealthView:
        findings = await health.run()
        return HealthView(healthy=all(f.ok for f in findings), findings=[
            FindingView(check=f.check, ok=f.ok, detail=f.detail, advice=f.advice)
            for f in findings])

    @reg.method("admin.backup_now", params=None, result=BackupSetView,
                tags=[OPERATOR_TAG], errors=[FORBIDDEN, UNAVAILABLE],
                summary="Admin socket only: take a verified backup set (database and "
                "attachments) into the backup directory now, then rotate")
    async def backup_now(_ctx: RequestContext, _p: None) -> BackupSetView:
        try:
            return backup_view(await backups.backup_now())
        except BackupError as exc:
            raise JsonRpcError(UNAVAILABLE, f"the backup failed: {exc}") from exc
