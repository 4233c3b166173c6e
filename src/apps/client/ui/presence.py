"""Presence from browser tabs: what each open tab says, and cleaning up after it.

The service repeats the last ``presence.update`` of a project as heartbeats until told
otherwise, but a browser tab can vanish without a word (closed, crashed, laptop lid).
:class:`TabPresence` remembers, per project, the latest activity each connected tab
announced; when a tab's connection ends, the project falls back to the activity of
another tab still open on it, or to ``offline`` when none is.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from ....adapters.jsonrpc import encode_notification

Send = Callable[[bytes], Awaitable[object]]
"""Hands one JSON-RPC message to the service (the answer is ignored)."""

_decode = msgspec.json.Decoder().decode


class TabPresence:
    """The activities announced by the tabs connected to one Support tab server."""

    def __init__(self) -> None:
        self._tabs = itertools.count(1)
        # project -> tab -> (order, activity params)
        self._announced: dict[str, dict[int, tuple[int, dict[str, Any]]]] = {}
        self._order = itertools.count(1)

    def open_tab(self) -> int:
        """A new connection; returns its number."""
        return next(self._tabs)

    def observe(self, tab: int, message: bytes) -> None:
        """Note the ``presence.update`` calls in a message the tab sent."""
        if b"presence.update" not in message:
            return
        try:
            decoded = _decode(message)
        except msgspec.DecodeError:
            return
        for entry in decoded if isinstance(decoded, list) else [decoded]:
            if not isinstance(entry, dict) or entry.get("method") != "presence.update":
                continue
            params = entry.get("params")
            if not isinstance(params, dict) or not isinstance(params.get("project"), str):
                continue
            tabs = self._announced.setdefault(params["project"], {})
            if params.get("state") == "offline":
                tabs.pop(tab, None)
            else:
                tabs[tab] = (next(self._order), dict(params))

    async def close_tab(self, tab: int, send: Send) -> None:
        """The tab is gone: each project it was on falls back to the other tabs' word."""
        for project, tabs in list(self._announced.items()):
            if tabs.pop(tab, None) is None:
                continue
            if tabs:
                _, params = max(tabs.values(), key=lambda entry: entry[0])
            else:
                del self._announced[project]
                params = {"project": project, "state": "offline"}
            await send(encode_notification("presence.update", params))
