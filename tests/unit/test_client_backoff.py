"""Reconnect backoff: exponential ceilings, bounded jitter, reset after success."""

from __future__ import annotations

import random

import pytest

from hero_assistance.apps.client import Backoff, BackoffPolicy


def test_ceilings_grow_exponentially_up_to_the_maximum() -> None:
    policy = BackoffPolicy(initial=0.5, maximum=10, multiplier=2)
    assert [policy.ceiling(n) for n in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]


def test_a_huge_attempt_number_stays_at_the_maximum() -> None:
    assert BackoffPolicy(initial=1, maximum=30).ceiling(10_000) == 30


@pytest.mark.parametrize("seed", range(20))
def test_every_delay_lies_within_its_jitter_window(seed: int) -> None:
    policy = BackoffPolicy(initial=0.2, maximum=5, multiplier=3, jitter=0.4)
    backoff = Backoff(policy, random.Random(seed))
    for attempt in range(12):
        delay = backoff.next_delay()
        ceiling = policy.ceiling(attempt)
        assert ceiling * 0.6 <= delay <= ceiling
        assert delay <= policy.maximum


def test_jitter_spreads_clients_that_retry_together() -> None:
    policy = BackoffPolicy(initial=1, maximum=1, jitter=0.5)
    delays = {Backoff(policy, random.Random(seed)).next_delay() for seed in range(50)}
    assert len(delays) == 50
    assert min(delays) < 0.6
    assert max(delays) > 0.9


def test_no_jitter_gives_the_ceilings_exactly() -> None:
    backoff = Backoff(BackoffPolicy(initial=1, maximum=4, jitter=0))
    assert [backoff.next_delay() for _ in range(4)] == [1, 2, 4, 4]


def test_reset_starts_again_from_the_initial_delay() -> None:
    backoff = Backoff(BackoffPolicy(initial=1, maximum=60, jitter=0))
    for _ in range(5):
        backoff.next_delay()
    assert backoff.attempts == 5
    backoff.reset()
    assert backoff.attempts == 0
    assert backoff.next_delay() == 1


@pytest.mark.parametrize("kwargs", [
    {"initial": 0},
    {"initial": 5, "maximum": 1},
    {"multiplier": 0.5},
    {"jitter": 1.5},
    {"jitter": -0.1},
])
def test_nonsensical_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="backoff"):
        BackoffPolicy(**kwargs)


def test_a_negative_attempt_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        BackoffPolicy().ceiling(-1)
