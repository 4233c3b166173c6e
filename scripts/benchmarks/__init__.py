"""The benchmark harness behind ``scripts/bench.py`` (``nox -s bench``).

It starts the real server (``hero-assistance-server serve --benchmark``) on a
temporary data directory and measures each figure next to a ceiling taken in the
same run. Modules:

- :mod:`.profile`  — the full and the quick sizes;
- :mod:`.machine`  — what the machine is; CPU time and RSS of processes;
- :mod:`.stats`    — latency summaries;
- :mod:`.server`   — one server process and its data directory;
- :mod:`.seed`     — people and devices written straight into the database;
- :mod:`.httpload` — the lean HTTP/1.1 load generator (worker processes);
- :mod:`.wsclient` — the lean WebSocket subscribers (worker processes);
- :mod:`.writes`, :mod:`.scale`, :mod:`.reads`, :mod:`.fanout`, :mod:`.uploads`,
  :mod:`.workspace` — the scenarios (the last: a queue's first page with counts, bulk
  changes; D-17);
- :mod:`.report`   — the JSON results, BENCHMARKS.md and the chart;
- :mod:`.run`      — the order of it all.
"""
