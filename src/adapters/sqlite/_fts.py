"""Turning a query's search terms into an FTS5 MATCH expression, safely.

The domain hands over terms that are already words (``search_terms``), but the
repository is a public surface, so nothing here trusts them: each term is checked to be
a single token as the ``unicode61`` tokenizer sees it, then quoted and made a prefix
(``"term"*``). Terms are joined by spaces, which FTS5 reads as AND within one row.
"""

from __future__ import annotations

import re
import unicodedata

# The in-memory adapter's notion of a word (letters and digits, no underscore) after
# case and accent folding; FTS5's unicode61 tokenizer splits text the same way.
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def match_expression(terms: tuple[str, ...]) -> str | None:
    """The MATCH string requiring every term as a prefix; ``None`` if nothing can match.

    An empty string is returned when no term constrains anything (the caller then
    filters on nothing but the other fields).

    A term that is not one token (``foo_bar``, ``"``, ``*``, an empty string) is a prefix
    of no word, so a query requiring it matches nothing, exactly as the in-memory adapter
    decides; handing it to FTS5 would instead turn it into a phrase or a syntax error.
    """
    parts: list[str] = []
    for term in terms:
        if not term:
            # "" prefixes every word, so it asks for nothing beyond "has a word" (which
            # every real ticket subject does); the domain never sends one anyway.
            continue
        if _TOKEN.fullmatch(_fold(term)) is None:
            return None
        # NFC so a decomposed accent reaches the tokenizer as one character; the quotes
        # can only enclose letters and digits here, doubling them is belt and braces.
        quoted = unicodedata.normalize("NFC", term).replace('"', '""')
        parts.append(f'"{quoted}"*')
    return " ".join(parts)
