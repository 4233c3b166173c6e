"""Text that is safe to show on a terminal, whoever wrote it.

A project server, and the people on it, choose the subjects, bodies, names and labels a
command line prints. Printed raw, ``ESC[2J`` clears the screen, ``ESC]0;…BEL`` retitles
the window, ``ESC]52;…`` can write the clipboard and a carriage return overwrites what
the line said. Every control character except newline and tab is therefore shown as a
visible escape (``\\x1b``, ``\\u202e``) instead of being sent to the terminal.
"""

from __future__ import annotations

import re

# C0 (but \t and \n), DEL, C1, and the bidirectional embeddings, overrides and isolates
# that reorder what a line shows ("Trojan Source"), plus the line/paragraph separators.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029"
                     "\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character but newline and tab made visible."""
    return _UNSAFE.sub(_visible, text)


def has_unsafe(text: str) -> bool:
    """Whether :func:`printable` would change ``text``."""
    return _UNSAFE.search(text) is not None


def json_text(document: str) -> str:
    """A JSON text with the characters above written as ``\\uXXXX`` escapes.

    Those characters can only occur inside JSON strings, where the escape decodes to the
    very same character: the document stays exact, the terminal sees no control codes.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


__all__ = ["has_unsafe", "json_text", "printable"]
