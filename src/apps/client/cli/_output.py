"""What the command line prints: rich tables on a terminal, plain text in a pipe, or JSON."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.style import Style
from rich.table import Table
from rich.text import Text

from ....adapters.terminal import has_unsafe, json_text, printable

Cell = str | Text


class Output:
    """stdout for results, stderr for notes, errors and progress.

    Everything printed passes :func:`safe` (text) or :func:`json_text` (``--json``), so a
    subject, body or name from a server cannot send control codes to the terminal.
    """

    def __init__(self, stdout: IO[str], stderr: IO[str], *, as_json: bool) -> None:
        self.as_json = as_json
        self._stdout = stdout
        self._console = Console(file=stdout, markup=False, highlight=False, soft_wrap=True)
        self._errors = Console(file=stderr, markup=False, highlight=False, soft_wrap=True)

    @property
    def terminal(self) -> bool:
        """Whether stdout is a terminal (colour and tables) rather than a pipe."""
        return self._console.is_terminal

    def data(self, value: Any) -> None:
        """A JSON document (``--json``)."""
        self._write(json_text(json.dumps(value, indent=2, ensure_ascii=False)))

    def json_line(self, value: Any) -> None:
        """One compact JSON object on one line (a stream of them, for ``watch --json``)."""
        self._write(json_text(json.dumps(value, ensure_ascii=False, separators=(",", ":"))))
        self._stdout.flush()

    def line(self, text: Cell = "", style: str | None = None) -> None:
        """A line of the result."""
        text = safe(text)
        if self.terminal:
            self._console.print(text, style=style)
        else:
            self._write(str(text))

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Rows under column headings; ``(none)`` when there are none."""
        if not rows:
            self.line("(none)", style="dim")
            return
        rows = [[safe(cell) for cell in row] for row in rows]
        if self.terminal:
            table = Table(*columns, header_style="bold", box=None, pad_edge=False)
            for row in rows:
                table.add_row(*row)
            self._console.print(table)
            return
        cells = [list(columns)] + [[str(cell) for cell in row] for row in rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
        for line in cells:
            self._write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
                        .rstrip())

    def flush(self) -> None:
        """Push stdout out now (a supervisor may be waiting for a line on a pipe)."""
        self._console.file.flush()

    def note(self, text: str) -> None:
        """Something the person should know, on stderr."""
        self._errors.print(printable(text), style="dim" if self._errors.is_terminal else None)

    def error(self, text: str) -> None:
        """What went wrong, on stderr."""
        self._errors.print(Text("error: ", style="bold red") + Text(printable(text)))

    @contextlib.contextmanager
    def progress(self, description: str, total: int) -> Iterator[Callable[[int, int | None],
                                                                           None]]:
        """A progress bar on a terminal's stderr; yields ``update(done, total)``."""
        if not self._errors.is_terminal or self.as_json:
            yield lambda _done, _total: None
            return
        bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                       TransferSpeedColumn(), console=self._errors, transient=False)
        task = bar.add_task(printable(description), total=total)
        with bar:
            yield lambda done, size: bar.update(task, completed=done, total=size or total)

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n")


def safe(cell: Cell) -> Cell:
    """``cell`` with its control characters made visible, styles kept."""
    if isinstance(cell, str):
        return printable(cell)
    if not has_unsafe(cell.plain):
        return cell
    # Rebuild piece by piece between span boundaries, so each piece keeps its styles
    # although escaping changes the length of the text.
    plain = cell.plain
    cuts = sorted({0, len(plain), *(s.start for s in cell.spans), *(s.end for s in cell.spans)})
    clean = Text(style=cell.style, end=cell.end, justify=cell.justify, no_wrap=cell.no_wrap)
    for start, end in itertools.pairwise(cuts):
        styles = [Style.parse(s.style) if isinstance(s.style, str) else s.style
                  for s in cell.spans if s.start <= start and end <= s.end]
        clean.append(printable(plain[start:end]), style=Style.combine(styles) if styles else None)
    return clean


def when(value: object) -> str:
    """An ISO time from the wire, shown in local time to the minute."""
    if not isinstance(value, str):
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


STATUS_STYLES = {"new": "bold cyan", "open": "green", "pending": "yellow",
                 "resolved": "blue", "closed": "dim"}
PRIORITY_STYLES = {"urgent": "bold red", "high": "red", "normal": "", "low": "dim"}
PHASE_STYLES = {"online": "green", "connecting": "yellow", "unreachable": "bold red",
                "closed": "dim"}


def styled(value: object, styles: dict[str, str]) -> Text:
    """``value`` in the style its table gives it."""
    text = str(value)
    return Text(text, style=styles.get(text, ""))
