"""uvicorn logs a few of a peer's mistakes as if they were our faults; say them in one line.

A WebSocket text frame that is not UTF-8 is the sender's protocol violation: uvicorn
closes the socket with 1007, as it should, but logs it with ``logger.exception``, a
traceback at ERROR in the server's log for every such frame anyone sends (D-14).
"""

from __future__ import annotations

import logging

UVICORN_LOGGER = "uvicorn.error"
_PEER_MISTAKES = frozenset({"Invalid UTF-8 sequence received from client."})


class PeerMistakeFilter(logging.Filter):
    """Turns uvicorn's records of a peer's known mistakes into one-line warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record; demote the known ones (no traceback, WARNING)."""
        if record.msg in _PEER_MISTAKES:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def quiet_peer_mistakes() -> None:
    """Install the filter on uvicorn's logger once (idempotent)."""
    logger = logging.getLogger(UVICORN_LOGGER)
    if not any(isinstance(f, PeerMistakeFilter) for f in logger.filters):
        logger.addFilter(PeerMistakeFilter())
