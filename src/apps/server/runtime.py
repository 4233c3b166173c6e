"""Run a project server: open resources, serve the overlay and admin listeners, stop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import socket
import ssl
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from ...adapters.http import OperatorBoundary, build_metrics_app
from ...adapters.loopback import LoopbackOverlay
from ...adapters.mail import OutboxMailer
from ...adapters.mail.counting import CountingMailer, MailTally
from ...adapters.mail.smtp import SmtpMailer, SmtpSettings
from ...adapters.metrics import CONTENT_TYPE, ServerMetrics
from ...adapters.mycelium import MyceliumError, MyceliumOverlay
from ...adapters.serving import (
    listening_tcp,
    raise_fd_limit,
    read_ready,
    remove_ready,
    write_ready,
)
from ...adapters.serving.uvicorn_server import ListenerConfig, ManagedServer
from ...adapters.sqlite import SqliteStorage
from ...adapters.support_rpc import ServerInfo
from ...adapters.system import KeyFileError, derive_key, read_or_create_key
from ...adapters.systemd import ServiceNotifier
from ...domain.errors import DomainError
from ...domain.mail_queue import RetryPolicy
from ...domain.ports import Mailer, Overlay
from ...domain.project import ProjectSettings
from ...domain.ratelimit import Limit
from ...domain.sign_in_requests import SignInLimits
from ...version import package_version
from .admin_methods import register_admin_methods
from .backups import BackupService
from .benchmark import install_probes
from .config import (
    ADMIN_SOCKET,
    BLOB_DIR,
    DATABASE_FILE,
    KEY_FILE,
    OUTBOX_DIR,
    READY_FILE,
    ConfigError,
    ServerConfig,
    config_path,
)
from .containers import ServerContainer
from .health import HealthCheck
from .listeners import (
    admin_guard,
    bind_tcp,
    bind_unix,
    connection_limits,
    metrics_guard,
    overlay_guard,
    url_host,
)
from .observability import watch_server
from .ops_methods import register_ops_methods

_log = logging.getLogger("hero_assistance.server")
PRESENCE_SWEEP_SECONDS = 10.0
SIGN_IN_RECORDS_SWEEP_SECONDS = 3600.0
MAX_WS_MESSAGE = 1024 * 1024
MAIL_STOP_GRACE_SECONDS = 5.0  # beyond the SMTP timeout: the mail in hand may finish


def server_version() -> str:
    """The installed package version."""
    return package_version()


def make_overlay(config: ServerConfig) -> Overlay:
    """The overlay named in the configuration."""
    if config.overlay == "loopback":
        return LoopbackOverlay(config.loopback_address)
    try:
        return MyceliumOverlay(config.mycelium_api,
                               startup_seconds=config.mycelium_startup_seconds)
    except MyceliumError as exc:
        raise ConfigError(f"mycelium_api: {exc}") from exc


class OverlayUnavailable(Exception):
    """The overlay cannot be served: no daemon, a bad address, or the address changed."""


class CannotListen(Exception):
    """A listener's socket cannot be made (the port is taken, the address is not ours)."""


async def _listen_address(overlay: Overlay) -> str:
    try:
        return await overlay.listen_address()
    except MyceliumError as exc:
        raise OverlayUnavailable(str(exc)) from exc


async def _watch_address(overlay: MyceliumOverlay, bound: str, every: float) -> None:
    """Ends the server (through ``_run``) once the daemon has another address."""
    try:
        await overlay.watch(bound, every=every)
    except MyceliumError as exc:
        raise OverlayUnavailable(str(exc)) from exc


def make_mailer(config: ServerConfig, data_dir: Path) -> Mailer:
    """The outbox (default) or the SMTP mailer."""
    mail = config.mail
    if mail.kind == "outbox":
        return OutboxMailer(data_dir / OUTBOX_DIR, sender=mail.sender)
    return SmtpMailer(smtp_settings(config, data_dir))


