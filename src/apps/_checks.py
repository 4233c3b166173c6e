"""What ``health`` and both ``doctor`` commands share: a finding, a check of who may use
a file, and the report that prints each problem with what to do."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

EXIT_OK, EXIT_PROBLEMS = 0, 1


@dataclass(frozen=True, slots=True)
class Finding:
    """One check: ``ok``, what was found, and what to do when it is not ok."""

    check: str
    ok: bool
    detail: str
    advice: str = ""


def private(path: Path, *, mode: int, what: str) -> Finding:
    """``path`` belongs to this user and grants nobody else more than ``mode`` allows."""
    info = path.stat()
    if info.st_uid != os.geteuid():
        return Finding(what, ok=False, detail=f"{path} belongs to uid {info.st_uid}, not to "
                       f"this user ({os.geteuid()})",
                       advice=f"run as its owner, or chown {os.geteuid()} {path}")
    current = stat.S_IMODE(info.st_mode)
    if current & ~mode:
        return Finding(what, ok=False, detail=f"{path} has mode {current:o}; others may "
                       "use it", advice=f"chmod {mode:o} {path}")
    return Finding(what, ok=True, detail=f"{path} (mode {current:o})")


def report(findings: Sequence[Finding], say: Callable[[str], None], *,
           summary: bool = True) -> int:
    """Print every finding, with what to do about each problem; 1 if there is any."""
    for finding in findings:
        say(f"{'ok  ' if finding.ok else 'FAIL'} {finding.check}: {finding.detail}")
        if not finding.ok and finding.advice:
            say(f"     -> {finding.advice}")
    problems = sum(not f.ok for f in findings)
    if summary:
        say("no problems found" if not problems else f"{problems} problem(s) found")
    return EXIT_OK if not problems else EXIT_PROBLEMS
