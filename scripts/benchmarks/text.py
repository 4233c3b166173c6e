"""Synthetic support text: words drawn from a Zipf-like vocabulary, deterministically.

Real words of a helpdesk sit at fixed ranks among generated ones, so the search term
has a known, realistic frequency: ``printer`` is the 40th most common word, found in
a few percent of tickets and messages, a query that matches many thousands of rows at
a million tickets (the case where unbounded ranking or sorting would show).
"""

from __future__ import annotations

import itertools
import random

SEARCH_TERM = "printer"
VOCABULARY = 3000
POOL = 20_000  # distinct texts of each kind, reused: the index sees the same word mix
_SUPPORT_WORDS = (
    "the", "to", "and", "a", "is", "it", "on", "not", "in", "after", "when", "please",
    "error", "update", "login", "password", "email", "account", "screen", "again",
    "cannot", "works", "since", "today", "server", "network", "invoice", "page",
    "window", "phone", "access", "file", "upload", "reset", "sync", "crash", "slow",
    "report", "team", "office", SEARCH_TERM, "vpn", "calendar", "license", "backup",
    "laptop", "monitor", "keyboard", "mouse", "wifi",
)
_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "pe", "si", "du", "ga", "fo", "be",
              "zi", "ha", "jo", "wu", "ce", "xa", "qi")


def _vocabulary() -> list[str]:
    made = ("".join(parts) for n in (2, 3, 4)
            for parts in itertools.product(_SYLLABLES, repeat=n))
    words = list(_SUPPORT_WORDS)
    seen = set(words)
    for word in made:
        if len(words) == VOCABULARY:
            break
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class TextPool:
    """Subjects and bodies for tickets and messages, picked from pre-made pools."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        words = _vocabulary()
        weights = list(itertools.accumulate(1.0 / rank for rank in range(1, len(words) + 1)))

        def text(count: int) -> str:
            return " ".join(rng.choices(words, cum_weights=weights, k=count))

        self._subjects = [text(6).capitalize() for _ in range(POOL)]
        self._ticket_bodies = [text(20).capitalize() + "." for _ in range(POOL)]
        self._message_bodies = [text(12).capitalize() + "." for _ in range(POOL)]

    def subject(self) -> str:
        """A ticket subject of six words."""
        return self._subjects[self._rng.randrange(POOL)]

    def ticket_body(self) -> str:
        """A ticket body of twenty words."""
        return self._ticket_bodies[self._rng.randrange(POOL)]

    def message_body(self) -> str:
        """A message of twelve words."""
        return self._message_bodies[self._rng.randrange(POOL)]