def smtp_settings(config: ServerConfig, data_dir: Path) -> SmtpSettings:
    """How to reach the configured SMTP server (``ConfigError`` if it is not usable)."""
    mail = config.mail
    if not mail.smtp_host:
        raise ConfigError("mail.kind is smtp but mail.smtp_host is empty")
    return SmtpSettings(
        host=mail.smtp_host, port=mail.smtp_port, security=mail.smtp_security,
        username=mail.smtp_username, password=mail.smtp_password, sender=mail.sender,
        timeout_seconds=mail.smtp_timeout_seconds,
        tls_context=_smtp_tls_context(mail.smtp_ca_file, data_dir),
    )


def sign_in_limits(config: ServerConfig) -> SignInLimits:
    """The sign-in limits of ``server.json``."""
    c = config.sign_in
    return SignInLimits(per_device=c.requests_per_device_per_hour,
                        per_device_and_email=c.requests_per_device_and_email_per_hour,
                        mails_per_email=c.mails_per_email_per_hour)


def mail_retry_policy(config: ServerConfig) -> RetryPolicy:
    """The mail queue's back-off of ``server.json``."""
    m = config.mail
    return RetryPolicy(first_delay=timedelta(seconds=m.retry_first_seconds),
                       longest_delay=timedelta(seconds=m.retry_longest_seconds),
                       give_up_after=timedelta(hours=m.give_up_hours))


def project_key(data_dir: Path) -> bytes:
    """The project's secret key (made on first start), from its 0600 file."""
    try:
        return read_or_create_key(data_dir / KEY_FILE)
    except KeyFileError as exc:
        raise ConfigError(str(exc)) from exc


def _smtp_tls_context(ca_file: str, data_dir: Path) -> ssl.SSLContext | None:
    """Trust only ``ca_file`` when one is named (a private mail server's own CA)."""
    if not ca_file:
        return None  # aiosmtplib verifies against the system's trust store
    path = data_dir / ca_file  # an absolute ca_file replaces data_dir
    try:
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"mail.smtp_ca_file {path} cannot be used: {exc}") from exc


