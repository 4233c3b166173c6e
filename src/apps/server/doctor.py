"""``hero-assistance-server doctor``: the set-up checked from outside, each problem with
what to do. Works with the server stopped; when it runs, its own ``health`` is included.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ...adapters.mail.smtp import probe_smtp
from ...adapters.mycelium import MyceliumError, MyceliumOverlay
from ...adapters.sqlite._migrations import bundled
from ...domain.errors import Unavailable
from .._checks import Finding, private, report
from .admin_client import AdminClient, AdminError, ServerNotRunning
from .config import (
    ADMIN_SOCKET,
    CONFIG_FILE,
    DATABASE_FILE,
    OUTBOX_DIR,
    ConfigError,
    ServerConfig,
    load_config,
)
from .health import LOW_DISK_BYTES


def _permissions(data_dir: Path) -> list[Finding]:
    found = [private(data_dir, mode=0o700, what="data directory"),
             private(data_dir / CONFIG_FILE, mode=0o600, what="server.json")]
    socket_path = data_dir / ADMIN_SOCKET
    if socket_path.exists():
        found.append(private(socket_path, mode=0o600, what="admin socket"))
    for path in (data_dir, data_dir / DATABASE_FILE):
        if path.exists() and os.geteuid() != 0 and not os.access(path, os.W_OK):
            found.append(Finding("database", ok=False, detail=f"{path} is not writable",
                                 advice=f"chmod u+w {path}"))
    return found


def _database(data_dir: Path) -> Finding:
    path = data_dir / DATABASE_FILE
    if not path.exists():
        return Finding("database", ok=True, detail="not created yet (serve creates it)")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Finding("database", ok=False, detail=f"{path} does not open: {exc}",
                       advice="restore the newest backup set: hero-assistance-server "
                       "restore BACKUP --data-dir NEW")
    latest = len(bundled())
    if version > latest:
        return Finding("database", ok=False, detail=f"schema {version} is newer than this "
                       f"program ({latest})", advice="install the newer hero-assistance "
                       "that wrote it")
    note = "" if version == latest else f", migrates to {latest} at the next start"
    return Finding("database", ok=True, detail=f"schema {version}{note}")


def _disk(data_dir: Path) -> Finding:
    usage = shutil.disk_usage(data_dir)
    if usage.free < LOW_DISK_BYTES or usage.free < usage.total * 0.05:
        return Finding("disk", ok=False, detail=f"{usage.free // 2**20} MiB free of "
                       f"{usage.total // 2**20} MiB",
                       advice=f"free space on the disk of {data_dir}: SQLite stops taking "
                       "writes when it is full")
    return Finding("disk", ok=True, detail=f"{usage.free // 2**20} MiB free")


async def _overlay(config: ServerConfig) -> Finding:
    if config.overlay == "loopback":
        return Finding("overlay", ok=True, detail="loopback overlay (demos and tests only)")
    overlay = MyceliumOverlay(config.mycelium_api, startup_seconds=1)
    try:
        info = await overlay.node_info()
    except MyceliumError as exc:
        return Finding("mycelium", ok=False, detail=f"no daemon answers at "
                       f"{config.mycelium_api}: {exc}",
                       advice="install and start mycelium (systemctl enable --now mycelium), "
                       "or set mycelium_api in server.json to its JSON-RPC API")
    return Finding("mycelium", ok=True, detail=f"daemon at {config.mycelium_api}, node "
                   f"{info.address}")


async def _mail(config: ServerConfig, data_dir: Path) -> Finding:
    if config.mail.kind == "outbox":
        outbox = data_dir / OUTBOX_DIR
        where = outbox if outbox.exists() else data_dir
        if os.geteuid() != 0 and not os.access(where, os.W_OK):
            return Finding("mail", ok=False, detail=f"{where} is not writable",
                           advice=f"chmod u+w {where}")
        return Finding("mail", ok=True, detail=f"outbox {outbox} (no mail server; demo)")
    from .runtime import smtp_settings  # noqa: PLC0415 - the SMTP set-up lives there

    try:
        settings = smtp_settings(config, data_dir)
        greeting = await probe_smtp(settings)
    except ConfigError as exc:
        return Finding("mail", ok=False, detail=str(exc), advice="fix mail.* in server.json")
    except Unavailable as exc:
        return Finding("mail", ok=False, detail=f"the SMTP server does not answer as "
                       f"configured: {exc.message}",
                       advice="check mail.smtp_host, smtp_port, smtp_security and the "
                       "credentials in server.json, and that this host may reach it")
    return Finding("mail", ok=True, detail=f"SMTP {config.mail.smtp_host}:"
                   f"{config.mail.smtp_port} answers ({greeting[:60]}); nothing was sent")


def _running(data_dir: Path) -> list[Finding]:
    try:
        with AdminClient(data_dir, timeout=15) as admin:
            report = admin.call("admin.health")
    except ServerNotRunning as exc:
        return [Finding("server", ok=False, detail=f"not running: {exc}",
                        advice=f"start it: hero-assistance-server --data-dir {data_dir} "
                        "serve (or its systemd unit)")]
    except AdminError as exc:
        return [Finding("server", ok=False, detail=f"health refused: {exc.message}")]
    return [Finding("server", ok=True, detail="running, answers on the admin socket"),
            *(Finding(f"server {f['check']}", ok=bool(f["ok"]), detail=str(f["detail"]),
                      advice=str(f["advice"])) for f in report["findings"])]


def diagnose(data_dir: Path) -> list[Finding]:
    """Every check of a data directory."""
    if not data_dir.is_dir():
        return [Finding("data directory", ok=False, detail=f"{data_dir} does not exist",
                        advice=f"create a project: hero-assistance-server --data-dir "
                        f"{data_dir} init NAME")]
    try:
        config = load_config(data_dir)
    except ConfigError as exc:
        return [Finding("server.json", ok=False, detail=str(exc),
                        advice="fix the file (README: configuration reference)")]


    async def reach() -> list[Finding]:
        return [await _overlay(config), await _mail(config, data_dir)]

    return [*_permissions(data_dir), _database(data_dir), _disk(data_dir),
            *asyncio.run(reach()), *_running(data_dir)]


def run_doctor(data_dir: Path, say: Callable[[str], None]) -> int:
    """Print every finding, with what to do about each problem; 1 if there is any."""
    return report(diagnose(data_dir), say)
