"""Word matching the way SQLite FTS5's unicode61 tokenizer sees words."""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Case folding, compatibility decomposition, no accents (as SQLite's search_fold)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Case- and accent-folded words of ``text``."""
    return _TOKEN.findall(fold(text))


def matches_all(text: str, terms: tuple[str, ...]) -> bool:
    """Every term is a prefix of some word of ``text``."""
    found = words(text)
    return all(any(w.startswith(fold(term)) for w in found) for term in terms)


def score(text: str, terms: tuple[str, ...]) -> int:
    """How many words of ``text`` some term prefixes (a crude relevance)."""
    folded = [fold(t) for t in terms]
    return sum(1 for w in words(text) if any(w.startswith(t) for t in folded))