async def serve(data_dir: Path, config: ServerConfig, *,
                on_ready: Callable[[str], None] | None = None, benchmark: bool = False,
                notifier: ServiceNotifier | None = None) -> None:
    """Serve until SIGTERM or SIGINT; ``on_ready`` gets the overlay URL once listening.

    Once every listener accepts, ``<data dir>/ready.json`` is written (atomically) for
    supervisors and scripts, and at that same moment ``notifier`` tells a service
    manager (systemd: ``READY=1``); the notifier then keeps the manager's watchdog fed
    from the event loop and says when the server stops. A clean stop removes the ready
    file. ``benchmark`` adds the bench.* probes of :mod:`.benchmark` (loopback overlay
    only).
    """
    notifier = notifier or ServiceNotifier({})
    ready_path = data_dir / READY_FILE
    if ready_path.exists() and read_ready(ready_path) is None:
        ready_path.unlink(missing_ok=True)  # left by a server that was killed
    fd_limit = raise_fd_limit()
    overlay = make_overlay(config)
    listen = await _listen_address(overlay)
    base_url = f"http://{url_host(listen)}:{config.port}"
    # A broken mail setting fails before the DB opens.
    mailer = CountingMailer(make_mailer(config, data_dir))
    metrics = ServerMetrics(version=server_version(), overlay=overlay.name)
    storage = SqliteStorage(data_dir / DATABASE_FILE, synchronous=config.synchronous,
                            mail_key=derive_key(project_key(data_dir), "mail-bodies"),
                            on_batch=metrics.observe_batch)
    await storage.start(ProjectSettings(name=config.project_name))
    container = ServerContainer(
        storage=storage, overlay=overlay, mailer=mailer,
        link_url=lambda token: f"{base_url}/auth/link/{token}",
        data_dir=data_dir, blob_root=data_dir / BLOB_DIR,
        link_lifetime=timedelta(minutes=config.link_lifetime_minutes),
        write_limit=Limit(config.write_limit_per_minute, timedelta(minutes=1)),
        image_decodes=config.image_decodes_at_once,
        image_decode_memory=config.image_decode_memory_mib * 2**20,
        sign_in_limits=sign_in_limits(config), mail_retry=mail_retry_policy(config),
        info=ServerInfo(version=server_version(), overlay=overlay.name,
                        link_lifetime_seconds=config.link_lifetime_minutes * 60),
        metrics=metrics,
    )
    backups = BackupService(storage, blob_root=data_dir / BLOB_DIR,
                            config_file=config_path(data_dir), settings=config.backup,
                            data_dir=data_dir)
    socket_path = data_dir / ADMIN_SOCKET
    try:
        container.check_dependencies()
        register_admin_methods(container.admin_registry(), storage, container.services(),
                               container.mail_operations())
        _operations(container, storage, HealthCheck(
            storage=storage, overlay=overlay, bound_address=listen, mail=mailer.tally,
            backups=backups, data_dir=data_dir), metrics=metrics, mail=mailer.tally,
            backups=backups)
        # Sign-in requests become links and queued mail right after they are answered.
        container.mail_worker().prepare_with(container.devices().issue_requested_links)
        if benchmark:
            install_probes(container, config)
        await _apply_configured_name(container, config)
        container.settings().set(await container.project().settings())
        limits = connection_limits(config.connections)
        sockets = _bind_listeners(listen, config, base_url, socket_path)
        overlay_caps = overlay_guard(limits, fd_limit)
        servers = [
            ManagedServer(ListenerConfig(container.overlay_app(), guard=overlay_caps,
                                         limits=limits, ws_max_size=MAX_WS_MESSAGE)),
            ManagedServer(ListenerConfig(container.admin_app(), guard=admin_guard(),
                                         limits=limits, ws_max_size=MAX_WS_MESSAGE)),
        ]
        if config.metrics_port:
            servers.append(ManagedServer(ListenerConfig(
                build_metrics_app(metrics.exposition, CONTENT_TYPE), guard=metrics_guard(),
                limits=limits)))
            _log.info("metrics on http://%s:%d/metrics", url_host(config.metrics_address),
                      config.metrics_port)
        _log.info("admin socket %s (also /metrics)", socket_path)
        _log.info("at most %d overlay connections (%d per peer; file descriptor limit %d)",
                  overlay_caps.max_connections, overlay_caps.max_per_peer, fd_limit)
        watch = (functools.partial(_watch_address, overlay, listen,
                                   config.mycelium_check_seconds)
                 if isinstance(overlay, MyceliumOverlay) else None)

        def ready(url: str) -> None:
            write_ready(ready_path, f"{url}/rpc", {
                "overlay": overlay.name, "admin_socket": str(socket_path),
                "max_connections": overlay_caps.max_connections,
                "max_connections_per_peer": overlay_caps.max_per_peer, "fd_limit": fd_limit,
            })
            notifier.ready(f"serving {url}/rpc")  # the moment the ready file exists
            if on_ready is not None:
                on_ready(url)

        await _run(servers, sockets, container, base_url, on_ready=ready,
                   watch=watch, on_stop=notifier.stopping, background=[backups.run_schedule])
    finally:
        await notifier.aclose()
        remove_ready(ready_path)
        container.hub().close_all()
        await container.mail_worker().stop(
            config.mail.smtp_timeout_seconds + MAIL_STOP_GRACE_SECONDS)
        await storage.close()
        with contextlib.suppress(FileNotFoundError):
            socket_path.unlink()


async def _apply_configured_name(container: ServerContainer, config: ServerConfig) -> None:
    """``project_name`` of ``server.json`` wins at start (D-15): the operator's source.

    A rename done while serving was written to the file too, so this changes nothing
    then; a name edited in the file since is applied now, with its event, as if the
    operator had run ``settings --name``.
    """
    project = container.project()
    if (await project.settings()).name == config.project_name:
        return
    try:
        await project.update(OperatorBoundary.OPERATOR, name=config.project_name)
    except DomainError as exc:
        raise ConfigError(f"project_name in server.json: {exc.message}") from exc


