"""``python -m tests.fuzz [--requests N]``: fuzz a fresh server, print what was tried.

``nox -s fuzz`` runs this. The budget also comes from ``$HERO_FUZZ_REQUESTS``; the seed
from ``$HERO_FUZZ_SEED``. Exits 1 if any rule of issue 12 was broken.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from .run import chosen_seed, run, summary
from .target import FuzzTarget, fuzz_server

DEFAULT_REQUESTS = 20_000


def main(argv: list[str] | None = None) -> int:
    """Run the fuzzer against a server of its own; 0 when every rule held."""
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--requests", type=int,
                        default=int(os.environ.get("HERO_FUZZ_REQUESTS", DEFAULT_REQUESTS)),
                        help="generated requests to send (default %(default)s)")
    args = parser.parse_args(argv)
    run_seed = chosen_seed()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hero-fuzz-") as root:
        server = fuzz_server(Path(root))
        try:
            with FuzzTarget(server, strict=False) as target:
                tally = run(target, examples=args.requests, run_seed=run_seed)
                answering = target.still_answering()
                tracebacks = target.tracebacks()
        finally:
            code = server.stop()
    print(summary(tally, run_seed=run_seed, tracebacks=tracebacks, answering=answering))
    print(f"took {time.monotonic() - started:.0f} s; the server stopped with exit code {code}")
    failed = tally.violations or tracebacks or not answering or code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
