"""The command line's grammar."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from ....adapters.serving import LOG_FORMATS
from ....domain.listing import TicketOrder
from ....domain.queues import QueueView
from ....domain.tickets import Priority, TicketStatus
from ....version import package_version
from ..ui import add_ui_command

PROG = "hero-assistance-client"
ENV_OVERLAY = "HERO_ASSISTANCE_OVERLAY"
ENV_DEVICE = "HERO_ASSISTANCE_DEVICE"
ENV_CONFIG_DIR = "HERO_ASSISTANCE_CONFIG_DIR"
ENV_SOCKET = "HERO_ASSISTANCE_CLIENT_SOCKET"
ENV_LOG_FORMAT = "HERO_ASSISTANCE_LOG_FORMAT"

STATUSES = [s.value for s in TicketStatus]
PRIORITIES = [p.value for p in Priority]
VIEWS = [v.value for v in QueueView if v is not QueueView.TEAM] + ["mine"]
ORDERS = [o.value for o in TicketOrder if o is not TicketOrder.RELEVANCE]


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command takes, before or after the command's name."""

    def default(value: object) -> object:  # the command's copy must not reset the main's
        return argparse.SUPPRESS if suppress else value

    env = os.environ.get
    config_dir = env(ENV_CONFIG_DIR)
    socket = env(ENV_SOCKET)
    group = parser.add_argument_group("global options")
    group.add_argument("--config-dir", type=Path,
                       default=default(Path(config_dir) if config_dir else None),
                       help="the client's config directory: followed projects, read markers "
                       f"(default: the user's; env {ENV_CONFIG_DIR})")
    group.add_argument("--socket", type=Path,
                       default=default(Path(socket) if socket else None),
                       help="the local service's Unix socket (default: in the user's runtime "
                       f"directory; env {ENV_SOCKET})")
    group.add_argument("--overlay", choices=["mycelium", "loopback"],
                       default=default(env(ENV_OVERLAY)),
                       help=f"how this device reaches servers (default: mycelium; env "
                       f"{ENV_OVERLAY}). loopback is for demos and tests on one machine")
    group.add_argument("--device", default=default(env(ENV_DEVICE)), metavar="ADDRESS",
                       help="this device's address: required with loopback (127.x.y.z); with "
                       f"mycelium the node's address is used (env {ENV_DEVICE})")
    group.add_argument("--mycelium-api", default=default(None), metavar="URL",
                       help="a running mycelium daemon's API (URL or unix:// socket)")
    group.add_argument("--json", action="store_true", default=default(value=False),
                       help="machine-readable output (JSON; one object per line for watch)")
    group.add_argument("--no-service", action="store_true", default=default(value=False),
                       help="use the library in this process even if the service runs")
    group.add_argument("--log-format", choices=LOG_FORMATS,
                       default=default(env(ENV_LOG_FORMAT) or "text"),
                       help="logs of serve and ui: text, or json (one object per line) for "
                       f"collectors (env {ENV_LOG_FORMAT})")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``hero-assistance-client``."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Follow hero_assistance project servers: tickets, replies and "
        "live events across every project, from this device.")
    parser.add_argument("--version", action="version", version=f"{PROG} {package_version()}")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, parents=[common])

    _project_commands(command, common)
    _ticket_commands(command)
    watch = command("watch", "print live events of every project until Ctrl-C")
    watch.add_argument("--project", action="append", metavar="LABEL",
                       help="only these projects (repeatable)")
    serve = command("serve", "run the client as a local service on its Unix socket until "
                    "stopped")
    serve.add_argument("--ready-file", type=Path, metavar="PATH",
                       help="once serving, write {pid, url, ...} as JSON to PATH (atomically; "
                       "removed at exit): for supervisors and scripts")
    command("doctor", "check this device: mycelium, files, disk, each project and its clock")
    add_ui_command(sub, parents=[common])  # the Support tab: apps/client/ui
    return parser


Command = Callable[[str, str], argparse.ArgumentParser]


def _project_option(p: argparse.ArgumentParser, *, what: str = "the project") -> None:
    p.add_argument("--project", metavar="LABEL",
                   help=f"{what} (a followed label; optional when only one is followed)")