def _operations(container: ServerContainer, storage: SqliteStorage, health: HealthCheck, *,
                metrics: ServerMetrics, mail: MailTally, backups: BackupService) -> None:
    """The operator's health and backup methods on the admin socket, and the figures
    read at scrape time (D-22)."""
    register_ops_methods(container.admin_registry(), backups=backups, health=health)
    watch_server(metrics, storage=storage, hub=container.hub(), mail=mail, backups=backups,
                 keyed=container.keyed_writes())


def _bind_listeners(listen: str, config: ServerConfig, base_url: str,
                    socket_path: Path) -> list[socket.socket]:
    """The overlay socket, the admin socket and, when configured, the localhost metrics
    socket, in the order of the servers; ``CannotListen`` closes what was made."""
    wanted: list[tuple[str, Callable[[], socket.socket]]] = [
        (base_url, lambda: bind_tcp(listen, config.port)),
        (str(socket_path), lambda: bind_unix(socket_path)),
    ]
    if config.metrics_port:
        wanted.append((f"http://{url_host(config.metrics_address)}:{config.metrics_port}",
                       lambda: listening_tcp(config.metrics_address, config.metrics_port)))
    made: list[socket.socket] = []
    for where, bind in wanted:
        try:
            made.append(bind())
        except OSError as exc:
            for sock in made:
                sock.close()
            raise CannotListen(f"cannot listen on {where}: {exc.strerror}") from exc
    return made


async def _run(servers: list[ManagedServer], sockets: list[socket.socket],
               container: ServerContainer, base_url: str, *,
               on_ready: Callable[[str], None] | None,
               watch: Callable[[], Coroutine[Any, Any, None]] | None = None,
               on_stop: Callable[[], None] | None = None,
               background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = ()) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks = [
        asyncio.create_task(server.serve(sockets=[sock]))
        for server, sock in zip(servers, sockets, strict=True)
    ]
    sweeper = asyncio.create_task(_sweep_presence(container))
    forgetter = asyncio.create_task(_forget_old_records(container))
    # Mail queued before this start (or before a crash) goes out now.
    container.mail_worker().start()
    helpers = [asyncio.create_task(job()) for job in background]
    watchers = [asyncio.create_task(watch())] if watch is not None else []
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            break
        await asyncio.sleep(0.01)
    if all(server.started for server in servers):  # else a listener failed: never ready
        _log.info("serving the %s overlay on %s", container.info().overlay, base_url)
        if on_ready is not None:
            on_ready(base_url)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([stopper, *tasks, *watchers], return_when=asyncio.FIRST_COMPLETED)
    if on_stop is not None:
        on_stop()
    for server in servers:
        server.should_exit = True
    sweeper.cancel()
    forgetter.cancel()
    for helper in helpers:
        helper.cancel()
    stopper.cancel()
    for watcher in watchers:
        watcher.cancel()
    results = await asyncio.gather(*tasks, sweeper, forgetter, *watchers, *helpers,
                                   return_exceptions=True)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(sig)
    for result in results:
        if isinstance(result, Exception):
            raise result


async def _sweep_presence(container: ServerContainer) -> None:
    presence = container.presence()
    while True:
        await asyncio.sleep(PRESENCE_SWEEP_SECONDS)
        try:
            await presence.expire()
        except Exception:  # noqa: BLE001 - the sweeper must outlive a failed sweep
            _log.exception("presence sweep failed")


async def _forget_old_records(container: ServerContainer) -> None:
    """Hourly, off the request path: old sign-in requests, and request keys past their
    24 h (in bounded batches, D-18)."""
    devices = container.devices()
    keyed = container.keyed_writes()
    while True:
        try:
            await devices.forget_old_requests()
        except Exception:  # noqa: BLE001 - the sweeper must outlive a failed sweep
            _log.exception("forgetting old sign-in requests failed")
        try:
            await keyed.forget_expired()
        except Exception:  # noqa: BLE001 - the sweeper must outlive a failed sweep
            _log.exception("forgetting old request keys failed")
        await asyncio.sleep(SIGN_IN_RECORDS_SWEEP_SECONDS)
