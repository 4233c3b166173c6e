"""Presence announced by browser tabs, and what is left when a tab goes away."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from hero_assistance.apps.client.ui.presence import TabPresence

pytestmark = pytest.mark.anyio


def _update(project: str, ticket: int | None, *, state: str = "online") -> bytes:
    return msgspec.json.encode({"jsonrpc": "2.0", "id": 1, "method": "presence.update",
                                "params": {"project": project, "viewing_ticket_id": ticket,
                                           "typing": False, "state": state}})


async def test_a_closed_tab_hands_over_to_the_other_tab_then_says_offline() -> None:
    sent: list[Any] = []

    async def send(message: bytes) -> None:
        sent.append(msgspec.json.decode(message))

    presence = TabPresence()
    first, second = presence.open_tab(), presence.open_tab()
    presence.observe(first, _update("acme", 5))
    presence.observe(second, _update("acme", 7))
    presence.observe(second, b'{"jsonrpc":"2.0","id":2,"method":"ticket.list"}')
    await presence.close_tab(second, send)
    assert sent[-1]["params"]["viewing_ticket_id"] == 5
    assert "id" not in sent[-1]  # a notification: nobody waits for the answer
    await presence.close_tab(first, send)
    assert sent[-1]["params"] == {"project": "acme", "state": "offline"}
    await presence.close_tab(first, send)
    assert len(sent) == 2


async def test_a_tab_that_said_offline_or_never_spoke_leaves_nothing_to_undo() -> None:
    sent: list[bytes] = []

    async def send(message: bytes) -> None:
        sent.append(message)

    presence = TabPresence()
    tab = presence.open_tab()
    presence.observe(tab, _update("acme", 3))
    presence.observe(tab, _update("acme", None, state="offline"))
    presence.observe(tab, b"presence.update but not JSON")
    await presence.close_tab(tab, send)
    await presence.close_tab(presence.open_tab(), send)
    assert sent == []
