"""Small pieces the container rewriters share."""

from __future__ import annotations

from ..errors import InvalidInput


def damaged(kind: str, problem: str) -> InvalidInput:
    """The refusal of a file whose container is broken."""
    return InvalidInput("file", f"is a damaged {kind} image: {problem}")
