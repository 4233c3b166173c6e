"""The server's composition root: every port wired to its adapter, in one place.

The container is built by :mod:`.runtime` after the resources it depends on (the
SQLite store, the overlay, the link URL) are open; nothing here runs at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from dependency_injector import containers, providers

from ...adapters.blobs import FileBlobStore
from ...adapters.http import OperatorBoundary, OverlayBoundary, build_app, metrics_routes
from ...adapters.http.access import MethodGate
from ...adapters.images import PillowDecoder
from ...adapters.live import EventHub
from ...adapters.metrics import CONTENT_TYPE, ServerMetrics
from ...adapters.support_rpc import (
    ServerInfo,
    ServerServices,
    build_admin_registry,
    build_server_registry,
)
from ...adapters.system import SystemClock, SystemSecrets
from ...domain.mail_queue import RetryPolicy
from ...domain.ports import Mailer, Overlay, Storage
from ...domain.ratelimit import Limit
from ...domain.services import (
    Accounts,
    AttachmentLibrary,
    CannedReplies,
    Conversation,
    DeviceEnrollment,
    EventFeed,
    KeyedStorage,
    KeyedWrites,
    KnownDevices,
    MailDelivery,
    MailOperations,
    PresenceBoard,
    ProjectAdministration,
    QueueBoard,
    ReadState,
    ServiceLevelDesk,
    StaffDirectory,
    TeamRoster,
    TicketDesk,
)
from ...domain.sign_in_requests import SignInLimits
from .mail_worker import MailWorker
from .settings import AppliedSettings, SettingsHolder


class ServerContainer(containers.DeclarativeContainer):
    """Providers of one running project server."""

    # Provided by the runtime once opened (checked by ``check_dependencies``).
    storage: providers.Dependency[Storage] = providers.Dependency()
    overlay: providers.Dependency[Overlay] = providers.Dependency()
    mailer: providers.Dependency[Mailer] = providers.Dependency()
    link_url: providers.Dependency[Callable[[str], str]] = providers.Dependency()
    data_dir = providers.Dependency(instance_of=Path)
    blob_root = providers.Dependency(instance_of=Path)
    info = providers.Dependency(instance_of=ServerInfo)
    link_lifetime = providers.Dependency(instance_of=timedelta)
    write_limit = providers.Dependency(instance_of=Limit)
    image_decodes = providers.Dependency(instance_of=int)  # at once
    image_decode_memory = providers.Dependency(instance_of=int)  # bytes, between them
    sign_in_limits = providers.Dependency(instance_of=SignInLimits)
    mail_retry = providers.Dependency(instance_of=RetryPolicy)
    metrics = providers.Dependency(instance_of=ServerMetrics)

    clock = providers.Singleton(SystemClock)
    secrets = providers.Singleton(SystemSecrets)
    # Writes under a client's request key (D-18): the use cases write through
    # keyed_storage, which stores a keyed call's key in the transaction of its write.
    keyed_writes = providers.Singleton(KeyedWrites, storage=storage, clock=clock)
    keyed_storage = providers.Singleton(KeyedStorage, storage=storage, clock=clock)
    blobs = providers.Singleton(FileBlobStore, root=blob_root)
    settings = providers.Singleton(SettingsHolder)
    hub = providers.Singleton(EventHub, settings=settings.provided.get)
    project = providers.Singleton(
        ProjectAdministration, storage=keyed_storage, clock=clock, publisher=hub,
        observer=providers.Singleton(AppliedSettings, holder=settings, data_dir=data_dir,
                                    storage=storage),
    )

    # Identification without a read per request; the two services keep it truthful.
    known_devices = providers.Singleton(KnownDevices)
    accounts = providers.Singleton(Accounts, storage=keyed_storage, clock=clock,
                                   known=known_devices)
    # The durable mail queue: use cases queue, the worker delivers through the mailer.
    mail_delivery = providers.Singleton(MailDelivery, storage=storage, clock=clock,
                                        mailer=mailer, policy=mail_retry)
    mail_worker = providers.Singleton(MailWorker, delivery=mail_delivery, clock=clock)
    mail_operations = providers.Singleton(MailOperations, storage=keyed_storage, clock=clock,
                                          mail_signal=mail_worker)
    devices = providers.Singleton(DeviceEnrollment, storage=keyed_storage, clock=clock,
                                  secrets=secrets, link_url=link_url, lifetime=link_lifetime,
                                  limits=sign_in_limits, mail_signal=mail_worker,
                                  known=known_devices)
    tickets = providers.Singleton(TicketDesk, storage=keyed_storage, clock=clock,
                                  publisher=hub)
    conversation = providers.Singleton(Conversation, storage=keyed_storage, clock=clock,
                                       publisher=hub)
    decoder = providers.Singleton(PillowDecoder, parallel=image_decodes,
                                  memory=image_decode_memory)
    attachments = providers.Singleton(AttachmentLibrary, storage=keyed_storage, blobs=blobs,
                                      clock=clock, decoder=decoder)
    presence = providers.Singleton(PresenceBoard, storage=keyed_storage, clock=clock,
                                   publisher=hub)
    feed = providers.Singleton(EventFeed, storage=keyed_storage)
    teams = providers.Singleton(TeamRoster, storage=keyed_storage, clock=clock)
    reads = providers.Singleton(ReadState, storage=keyed_storage, clock=clock, publisher=hub)
    queues = providers.Singleton(QueueBoard, storage=keyed_storage)
    canned = providers.Singleton(CannedReplies, storage=keyed_storage, clock=clock)
    directory = providers.Singleton(StaffDirectory, storage=keyed_storage, clock=clock)
    service_levels = providers.Singleton(ServiceLevelDesk, storage=keyed_storage, clock=clock)

    services = providers.Singleton(
        ServerServices, accounts=accounts, project=project, devices=devices, tickets=tickets,
        conversation=conversation, attachments=attachments, presence=presence, feed=feed,
        hub=hub, teams=teams, reads=reads, queues=queues, canned=canned,
        directory=directory, service_levels=service_levels,
    )
    gate = providers.Singleton(MethodGate, clock=clock, writes=write_limit)
    # One registry per listener, so each rpc.discover lists what its callers can call;
    # the runtime adds the operator's methods to the admin socket's registry only (D-14).
    # Both count their calls in the metrics (method and outcome, D-22).
    overlay_registry = providers.Singleton(build_server_registry, services, info,
                                           authorize=gate, meter=gate.provided.meter,
                                           observe=metrics.provided.observe_request,
                                           keyed=keyed_writes)
    admin_registry = providers.Singleton(build_admin_registry, services, info, authorize=gate,
                                         meter=gate.provided.meter,
                                         observe=metrics.provided.observe_request,
                                         keyed=keyed_writes)

    overlay_app = providers.Singleton(
        build_app, registry=overlay_registry,
        boundary=providers.Singleton(OverlayBoundary, overlay=overlay, accounts=accounts),
        hub=hub, feed=feed, attachments=attachments, presence=presence, devices=devices,
    )
    # /metrics on the admin socket; the overlay app has no such route (404 there).
    admin_app = providers.Singleton(
        build_app, registry=admin_registry, boundary=providers.Singleton(OperatorBoundary),
        hub=hub, feed=feed, attachments=attachments, presence=presence, devices=devices,
        extra_routes=providers.Callable(metrics_routes, metrics.provided.exposition,
                                        CONTENT_TYPE),
    )
