"""``hero-assistance-server``: create, run and administer a project server."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from ...adapters.serving import LOG_FORMATS, configure_logging, say
from ...adapters.systemd import ServiceNotifier
from ...adapters.terminal import printable
from ...version import package_version
from .admin_client import AdminClient, AdminError, ServerNotRunning
from .config import (
    DEFAULT_PORT,
    ConfigError,
    MailConfig,
    ServerConfig,
    load_config,
    write_config,
)

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NOT_RUNNING = 0, 1, 2, 3
EXIT_OVERLAY = 4  # the overlay cannot be served (no daemon, its address changed)
EXIT_UNHEALTHY = 1  # health/doctor: at least one check failed (each says what to do)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hero-assistance-server",
        description="A hero_assistance project server: support tickets over mycelium.")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {package_version()}")
    parser.add_argument("--data-dir", type=Path, default=Path("hero-assistance-data"),
                        help="the project's data directory (default: %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="create a project data directory")
    init.add_argument("name", help="the project's name, as people see it")
    init.add_argument("--overlay", choices=["mycelium", "loopback"], default="mycelium")
    init.add_argument("--port", type=int, default=DEFAULT_PORT)
    init.add_argument("--loopback-address", default="127.0.0.1")
    init.add_argument("--mycelium-api", default="http://127.0.0.1:8990")
    init.add_argument("--sender", default="hero-assistance@localhost",
                      help="From: address of sign-in emails")

    _serve_command(sub)

    enroll = sub.add_parser("enroll", help="pre-enroll a person by email")
    enroll.add_argument("email")
    enroll.add_argument("--role", choices=["customer", "agent", "admin"], required=True)
    enroll.add_argument("--name", help="display name (default: the part before @)")

    for name, text in (("users", "list users"), ("links", "list pending sign-in links")):
        view = sub.add_parser(name, help=text)
        view.add_argument("--json", action="store_true", help="machine-readable output")

    devices = sub.add_parser("devices", help="list bound devices; 'devices revoke ADDRESS'")
    devices.add_argument("--json", action="store_true", help="machine-readable output")
    device_actions = devices.add_subparsers(dest="action")
    revoke = device_actions.add_parser("revoke", help="unbind a device at once")
    revoke.add_argument("address", help="the device's overlay address")

    sign_ins = sub.add_parser("sign-ins", help="the newest sign-in requests and their outcome")
    sign_ins.add_argument("--limit", type=int, default=50)
    sign_ins.add_argument("--json", action="store_true", help="machine-readable output")

    mail = sub.add_parser("mail", help="the mail queue; 'mail retry ID' sends a failed mail "
                          "again")
    mail.add_argument("--status", choices=["pending", "sent", "failed"])
    mail.add_argument("--limit", type=int, default=50)
    mail.add_argument("--json", action="store_true", help="machine-readable output")
    mail_actions = mail.add_subparsers(dest="action")
    retry = mail_actions.add_parser("retry", help="send a failed mail again, now")
    retry.add_argument("mail_id", type=int)

    settings = sub.add_parser("settings", help="show or change the project's settings")
    settings.add_argument("--name", help="rename the project (also written to server.json)")
    settings.add_argument("--customers-see-all-tickets", choices=["yes", "no"],
                          help="let customers see every ticket of the project, or only "
                          "their own")
    settings.add_argument("--json", action="store_true", help="machine-readable output")

    for name, text in (("disable", "disable a user on every device"),
                       ("enable", "re-enable a disabled user")):
        toggle = sub.add_parser(name, help=text)
        toggle.add_argument("email")

    expire = sub.add_parser("expire-links", help="withdraw a user's pending sign-in links")
    expire.add_argument("email")
    resend = sub.add_parser("resend-link", help="replace a pending link and email it again")
    resend.add_argument("link_id", type=int)

    backup = sub.add_parser("backup", help="online backup of the database to FILE")
    backup.add_argument("file", type=Path)
    _operations_commands(sub)
    return parser


def _serve_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the server until SIGTERM/SIGINT")
    serve.add_argument("--overlay", choices=["mycelium", "loopback"])
    serve.add_argument("--port", type=int)
    serve.add_argument("--loopback-address")
    serve.add_argument("--mycelium-api")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--log-format", choices=LOG_FORMATS, default="text",
                       help="text for people, json (one object per line) for collectors")
    serve.add_argument("--benchmark", action="store_true",
                       help="benchmarks only: also serve the bench.* probes of scripts/bench.py "
                       "(loopback overlay only; never for real users)")


def _operations_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Backup sets, health, restore and doctor (D-22)."""
    sub.add_parser("backup-now", help="take a verified backup set (database and attachments) "
                   "into the backup directory now, then rotate")
    sub.add_parser("health", help="what is wrong with the running server (exit 1 if anything)")
    restore = sub.add_parser("restore", help="restore a backup set into a new data directory")
    restore.add_argument("backup", type=Path, help="a backup-… directory")
    restore.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                         help="the new data directory (absent or empty)")
    sub.add_parser("doctor", help="check the set-up: daemon, mail server, permissions, disk")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    data_dir: Path = args.data_dir.resolve()
    try:
        local = _LOCAL_COMMANDS.get(args.command)
        if local is not None:
            return local(data_dir, args)
        with AdminClient(data_dir) as admin:
            operation = _OPERATIONS.get(args.command)
            return operation(admin) if operation is not None else _admin(admin, args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ServerNotRunning as exc:
        print(f"error: {exc}; start it with: hero-assistance-server --data-dir {data_dir} "
              "serve", file=sys.stderr)
        return EXIT_NOT_RUNNING
    except AdminError as exc:
        print(f"refused: {printable(exc.message)}", file=sys.stderr)
        return EXIT_REFUSED


def _doctor(data_dir: Path, _args: argparse.Namespace) -> int:
    from .doctor import run_doctor  # noqa: PLC0415 - only this command needs it

    return run_doctor(data_dir, _say)


def _init(data_dir: Path, args: argparse.Namespace) -> int:
    if (data_dir / "server.json").exists():
        raise ConfigError(f"{data_dir} already holds a project; nothing changed")
    try:
        config = ServerConfig(project_name=args.name, overlay=args.overlay, port=args.port,
                              loopback_address=args.loopback_address,
                              mycelium_api=args.mycelium_api,
                              mail=MailConfig(sender=args.sender))
        config = msgspec.convert(msgspec.to_builtins(config), ServerConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(str(exc)) from exc
    write_config(data_dir, config)
    _say(f"created project {args.name!r} in {data_dir}")
    _say(f"sign-in emails are written to {data_dir / 'outbox'} (edit server.json for SMTP)")
    return EXIT_OK


def _serve(data_dir: Path, args: argparse.Namespace) -> int:
    from .runtime import (  # noqa: PLC0415 - keeps the admin commands light
        CannotListen,
        OverlayUnavailable,
        serve,
    )

    config = load_config(data_dir)
    overrides = {key: value for key, value in (
        ("overlay", args.overlay), ("port", args.port),
        ("loopback_address", args.loopback_address), ("mycelium_api", args.mycelium_api),
    ) if value is not None}
    if overrides:
        try:
            config = msgspec.convert({**msgspec.to_builtins(config), **overrides}, ServerConfig)
        except msgspec.ValidationError as exc:
            raise ConfigError(str(exc)) from exc
    configure_logging(args.log_level, log_format=args.log_format)  # uvicorn's records too
    try:
        asyncio.run(serve(data_dir, config, on_ready=lambda url: _say(f"ready: {url}/rpc"),
                          benchmark=args.benchmark,
                          notifier=ServiceNotifier.from_environment()))
    except OverlayUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_OVERLAY
    except CannotListen as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def _admin(admin: AdminClient, args: argparse.Namespace) -> int:
    command = args.command
    if command == "enroll":
        name = args.name or args.email.split("@", 1)[0]
        user = admin.call("user.enroll", {"email": args.email, "role": args.role,
                                          "display_name": name})
        _say(f"enrolled {user['email']} as {user['role']} (user {user['id']})")
    elif command == "users":
        _show(admin.call("user.list"), args.json,
              ["id", "email", "display_name", "role", "status", "created_at"])
    elif command == "devices" and args.action == "revoke":
        device = admin.call("device.revoke", {"address": args.address})
        _say(f"revoked {device['address']} ({printable(device['label'])}) of user "
             f"{device['user_id']}; it is refused from its next request on")
    elif command == "devices":
        _show(admin.call("device.list"), args.json,
              ["address", "user_id", "label", "bound_at", "last_seen"])
    elif command == "sign-ins":
        _show(admin.call("admin.sign_in_requests", {"limit": args.limit}), args.json,
              ["id", "at", "device_addr", "device_label", "email", "outcome"])
    elif command == "mail":
        _mail(admin, args)
    elif command == "settings":
        _settings(admin, args)
    elif command == "links":
        _show(admin.call("admin.links"), args.json,
              ["id", "email", "device_addr", "device_label", "expires_at", "attempts"])
    elif command in ("disable", "enable"):
        user = _user_by_email(admin, args.email)
        admin.call("user.update", {"user_id": user["id"], "disabled": command == "disable"})
        _say(f"{command}d {user['email']}")
    elif command == "expire-links":
        count = admin.call("admin.expire_links", {"email": args.email})
        _say(f"withdrew {count} pending link(s) of {args.email}")
    elif command == "resend-link":
        link = admin.call("admin.resend_link", {"link_id": args.link_id})
        _say(f"queued a new link (id {link['id']}) for device {link['device_addr']}; "
             "'mail' shows its delivery")
    elif command == "backup":
        result = admin.call("admin.backup", {"path": str(args.file.resolve())})
        _say(f"wrote {result['path']} ({result['bytes']} bytes)")
    return EXIT_OK


def _backup_now(admin: AdminClient) -> int:
    done = admin.call("admin.backup_now")
    _say(f"wrote {done['path']}: database {done['database_bytes']} bytes, "
         f"{done['attachments']} attachment(s) ({done['attachment_bytes']} bytes), verified")
    return EXIT_OK


def _health(admin: AdminClient) -> int:
    from .._checks import Finding, report  # noqa: PLC0415 - only this command needs it

    answer: dict[str, Any] = admin.call("admin.health")
    findings = [Finding(f["check"], ok=bool(f["ok"]), detail=str(f["detail"]),
                        advice=str(f["advice"])) for f in answer["findings"]]
    code = report(findings, _say, summary=False)
    return EXIT_OK if answer["healthy"] and code == EXIT_OK else EXIT_UNHEALTHY


def _restore(data_dir: Path, args: argparse.Namespace) -> int:
    from ...adapters.backups import BackupError, restore_set  # noqa: PLC0415

    backup: Path = args.backup.resolve()
    try:
        restored = restore_set(backup, data_dir)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    _say(f"restored {backup.name} (taken {restored.taken_at.isoformat()}, schema "
         f"{restored.schema_version}, {restored.attachments} attachment(s)) into {data_dir}")
    _say(f"check port and addresses in {data_dir / 'server.json'}, then: "
         f"hero-assistance-server --data-dir {data_dir} serve")
    return EXIT_OK


def _mail(admin: AdminClient, args: argparse.Namespace) -> None:
    if args.action == "retry":
        mail = admin.call("admin.mail_retry", {"mail_id": args.mail_id})
        _say(f"mail {mail['id']} to {mail['recipient']} is queued again")
        return
    params: dict[str, Any] = {"limit": args.limit}
    if args.status:
        params["status"] = args.status
    queue = admin.call("admin.mail", params)
    if args.json:
        _say(json.dumps(queue, indent=2))
        return
    _say(f"pending {queue['pending']}, sent {queue['sent']}, failed {queue['failed']}")
    _show(queue["mails"], as_json=False,
          columns=["id", "kind", "recipient", "status", "attempts", "next_attempt_at",
                   "sent_at", "last_error"])


def _settings(admin: AdminClient, args: argparse.Namespace) -> None:
    change: dict[str, Any] = {}
    if args.name is not None:
        change["name"] = args.name
    if args.customers_see_all_tickets is not None:
        change["customers_see_all_tickets"] = args.customers_see_all_tickets == "yes"
    if change:
        settings = admin.call("project.update", change)
    else:
        info = admin.call("project.info")
        settings = {"name": info["name"],
                    "customers_see_all_tickets": info["customers_see_all_tickets"]}
    if args.json:
        _say(json.dumps(settings, indent=2))
        return
    _say(f"name                       {printable(settings['name'])}")
    _say("customers_see_all_tickets  "
         f"{'yes' if settings['customers_see_all_tickets'] else 'no'}")


def _user_by_email(admin: AdminClient, email: str) -> dict[str, Any]:
    wanted = email.strip().lower()
    for user in admin.call("user.list"):
        if user["email"] == wanted:
            return dict(user)
    raise AdminError(-32003, f"{email} is not enrolled")


def _show(rows: list[dict[str, Any]], as_json: bool, columns: list[str]) -> None:  # noqa: FBT001
    if as_json:
        _say(json.dumps(rows, indent=2))
        return
    if not rows:
        _say("(none)")
        return
    table = [columns] + [[printable(_cell(row.get(c))) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        _say("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _say(text: str) -> None:
    # One write, flushed at once: the "ready:" line is for people watching a terminal or
    # a log (programs read <data dir>/ready.json), and must not sit in a pipe's buffer
    # nor be split by a log record written between the text and its newline. Names,
    # labels and emails come from the network: no control code reaches the terminal.
    say(printable(text))


# Operations commands that go through the admin socket (D-22).
_OPERATIONS: dict[str, Callable[[AdminClient], int]] = {
    "backup-now": _backup_now, "health": _health}
# Commands that work without a running server (the rest go through its admin socket).
_LOCAL_COMMANDS = {"init": _init, "serve": _serve, "restore": _restore, "doctor": _doctor}


if __name__ == "__main__":
    sys.exit(main())
