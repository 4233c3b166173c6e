"""The server's configuration file, ``server.json`` in the data directory."""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

CONFIG_FILE = "server.json"
DATABASE_FILE = "project.sqlite3"
BLOB_DIR = "attachments"
OUTBOX_DIR = "outbox"
ADMIN_SOCKET = "admin.sock"
READY_FILE = "ready.json"
KEY_FILE = "project.key"  # 0600; seals queued mail bodies (D-15); never inside the database
BACKUP_DIR = "backups"
DEFAULT_PORT = 7330
_DURATION = re.compile(r"^(\d{1,6})([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``6h``, ``1d`` as a time span; ``ValueError`` otherwise."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 30m, 6h or 1d")
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


class MailConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where sign-in emails go: the outbox folder (default) or an SMTP server."""

    kind: Literal["outbox", "smtp"] = "outbox"
    sender: str = "hero-assistance@localhost"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 20.0
    smtp_ca_file: str = ""  # PEM bundle to trust instead of the system's (relative: data dir)
    # Back-off of the mail queue after a temporary failure: the first wait, doubling up
    # to the longest; mail not sent within give_up_hours (or by its deadline) fails.
    retry_first_seconds: Annotated[float, Meta(gt=0, le=3600)] = 10.0
    retry_longest_seconds: Annotated[float, Meta(gt=0, le=86400)] = 600.0
    give_up_hours: Annotated[float, Meta(gt=0, le=24 * 30)] = 72.0

    def __post_init__(self) -> None:
        if self.retry_longest_seconds < self.retry_first_seconds:
            raise ValueError("mail.retry_longest_seconds must be at least retry_first_seconds")


class SignInConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How often devices may ask for sign-in links, and how much mail one address gets.

    Each device may ask ``requests_per_device_and_email_per_hour`` times an hour for one
    email (its share of that mailbox) and ``requests_per_device_per_hour`` times for any
    emails; an address receives at most ``mails_per_email_per_hour`` sign-in mails, so
    ``mails // share`` devices at most get mail for it within an hour (D-15).
    """

    requests_per_device_per_hour: Annotated[int, Meta(ge=1, le=1_000_000)] = 10
    requests_per_device_and_email_per_hour: Annotated[int, Meta(ge=1, le=1_000_000)] = 2
    mails_per_email_per_hour: Annotated[int, Meta(ge=1, le=1_000_000)] = 12

    def __post_init__(self) -> None:
        if self.mails_per_email_per_hour < self.requests_per_device_and_email_per_hour:
            raise ValueError("sign_in.mails_per_email_per_hour must be at least "
                             "requests_per_device_and_email_per_hour (one device's share)")


class ConnectionsConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the overlay listener tolerates from its clients (``adapters.serving.limits``).

    The head deadline is total (a request head is a few hundred bytes); the body
    deadline is on progress: an upload that keeps arriving may take as long as it
    needs, one that sends nothing for ``body_timeout_seconds`` is answered 408.
    ``max_connections`` is lowered at start to stay below the file-descriptor limit.
    """

    head_timeout_seconds: Annotated[float, Meta(gt=0, le=600)] = 10.0
    body_timeout_seconds: Annotated[float, Meta(gt=0, le=3600)] = 30.0
    send_timeout_seconds: Annotated[float, Meta(gt=0, le=3600)] = 60.0
    keep_alive_seconds: Annotated[int, Meta(ge=1, le=3600)] = 5
    max_connections: Annotated[int, Meta(ge=8, le=1_000_000)] = 4096
    max_connections_per_peer: Annotated[int, Meta(ge=1, le=1_000_000)] = 64


class BackupConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Scheduled online backups: database and attachments, verified, rotated."""

    every: str = ""  # "" = no scheduled backups; otherwise a duration: 30m, 6h, 1d
    keep: Annotated[int, Meta(ge=1, le=10_000)] = 7
    directory: str = BACKUP_DIR  # relative: inside the data directory

    def __post_init__(self) -> None:
        """Refuse a schedule that does not parse, or one more often than every minute."""
        if self.every and parse_duration(self.every) < timedelta(minutes=1):
            raise ValueError("backup.every must be at least 1m")

    @property
    def interval(self) -> timedelta | None:
        """Time between backups, or ``None`` when none are scheduled."""
        return parse_duration(self.every) if self.every else None


class ServerConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of one project server. ``init`` writes it; edit it to change them."""

    project_name: Annotated[str, Meta(min_length=1, max_length=80)]
    overlay: Literal["loopback", "mycelium"] = "mycelium"
    port: Annotated[int, Meta(ge=1, le=65535)] = DEFAULT_PORT
    loopback_address: str = "127.0.0.1"
    mycelium_api: str = "http://127.0.0.1:8990"
    # How long start-up waits for the daemon, and how often the node address is checked
    # (a daemon restarted with another key has another address; the server then stops).
    mycelium_startup_seconds: Annotated[float, Meta(gt=0, le=3600)] = 20.0
    mycelium_check_seconds: Annotated[float, Meta(gt=0, le=86400)] = 30.0
    synchronous: Literal["FULL", "NORMAL"] = "FULL"
    link_lifetime_minutes: Annotated[int, Meta(ge=1, le=1440)] = 15
    write_limit_per_minute: Annotated[int, Meta(ge=1, le=100_000)] = 240
    # Uploaded images are decoded to prove they are images: this many at once, within
    # this much memory between them (the rest wait their turn; see D-16).
    image_decodes_at_once: Annotated[int, Meta(ge=1, le=64)] = 2
    image_decode_memory_mib: Annotated[int, Meta(ge=64, le=65_536)] = 256
    sign_in: SignInConfig = SignInConfig()
    mail: MailConfig = MailConfig()
    connections: ConnectionsConfig = ConnectionsConfig()
    # Prometheus' /metrics on a TCP port of a loopback address (0: only on admin.sock).
    metrics_port: Annotated[int, Meta(ge=0, le=65535)] = 0
    metrics_address: str = "127.0.0.1"
    backup: BackupConfig = BackupConfig()

    def __post_init__(self) -> None:
        """Metrics are for this host only: never on the overlay or a public address."""
        try:
            loopback = ipaddress.ip_address(self.metrics_address).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"metrics_address must be a loopback address such as 127.0.0.1, "
                             f"not {self.metrics_address!r}")


class ConfigError(Exception):
    """The data directory or its configuration is missing or broken."""


def config_path(data_dir: Path) -> Path:
    """Where the configuration of a data directory lives."""
    return data_dir / CONFIG_FILE


def load_config(data_dir: Path) -> ServerConfig:
    """Read ``server.json``, with a message that says how to fix what is wrong."""
    path = config_path(data_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{data_dir} is not a project data directory (no {CONFIG_FILE}); "
            f"create one with: hero-assistance-server init --data-dir {data_dir} NAME"
        ) from None
    try:
        return msgspec.json.decode(raw, type=ServerConfig)
    except msgspec.DecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def write_config(data_dir: Path, config: ServerConfig) -> None:
    """Create the data directory (0700) and write the configuration (0600)."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = config_path(data_dir)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(msgspec.json.format(msgspec.json.encode(config), indent=2) + b"\n")
    temp.replace(path)


def update_project_name(data_dir: Path, name: str) -> None:
    """Replace ``project_name`` in ``server.json``, keeping every other setting as it is
    in the file now (it is read again, not taken from the running server's copy)."""
    current = load_config(data_dir)
    if current.project_name != name:
        write_config(data_dir, msgspec.structs.replace(current, project_name=name))
