"""The figures of one running server, each read from the component that owns it."""

from __future__ import annotations

from pathlib import Path

from ...adapters.live import EventHub
from ...adapters.mail.counting import MailTally
from ...adapters.metrics import ServerMetrics
from ...adapters.sqlite import SqliteStorage
from ...domain.mail_queue import MailStatus
from ...domain.services import KeyedWrites
from .backups import BackupService


def _file_bytes(*paths: Path) -> float:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except FileNotFoundError:
            continue
    return float(total)


def watch_server(metrics: ServerMetrics, *, storage: SqliteStorage, hub: EventHub,
                 mail: MailTally, backups: BackupService, keyed: KeyedWrites) -> None:
    """Register the scrape-time readings of the server's parts on ``metrics``."""
    database = storage.path
    wal = database.with_name(database.name + "-wal")
    metrics.gauge("writer_queue_depth", "Writes waiting for the next group commit.",
                  lambda: storage.queue_depth)
    metrics.counter("writer_commits", "Group-commit transactions committed.",
                    lambda: storage.stats.batches)
    metrics.counter("writer_writes", "Units of work committed.", lambda: storage.stats.writes)
    metrics.counter("writer_failed_writes", "Units of work that failed and were rolled back "
                    "alone.", lambda: storage.stats.failed)
    metrics.counter("request_key_replays", "Writes answered from their request key "
                    "instead of done again (D-18).", lambda: keyed.replays)
    metrics.gauge("live_subscribers", "Open live event subscriptions.", lambda: len(hub))
    metrics.counter("live_deliveries", "Live events delivered to subscribers.",
                    lambda: hub.stats.deliveries)
    metrics.counter("live_dropped_slow_subscribers", "Subscriptions closed because their "
                    "consumer fell too far behind (it resumes with since=).",
                    lambda: hub.stats.overflows)
    metrics.counter("mail_sent", "Emails handed to the mail server or outbox.",
                    lambda: mail.sent)
    metrics.counter("mail_failures", "Emails the mail server or outbox did not take.",
                    lambda: mail.failed)
    queue = dict.fromkeys(MailStatus, 0)  # read once per scrape

    async def count_mail() -> None:
        counts = await storage.read(lambda repos: repos.mail_queue.counts())
        queue.update({status: counts.get(status, 0) for status in MailStatus})

    metrics.refresh_with(count_mail)
    metrics.gauge("mail_queue_size", "Emails in the durable mail queue waiting to be sent "
                  "(D-15).", lambda: queue[MailStatus.PENDING])
    metrics.gauge("mail_queue_given_up", "Emails the mail queue gave up on (mail retry ID "
                  "sends one again).", lambda: queue[MailStatus.FAILED])
    metrics.gauge("database_bytes", "Size of the database file and its write-ahead log.",
                  lambda: _file_bytes(database, wal))
    stored = [0, 0]  # attachments, bytes: read once per scrape

    async def count_attachments() -> None:
        stored[:] = await storage.attachment_totals()

    metrics.refresh_with(count_attachments)
    metrics.gauge("attachment_bytes", "Bytes of stored attachments.", lambda: stored[1])
    metrics.gauge("attachments", "Stored attachments.", lambda: stored[0])
    metrics.gauge("backup_last_success_timestamp_seconds", "When the newest backup set was "
                  "taken (0: none yet).",
                  lambda: backups.last_success.timestamp() if backups.last_success else 0)
    metrics.counter("backup_failures", "Backups that failed.", lambda: backups.failures)
