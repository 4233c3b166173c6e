"""``hero-assistance-client ui``: serve the Support tab on localhost.

The client CLI registers the command with :func:`add_ui_command` and runs it with
:func:`run_ui`; everything the command does lives here.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ....adapters.serving import remove_ready, write_ready
from ....adapters.systemd import ServiceNotifier
from ..followed import default_config_dir
from ..runtime import ClientOptions, OverlayUnavailable, running_client
from ..service.unix import default_socket_path
from .settings import DEFAULT_HOST, DEFAULT_PORT, UiConfigError, UiSettings, web_origin

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 5
_log = logging.getLogger(__name__)


def add_ui_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], *,
                   parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    """Add ``ui`` to the client's subcommands (``parents``: the global options)."""
    text = "serve the Support tab (a web UI) on localhost until stopped"
    ui = subparsers.add_parser("ui", help=text, description=text, parents=list(parents))
    ui.add_argument("--port", type=int, default=DEFAULT_PORT,
                    help="TCP port on the loopback address (default: %(default)s; 0 picks one)")
    ui.add_argument("--host", default=DEFAULT_HOST, metavar="ADDRESS",
                    help="the loopback address to listen on (default: %(default)s); "
                    "anything but 127.0.0.0/8 or ::1 is refused")
    ui.add_argument("--project", metavar="LABEL",
                    help="serve only this followed project (default: every followed project)")
    ui.add_argument("--frame-ancestors", action="append", default=[], metavar="ORIGIN",
                    help="a host page origin (https://app.example.com) allowed to embed the "
                    "tab in an iframe or as a script; repeat or separate with spaces or "
                    "commas (default: none, same origin only)")
    ui.add_argument("--ready-file", type=Path, metavar="PATH",
                    help="once serving, write {pid, url, ...} as JSON to PATH (atomically; "
                    "removed at exit): for supervisors and scripts")
    return ui


def ui_settings(args: argparse.Namespace) -> UiSettings:
    """The tab server's settings from the command line; :class:`UiConfigError` if wrong."""
    origins: list[str] = []
    for value in args.frame_ancestors:
        for item in value.replace(",", " ").split():
            origin = web_origin(item)
            if origin not in origins:
                origins.append(origin)
    return UiSettings(host=args.host, port=args.port, embed_origins=tuple(origins),
                      project=args.project)


def client_options(args: argparse.Namespace) -> ClientOptions:
    """The client's files and overlay, from the global options."""
    config_dir: Path | None = getattr(args, "config_dir", None)
    socket: Path | None = getattr(args, "socket", None)
    return ClientOptions(config_dir=config_dir or default_config_dir(),
                         socket_path=socket or default_socket_path(),
                         overlay=getattr(args, "overlay", None),
                         device=getattr(args, "device", None),
                         mycelium_api=getattr(args, "mycelium_api", None))


def run_ui(args: argparse.Namespace, options: ClientOptions | None = None) -> int:
    """Run ``ui`` until SIGINT/SIGTERM; the exit code.

    ``options`` are the client's (as the CLI resolved them); by default they are read
    from the global options in ``args``.
    """
    try:
        settings = ui_settings(args)
    except UiConfigError as exc:
        _say_error(str(exc))
        return EXIT_USAGE
    try:
        return asyncio.run(_serve(options or client_options(args), settings,
                                  ready_file=getattr(args, "ready_file", None)))
    except OverlayUnavailable as exc:
        _say_error(str(exc))
        return EXIT_UNREACHABLE
    except OSError as exc:
        _say_error(f"cannot listen on {settings.url()}: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_OK


async def _serve(options: ClientOptions, settings: UiSettings, *,
                 ready_file: Path | None = None) -> int:
    # The web stack (Litestar, uvicorn) loads only when the tab is served.
    from .runner import serve_ui  # noqa: PLC0415

    async with running_client(options) as container:
        client = container.client()
        labels = [state.label for state in client.projects()]
        if settings.project is not None and settings.project not in labels:
            followed = ", ".join(labels) or "none"
            _say_error(f"no followed project is labelled {settings.project!r} "
                       f"(followed: {followed})")
            return EXIT_USAGE
        notifier = ServiceNotifier.from_environment()

        def ready(url: str) -> None:
            if ready_file is not None:
                write_ready(ready_file, url, {"embed_origins": " ".join(settings.embed_origins)})
            notifier.ready(f"serving the Support tab on {url}")  # with the ready file
            lines = [f"ready: {url}"]
            if settings.embed_origins:
                lines.append(f"embeddable from {', '.join(settings.embed_origins)}: "
                             f"<script src=\"{url}embed.js\"></script>")
            sys.stdout.write("".join(f"{line}\n" for line in lines))
            sys.stdout.flush()

        try:
            await serve_ui(client, container.registry(), container.fanout(), settings,
                           on_ready=ready)
            notifier.stopping()
        finally:
            await notifier.aclose()
            if ready_file is not None:
                remove_ready(ready_file)
    return EXIT_OK


def _say_error(text: str) -> None:
    sys.stderr.write(f"hero-assistance-client ui: {text}\n")
