"""The sliding window behind sign-in rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hero_assistance.domain.errors import RateLimited
from hero_assistance.domain.ratelimit import Limit, SlidingWindow

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_allows_up_to_the_count_then_refuses_with_the_wait() -> None:
    window = SlidingWindow(Limit(3, timedelta(minutes=1)), "requests")
    for s in (0, 10, 20):
        window.hit("k", at(s))
    with pytest.raises(RateLimited) as refused:
        window.hit("k", at(30))
    # The oldest hit (t=0) leaves the window at t=60: thirty seconds from t=30.
    assert refused.value.retry_after == pytest.approx(30)
    assert "too many requests" in refused.value.message
    assert "30 s" in refused.value.message


def test_a_refused_hit_is_not_counted() -> None:
    window = SlidingWindow(Limit(1, timedelta(seconds=10)), "requests")
    window.hit("k", at(0))
    for s in (1, 2, 9):
        with pytest.raises(RateLimited):
            window.hit("k", at(s))
    # Had the refused hits counted, t=9 would block t=10.
    window.hit("k", at(10))


def test_the_window_slides_an_event_leaves_it_exactly_after_the_window() -> None:
    window = SlidingWindow(Limit(2, timedelta(seconds=60)), "requests")
    window.hit("k", at(0))
    window.hit("k", at(30))
    with pytest.raises(RateLimited) as refused:
        window.hit("k", at(59.5))
    assert refused.value.retry_after == pytest.approx(0.5)
    window.hit("k", at(60))  # the t=0 hit has left
    with pytest.raises(RateLimited) as again:
        window.hit("k", at(61))
    assert again.value.retry_after == pytest.approx(29)  # waits for the t=30 hit
    window.hit("k", at(90))


def test_keys_are_counted_separately() -> None:
    window = SlidingWindow(Limit(1, timedelta(minutes=5)), "requests")
    window.hit("alice@acme.example", at(0))
    window.hit("bob@acme.example", at(0))
    with pytest.raises(RateLimited):
        window.hit("alice@acme.example", at(1))


def test_forgetting_idle_keys_never_forgets_a_key_still_in_its_window() -> None:
    window = SlidingWindow(Limit(1, timedelta(minutes=1)), "requests")
    for i in range(4000):
        window.hit(f"early-{i}", at(0))
    window.hit("busy", at(40))
    # More keys after the early ones' window closed push the table past the size
    # where idle keys are dropped: the early ones go, "busy" must stay.
    for i in range(1000):
        window.hit(f"late-{i}", at(70))
    with pytest.raises(RateLimited) as refused:
        window.hit("busy", at(90))
    assert refused.value.retry_after == pytest.approx(10)
    with pytest.raises(RateLimited):
        window.hit("late-999", at(100))
    window.hit("early-0", at(100))  # forgotten or not, its window is long closed
    window.hit("busy", at(100))


def test_retry_after_is_rounded_up_to_at_least_one_second_in_the_message() -> None:
    window = SlidingWindow(Limit(1, timedelta(seconds=10)), "codes")
    window.hit("k", at(0))
    with pytest.raises(RateLimited) as refused:
        window.hit("k", at(9.9))
    assert refused.value.retry_after == pytest.approx(0.1)
    assert "retry in 1 s" in refused.value.message


def _examined_per_hit(active_keys: int, hits: int = 2000) -> float:
    """Keys looked at per hit once ``active_keys`` keys are in the window."""
    # The window spans the first hits, so from then on keys leave it one by one.
    window = SlidingWindow(Limit(2, timedelta(seconds=active_keys * 0.001)), "requests")
    for i in range(active_keys):
        window.hit(f"device-{i}", at(i * 0.001))
    assert len(window) == active_keys
    window.examined = 0
    start = active_keys * 0.001
    for n in range(hits):
        # New keys, and old ones again, while the earliest leave the window one by one.
        window.hit(f"device-{n % (2 * active_keys)}", at(start + n * 0.001))
    return window.examined / hits


def test_a_hit_costs_the_same_at_100_000_active_keys_as_at_10() -> None:
    # Deterministic: count the keys each hit examines instead of timing it. The old
    # table scanned every key on each hit beyond 4,096 keys: 100,000 per hit here.
    few, many = _examined_per_hit(10), _examined_per_hit(100_000)
    assert few <= 2.0
    assert many <= 2.0
    assert many <= few + 0.5


def test_idle_keys_are_forgotten_in_time_order_and_active_ones_kept() -> None:
    window = SlidingWindow(Limit(2, timedelta(seconds=60)), "requests")
    for i in range(100_000):
        window.hit(f"idle-{i}", at(0))
    window.hit("active", at(30))
    window.hit("active", at(31))
    window.hit("fresh", at(61))  # every idle key left the window at t=60
    assert len(window) == 2
    with pytest.raises(RateLimited) as refused:
        window.hit("active", at(62))
    assert refused.value.retry_after == pytest.approx(28)


def test_a_clock_that_steps_back_never_loses_a_count() -> None:
    window = SlidingWindow(Limit(1, timedelta(seconds=60)), "requests")
    window.hit("a", at(100))
    window.hit("b", at(50))  # the wall clock was set back
    with pytest.raises(RateLimited):
        window.hit("a", at(120))
    with pytest.raises(RateLimited):
        window.hit("b", at(105))
    window.hit("b", at(111))


def test_a_limit_allows_at_least_one_event_in_a_real_window() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Limit(0, timedelta(minutes=1))
    with pytest.raises(ValueError, match="longer than zero"):
        Limit(1, timedelta(0))


def test_a_weighted_hit_counts_as_that_many_and_all_or_nothing() -> None:
    # A bulk change of n tickets uses the budget of n single changes (issue 14).
    window = SlidingWindow(Limit(10, timedelta(minutes=1)), "changes")
    window.hit("k", at(0), 4)
    window.hit("k", at(10), 5)
    with pytest.raises(RateLimited) as refused:
        window.hit("k", at(20), 2)
    # Room for two once the first four (t=0) have left: at t=60, forty seconds away.
    assert refused.value.retry_after == pytest.approx(40)
    window.hit("k", at(20))  # the refused hit took nothing: one still fits
    with pytest.raises(RateLimited):
        window.hit("k", at(21))
    window.hit("k", at(60), 4)


def test_a_weight_above_the_limit_takes_the_whole_window_once() -> None:
    window = SlidingWindow(Limit(5, timedelta(minutes=1)), "changes")
    window.hit("k", at(0), 100)  # possible alone, never with anything else
    with pytest.raises(RateLimited) as refused:
        window.hit("k", at(1))
    assert refused.value.retry_after == pytest.approx(59)
    window.hit("k", at(60), 100)
