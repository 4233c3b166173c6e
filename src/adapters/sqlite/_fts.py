"""Full-text search text: how documents and terms are folded, and the MATCH expression.

Documents are indexed through :func:`fold` (registered on every connection as the SQL
function ``search_fold``), and terms are folded the same way before they reach FTS5, so
matching is exactly the in-memory adapter's: case folding (``ß`` -> ``ss``),
compatibility decomposition (``ﬁ`` -> ``fi``, full-width letters, superscripts) and no
accents. The ``unicode61`` tokenizer then splits the folded text into the same words.

The domain hands over terms that are already words (``search_terms``), but the
repository is a public surface, so nothing here trusts them: each folded term must be
a single token, and is then quoted and made a prefix (``"term"*``). Terms are joined by
spaces, which FTS5 reads as AND within one row (one document).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata

# A word: letters and digits, no underscore (the in-memory adapter's definition, and
# how unicode61 splits text with its default token characters).
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

FOLD_FUNCTION = "search_fold"


def fold(text: str | None) -> str | None:
    """Case-fold, decompose compatibility characters and drop accents."""
    if text is None:
        return None
    if text.isascii():  # the common case, and 100x faster than the general one
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def register_fold(conn: sqlite3.Connection) -> None:
    """Make ``search_fold()`` available to the FTS triggers on this connection."""
    conn.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)


def match_expression(terms: tuple[str, ...]) -> str | None:
    """The MATCH string requiring every term as a prefix; ``None`` if nothing can match.

    An empty string is returned when no term constrains anything (the caller then
    filters on nothing but the other fields). A term that is not one token once folded
    (``foo_bar``, ``"``, ``*``) is a prefix of no word, so a query requiring it matches
    nothing, exactly as the in-memory adapter decides; handed to FTS5 it would instead
    become a phrase or a syntax error.
    """
    parts: list[str] = []
    for term in terms:
        folded = fold(term) or ""
        if not folded:
            # "" prefixes every word, so it asks for nothing beyond "has a word" (which
            # every real ticket subject does); the domain never sends one anyway.
            continue
        if _TOKEN.fullmatch(folded) is None:
            return None
        # The quotes can only enclose letters and digits here; doubling is belt and braces.
        parts.append('"' + folded.replace('"', '""') + '"*')
    return " ".join(parts)
