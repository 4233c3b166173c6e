"""Small pieces the container rewriters share."""

from __future__ import annotations

from ..errors import InvalidInput


def damaged(kind: str, problem: str) -> InvalidInput:
    """The refusal of a file whose container is broken."""
    return InvalidInput("file", f"is a damaged {kind} image: {problem}")


def fourcc(kind: bytes) -> str:
    """A chunk type for a message: its letters when printable, else its bytes in hex."""
    text = kind.decode("ascii", errors="replace")
    return repr(text) if text.isprintable() and "\ufffd" not in text else kind.hex()
