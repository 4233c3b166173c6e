"""The adversarial suite's bounded run: generated requests against a real server process.

Messages are generated from the server's own ``rpc.discover`` document for every method
(see :mod:`tests.fuzz.requests`) and sent over HTTP and WebSocket as an unbound device,
a customer, an agent and an admin. The first broken rule of issue 12 fails the test
with hypothesis' smallest example and the seed; ``nox -s fuzz`` runs a large budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.server_harness import ServerProcess, start_server

from .requests import CLASSES
from .run import chosen_seed, run, summary
from .target import FuzzTarget, fuzz_server

EXAMPLES = 1_200  # about fifteen seconds here; well inside a minute on a loaded CI machine
LIMITED_EXAMPLES = 250
LOW_WRITE_LIMIT = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server for this module alone: what the fuzzing writes stays out of other tests."""
    running = fuzz_server(tmp_path_factory.mktemp("fuzz"))
    try:
        yield running
    finally:
        code = running.stop()
    assert code == 0, f"the server did not stop cleanly ({code}):\n{running.log()}"


def test_generated_requests_never_break_the_rules(server: ServerProcess) -> None:
    run_seed = chosen_seed()
    with FuzzTarget(server, strict=True) as target:
        tally = run(target, examples=EXAMPLES, run_seed=run_seed)
        answering = target.still_answering()
        tracebacks = target.tracebacks()
    report = summary(tally, run_seed=run_seed, tracebacks=tracebacks, answering=answering)

    assert tally.violations == 0, report
    assert tracebacks == [], report
    assert answering, report
    assert set(tally.by_kind) == set(CLASSES), report  # every class was tried
    assert tally.results > 0, report  # some generated calls were valid and succeeded


def test_the_write_limit_still_answers_cleanly_under_generated_input(tmp_path: Path) -> None:
    server = start_server(tmp_path, name="Fuzz project", write_limit_per_minute=LOW_WRITE_LIMIT)
    run_seed = chosen_seed()
    try:
        with FuzzTarget(server, strict=True) as target:
            tally = run(target, examples=LIMITED_EXAMPLES, run_seed=run_seed)
            tracebacks = target.tracebacks()
    finally:
        assert server.stop() == 0
    report = summary(tally, run_seed=run_seed, tracebacks=tracebacks, answering=True)

    assert tally.codes[-32006] > 0, report  # the limiter was reached, and answered
    assert tally.violations == 0, report
    assert tracebacks == [], report
