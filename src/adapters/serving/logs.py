"""Logging for serving processes: one line per record, written in one piece, once.

A log shared by several writers (our records, uvicorn's, a line printed for humans)
stays readable only if each record is one line written by one ``write``: then
records never glue together or split, whatever writes next to them. Newlines and
other control characters inside a record (a traceback, or text a peer sent that
ends up in a message) are escaped, so no record can forge another line either.

Two formats: ``text`` for people (:class:`OneLineFormatter`) and ``json`` for
collectors (:class:`JsonLineFormatter`, one object per line, D-22). Only the root
logger has a handler, so a record is written once whatever logger made it; and
uvicorn's lifecycle lines ("Started server process", "Shutting down") are left out
below WARNING: the server runs two uvicorn servers, which wrote each of them twice,
identically, while the programs log their own line for each listener, saying which.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal, TextIO

from ..terminal import json_text, printable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FORMATS = ("text", "json")
LogFormat = Literal["text", "json"]
QUIET_BELOW_WARNING = ("uvicorn.error", "httpx", "httpcore")
"""Loggers whose INFO lines repeat what the programs say better (uvicorn's lifecycle,
twice with two listeners) or are noise (httpx: one line per request)."""


def one_line(text: str) -> str:
    """``text`` as one line: control characters made visible as on a terminal
    (:func:`~hero_assistance.adapters.terminal.printable`), newlines as ``\\n``."""
    return printable(text).replace("\n", "\\n")


class OneLineFormatter(logging.Formatter):
    """The usual record text (traceback included), as a single line."""

    def format(self, record: logging.LogRecord) -> str:
        """Format as :class:`logging.Formatter` does, then escape to one line."""
        return one_line(super().format(record))


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (UTC, ISO 8601), ``level``, ``logger``,
    ``message``, and ``exception`` / ``stack`` when the record has them.

    JSON escapes line breaks inside strings; the other characters a terminal would
    act on are written as ``\\uXXXX`` too (:func:`~hero_assistance.adapters.terminal.json_text`),
    so the line stays one line for any reader and decodes to the exact text.
    """

    def format(self, record: logging.LogRecord) -> str:
        """One line per record."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json_text(json.dumps(entry, ensure_ascii=False, default=str))


def configure_logging(level: int | str, stream: TextIO | None = None, *,
                      log_format: LogFormat = "text") -> None:
    """Send records at ``level`` and above to ``stream`` (stderr), one line each, as
    ``text`` or ``json``; the loggers of :data:`QUIET_BELOW_WARNING` say only warnings.

    Like :func:`logging.basicConfig`, this does nothing if the root logger already has
    a handler (an embedding application or a test decided already), so calling it
    twice never writes a record twice.
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(stream or sys.stderr)  # one write() per record
    handler.setFormatter(JsonLineFormatter() if log_format == "json"
                         else OneLineFormatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in QUIET_BELOW_WARNING:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def say(text: str, stream: TextIO | None = None) -> None:
    """Print ``text`` and its newline in one write, flushed (a ready line for humans
    must not wait in a pipe's buffer, nor be split by a record written between)."""
    out = stream or sys.stdout
    out.write(text + "\n")
    out.flush()
