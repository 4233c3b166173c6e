"""``hero-assistance-client``: the command line, and ``serve`` for the local service.

Every command except ``serve`` calls the service's JSON-RPC methods: on the running
service when it answers on its socket, otherwise on the library opened in this
process for the one command. Exit codes: 0 done, 1 refused or not found, 2 usage,
4 not signed in / forbidden / code refused, 5 a server (or the overlay) unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence

from ....adapters.serving import configure_logging
from ..followed import default_config_dir
from ..runtime import ClientOptions, OverlayUnavailable
from ..service.remote import ServiceCallError
from ..service.unix import ServiceAlreadyRunning, default_socket_path
from ..ui import run_ui
from . import _project_commands, _ticket_commands, _workspace_commands
from ._backend import open_backend
from ._output import Output
from ._parser import build_parser
from ._run import (
    EXIT_AUTH,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    Run,
    UsageError,
    exit_code_for,
)
from ._serve import serve

__all__ = [
    "EXIT_AUTH",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "main",
]

Command = Callable[[Run], Awaitable[int]]
COMMANDS: dict[str, Command] = {
    "follow": _project_commands.follow,
    "unfollow": _project_commands.unfollow,
    "projects": _project_commands.projects,
    "enroll": _project_commands.enroll,
    "devices": _project_commands.devices,
    "inbox": _project_commands.inbox,
    "watch": _project_commands.watch,
    "tickets": _ticket_commands.tickets,
    "show": _ticket_commands.show,
    "new": _ticket_commands.new,
    "reply": _ticket_commands.reply,
    "close": _ticket_commands.change,
    "reopen": _ticket_commands.change,
    "status": _ticket_commands.change,
    "assign": _ticket_commands.change,
    "queues": _workspace_commands.queues,
    "unread": _workspace_commands.unread,
    "teams": _workspace_commands.teams,
    "canned": _workspace_commands.canned,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    out = Output(sys.stdout, sys.stderr, as_json=args.json)
    options = ClientOptions(
        config_dir=(args.config_dir or default_config_dir()).expanduser().resolve(),
        socket_path=(args.socket or default_socket_path()).expanduser().absolute(),
        overlay=args.overlay, device=args.device, mycelium_api=args.mycelium_api)
    configure_logging(logging.INFO if args.command in ("serve", "ui") else logging.ERROR,
                      log_format=args.log_format)
    try:
        if args.command == "ui":
            return run_ui(args, options)
        if args.command == "serve":
            return asyncio.run(serve(options, out, ready_file=args.ready_file))
        if args.command == "doctor":
            from ..doctor import run_doctor  # noqa: PLC0415 - only this command needs it

            return run_doctor(options, out.line)
        return asyncio.run(_run(COMMANDS[args.command], args, options, out))
    except (UsageError, ServiceCallError, OverlayUnavailable, ServiceAlreadyRunning) as exc:
        return _failed(out, exc)
    except KeyboardInterrupt:
        return 130


def _failed(out: Output, exc: Exception) -> int:
    """Say what went wrong; the exit code that tells it apart."""
    if isinstance(exc, ServiceCallError):
        _refused(out, exc)
        return exit_code_for(exc.code)
    if isinstance(exc, OverlayUnavailable):
        out.error(f"this device cannot reach its overlay: {exc}")
        return EXIT_UNREACHABLE
    out.error(str(exc))
    return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_REFUSED


async def _run(command: Command, args: argparse.Namespace, options: ClientOptions,
               out: Output) -> int:
    async with open_backend(options, use_service=not args.no_service) as backend:
        return await command(Run(backend=backend, args=args, out=out))


def _refused(out: Output, exc: ServiceCallError) -> None:
    if out.as_json:
        import json  # noqa: PLC0415 - the error path only

        error = {"code": exc.code, "message": exc.message, "data": exc.data}
        sys.stderr.write(json.dumps({"error": error}) + "\n")
        return
    out.error(exc.message)