def _project_commands(command: Command, common: argparse.ArgumentParser) -> None:
    project_option = _project_option
    follow = command("follow", "follow a project server")
    follow.add_argument("address", help="the server's overlay address, e.g. [400::1]:7330")
    follow.add_argument("--label", help="a short name for it (default: from the project name)")

    unfollow = command("unfollow", "stop following a project")
    unfollow.add_argument("label")

    command("projects", "the state of every followed project")

    enroll = command("enroll", "sign this device in to a project with an emailed code")
    enroll.add_argument("email")
    project_option(enroll)
    enroll.add_argument("--device-label", help="how this device is listed (default: host name)")
    enroll.add_argument("--code", help="the code from the email (skips asking for a new one)")

    devices = command("devices", "your devices on each project")
    project_option(devices, what="only this project")
    actions = devices.add_subparsers(dest="devices_action", metavar="[ACTION]")
    revoke = actions.add_parser(
        "revoke", parents=[common], help="unbind one of your devices (this one too)",
        description="Unbind one of your devices from a project: from then on the server "
        "refuses it until it signs in again.")
    revoke.add_argument("address", help="the device's address, as `devices` lists it")
    # SUPPRESS: a --project given before `revoke` must survive the sub-command's default.
    revoke.add_argument("--project", metavar="LABEL", default=argparse.SUPPRESS,
                        help="the project (a followed label; optional when only one is "
                        "followed)")

    command("inbox", "open tickets with unread replies, across projects")


def _ticket_commands(command: Command) -> None:
    project_option = _project_option
    tickets = command("tickets", "tickets of every followed project (or one)")
    project_option(tickets, what="only this project")
    tickets.add_argument("--status", action="append", default=[], metavar="STATUS",
                         help=f"only these ({', '.join(STATUSES)}); repeat or comma-separate")
    tickets.add_argument("--priority", action="append", default=[], metavar="PRIORITY",
                         help=f"only these ({', '.join(PRIORITIES)}); repeat or comma-separate")
    tickets.add_argument("--assignee", metavar="ID|me|none", help="assigned to a user id, "
                         "to you, or to nobody")
    tickets.add_argument("--view", choices=VIEWS, metavar="VIEW",
                         help=f"a queue (staff): {', '.join(VIEWS)}; 'mine' is my_open")
    tickets.add_argument("--team", type=int, metavar="ID", help="only this team's (staff; "
                         "needs --project)")
    tickets.add_argument("--tag", help="only tickets with this tag")
    tickets.add_argument("--order", choices=ORDERS, help="sort: updated (default), newest, "
                         "priority")
    tickets.add_argument("--query", default="", help="words to search for")
    tickets.add_argument("--limit", type=int, help="at most this many per project")

    show = command("show", "a ticket and its conversation")
    show.add_argument("ticket_id", type=int, metavar="ID")
    project_option(show)

    new = command("new", "file a ticket")
    project_option(new)
    new.add_argument("--subject", required=True)
    new.add_argument("--body", default="", help="the description ('-' reads stdin)")
    new.add_argument("--priority", choices=PRIORITIES, default="normal")
    new.add_argument("--attach", action="append", type=Path, default=[], metavar="FILE",
                     help="an image to attach (repeatable)")

    reply = command("reply", "reply on a ticket")
    reply.add_argument("ticket_id", type=int, metavar="ID")
    project_option(reply)
    reply.add_argument("--body", default="", help="the reply ('-' reads stdin)")
    reply.add_argument("--internal", action="store_true", help="an internal note (staff)")
    reply.add_argument("--attach", action="append", type=Path, default=[], metavar="FILE",
                       help="an image to attach (repeatable)")

    for name, text in (("close", "close a ticket"), ("reopen", "reopen a ticket")):
        change = command(name, text)
        change.add_argument("ticket_id", type=int, metavar="ID")
        project_option(change)

    status = command("status", "move a ticket to another status")
    status.add_argument("ticket_id", type=int, metavar="ID")
    status.add_argument("status", choices=STATUSES)
    project_option(status)

    assign = command("assign", "assign a ticket (staff)")
    assign.add_argument("ticket_id", type=int, metavar="ID")
    assign.add_argument("--to", metavar="ID|me|none",
                        help="a user id, yourself, or nobody")
    assign.add_argument("--team", metavar="ID|none", help="a team (its queue), or no team; "
                        "the assignee stays as it is")
    project_option(assign)

    queues = command("queues", "your queues and their live counts, across projects")
    project_option(queues, what="only this project")
    unread = command("unread", "tickets of your queues with news you have not seen")
    project_option(unread, what="only this project")
    teams = command("teams", "a project's teams and their members (staff)")
    project_option(teams)
    canned = command("canned", "canned replies (staff); with ID and --ticket, the filled text")
    canned.add_argument("canned_id", type=int, nargs="?", metavar="ID")
    canned.add_argument("--ticket", type=int, metavar="ID", help="fill the reply in for it")
    project_option(canned)

