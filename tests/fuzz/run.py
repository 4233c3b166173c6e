"""One fuzzing run: hypothesis draws messages, callers and transports; the target checks.

Shared by the bounded test in the default suite (strict: the first broken rule fails
the test, shrunk to a small example) and ``nox -s fuzz`` (a large budget that counts
everything and prints :func:`summary`).
"""

from __future__ import annotations

import os
import random

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from .requests import CLASSES, Message, messages, uniform
from .target import ROLES, TRANSPORTS, FuzzTarget, RuleBroken, Tally

SEED_VARIABLE = "HERO_FUZZ_SEED"


def chosen_seed() -> int:
    """``$HERO_FUZZ_SEED`` when set (to reproduce a run), else a fresh random one."""
    given_seed = os.environ.get(SEED_VARIABLE)
    return int(given_seed) if given_seed else random.randrange(2**32)


def run(target: FuzzTarget, *, examples: int, run_seed: int) -> Tally:
    """Send ``examples`` generated messages to ``target``; its tally."""
    strategy = st.tuples(messages(target.document(), target.protected), uniform())
    phases = (Phase.generate, Phase.shrink) if target.strict else (Phase.generate,)

    @seed(run_seed)
    @settings(max_examples=examples, deadline=None, database=None, phases=phases,
              suppress_health_check=list(HealthCheck), print_blob=target.strict)
    @given(strategy)
    def one(example: tuple[Message, random.Random]) -> None:
        message, rnd = example
        target.send(message, rnd.choice(ROLES), rnd.choice(TRANSPORTS))

    try:
        one()
    except RuleBroken as broken:  # say how to run exactly this again
        raise RuleBroken(f"{broken}\n(seed {run_seed}: {SEED_VARIABLE}={run_seed} replays "
                         "this run)") from broken
    return target.tally


def summary(tally: Tally, *, run_seed: int, tracebacks: list[str], answering: bool) -> str:
    """What a run tried and found, as lines a person reads."""
    lines = [(f"fuzz run: {tally.requests} generated requests, seed {run_seed} "
              f"({SEED_VARIABLE}={run_seed} reproduces it)"), "requests by class:"]
    lines += [f"  {kind:<16} {tally.by_kind[kind]:>7}" for kind in CLASSES]
    lines.append("by transport: " + ", ".join(
        f"{name} {tally.by_transport[name]}" for name in TRANSPORTS))
    lines.append("by caller:    " + ", ".join(f"{name} {tally.by_role[name]}" for name in ROLES))
    lines.append("HTTP statuses: " + ", ".join(
        f"{status} x{count}" for status, count in sorted(tally.statuses.items())))
    lines.append(f"JSON-RPC results: {tally.results}; error codes: " + ", ".join(
        f"{code} x{count}" for code, count in sorted(tally.codes.items())))
    lines += [
        f"5xx responses:        {tally.server_errors}",
        f"-32603 answers:       {tally.internal_errors}",
        f"torn-down sockets:    {tally.torn_sockets}",
        f"non-JSON-RPC answers: {tally.bad_answers}",
        f"tracebacks in log:    {len(tracebacks)}",
        f"server still answering: {'yes' if answering else 'NO'}",
    ]
    lines += [f"  e.g. {example}" for example in tally.examples[:5]]
    lines += [f"  log: {line[:200]}" for line in tracebacks[:5]]
    return "\n".join(lines)
