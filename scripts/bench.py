"""The benchmark: the real server's throughput, latency and fan-out next to same-run ceilings.

Usage: ``nox -s bench`` (full run, writes BENCHMARKS.md/.json/.png at the repository
root) or ``nox -s bench -- --quick`` (under a minute, writes them to
test-artifacts/bench-quick/; ``scripts/test.sh`` runs it after the tests). Also
``.venv/bin/python scripts/bench.py [--quick] [--out DIR] [--synchronous FULL|NORMAL]``.
The harness is the ``benchmarks`` package next to this file.
"""

from __future__ import annotations

import sys

from benchmarks.run import main

if __name__ == "__main__":
    sys.exit(main())
