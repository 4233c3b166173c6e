"""How big a run is: the full benchmark, and the quick one CI runs (under a minute)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """Sizes and durations of one benchmark run."""

    name: str
    seconds: float  # measured window of each load run
    warmup: float  # unmeasured lead-in of each load run
    connections: tuple[int, ...]  # closed-loop write runs
    tickets: int  # rows of the scale database
    messages: int
    long_thread: int  # messages of the one long thread
    read_seconds: float
    subscribers: int
    subscriber_workers: int
    post_rate: float  # messages per second during fan-out
    posts: int
    raw_seconds: float  # the raw group-commit loop
    uploads: int  # costly image uploads in flight at once


FULL = Profile(
    name="full", seconds=6.0, warmup=1.5, connections=(16, 64),
    tickets=1_000_000, messages=5_000_000, long_thread=20_000, read_seconds=5.0,
    subscribers=1000, subscriber_workers=4, post_rate=10.0, posts=150, raw_seconds=4.0,
    uploads=16,
)

QUICK = Profile(
    name="quick", seconds=1.0, warmup=0.3, connections=(16, 64),
    tickets=10_000, messages=50_000, long_thread=2_000, read_seconds=0.7,
    subscribers=50, subscriber_workers=2, post_rate=20.0, posts=20, raw_seconds=0.7,
    uploads=4,
)
