"""Logging for serving processes: one line per record, written in one piece.

A log shared by several writers (our records, uvicorn's, a line printed for humans)
stays readable only if each record is one line written by one ``write``: then
records never glue together or split, whatever writes next to them. Newlines and
other control characters inside a record (a traceback, or text a peer sent that
ends up in a message) are escaped, so no record can forge another line either.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from ..terminal import printable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def one_line(text: str) -> str:
    """``text`` as one line: control characters made visible as on a terminal
    (:func:`~hero_assistance.adapters.terminal.printable`), newlines as ``\\n``."""
    return printable(text).replace("\n", "\\n")


class OneLineFormatter(logging.Formatter):
    """The usual record text (traceback included), as a single line."""

    def format(self, record: logging.LogRecord) -> str:
        """Format as :class:`logging.Formatter` does, then escape to one line."""
        return one_line(super().format(record))


def configure_logging(level: int | str, stream: TextIO | None = None) -> None:
    """Send records at ``level`` and above to ``stream`` (stderr), one line each.

    Like :func:`logging.basicConfig`, this does nothing if the root logger already has
    a handler (an embedding application or a test decided already).
    """
    handler = logging.StreamHandler(stream or sys.stderr)  # one write() per record
    handler.setFormatter(OneLineFormatter(FORMAT))
    logging.basicConfig(level=level.upper() if isinstance(level, str) else level,
                        handlers=[handler])


def say(text: str, stream: TextIO | None = None) -> None:
    """Print ``text`` and its newline in one write, flushed (a ready line for humans
    must not wait in a pipe's buffer, nor be split by a record written between)."""
    out = stream or sys.stdout
    out.write(text + "\n")
    out.flush()
