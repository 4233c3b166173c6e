"""What the command lines print cannot drive the terminal, however hostile the text."""

from __future__ import annotations

import io
import json
import re
import sys

from rich.text import Text

from hero_assistance.adapters.terminal import has_unsafe, json_text, printable
from hero_assistance.apps.client.cli._output import Output, safe

HOSTILE = ("\x1b[2J\x1b[H"  # clear the screen, cursor home
           "\x1b]0;owned\x07"  # set the window title
           "\x1b]52;c;ZWNobyBvd25lZA==\x07"  # write the clipboard
           "\x1b[31mred\x1b[0m"  # colour
           "\rrewritten"  # overwrite the line
           "\x9b31m"  # CSI as one C1 character
           "\u202egnp.exe"  # right-to-left override
           "\u2028after a separator\x00\x7f\x08")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colour codes rich itself writes on a terminal


class Tty(io.StringIO):
    """A stdout that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_every_code_point_is_either_kept_or_made_visible() -> None:
    kept, escaped = 0, 0
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        shown = printable(char)
        if shown == char:
            kept += 1
            assert char in "\n\t" or (code >= 0x20 and not 0x7F <= code <= 0x9F), hex(code)
        else:
            escaped += 1
            assert shown in (f"\\x{code:02x}", f"\\u{code:04x}"), (hex(code), shown)
            assert not has_unsafe(shown)
    # C0 but tab and newline (30), DEL and C1 (33), the bidi and separator marks (13).
    assert escaped == 30 + 33 + 13
    assert kept > 1_000_000


def test_hostile_text_keeps_its_readable_parts() -> None:
    shown = printable(HOSTILE)
    assert not has_unsafe(shown)
    assert "\\x1b[2J" in shown
    assert "\\x1b]0;owned\\x07" in shown
    assert "\\x0drewritten" in shown
    assert "\\u202egnp.exe" in shown
    assert printable("line one\n\tindented") == "line one\n\tindented"


def test_json_stays_exact_and_carries_no_control_character() -> None:
    document = json.dumps({"body": HOSTILE}, ensure_ascii=False)
    safe_document = json_text(document)
    assert not has_unsafe(safe_document)
    assert json.loads(safe_document) == {"body": HOSTILE}


def _printed(*, terminal: bool, as_json: bool = False) -> tuple[Output, io.StringIO,
                                                                   io.StringIO]:
    out, err = (Tty(), Tty()) if terminal else (io.StringIO(), io.StringIO())
    return Output(out, err, as_json=as_json), out, err


def _no_control_codes(text: str) -> None:
    without_colours = SGR.sub("", text)
    assert not has_unsafe(without_colours.replace("\n", "")), repr(without_colours)


def test_lines_tables_notes_and_errors_are_escaped_on_a_terminal_and_in_a_pipe() -> None:
    for terminal in (True, False):
        output, out, err = _printed(terminal=terminal)
        output.line(HOSTILE)
        output.line(Text("#1 ", style="bold") + Text(HOSTILE, style="red"))
        output.table(["SUBJECT"], [[HOSTILE], [Text(HOSTILE, style="cyan")]])
        output.note(HOSTILE)
        output.error(HOSTILE)
        for stream in (out, err):
            _no_control_codes(stream.getvalue())
        assert "\\x1b]0;owned" in out.getvalue()
        assert "\\x1b]0;owned" in err.getvalue()


def test_json_output_is_exact_and_safe() -> None:
    output, out, _ = _printed(terminal=True, as_json=True)
    output.data({"body": HOSTILE})
    output.json_line({"body": HOSTILE})
    first, second = out.getvalue().rsplit("\n{", 1)
    assert json.loads(first) == {"body": HOSTILE}
    assert json.loads("{" + second) == {"body": HOSTILE}
    assert not has_unsafe(out.getvalue().replace("\n", ""))


def test_styles_survive_escaping() -> None:
    text = Text(style="dim")
    text.append("ok ", style="bold")
    text.append("\x1b[2J", style="red")
    text.append(" end")
    clean = safe(text)
    assert isinstance(clean, Text)
    assert clean.plain == "ok \\x1b[2J end"
    styled = {clean.plain[s.start:s.end]: str(s.style) for s in clean.spans}
    assert styled["ok "] == "bold"
    assert styled["\\x1b[2J"] == "red"
    assert str(clean.style) == "dim"
