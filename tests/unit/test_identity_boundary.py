"""The identity boundary: the peer address decides the caller, and only overlay peers get one."""

from __future__ import annotations

import pytest

from hero_assistance.adapters.http import OverlayBoundary, PeerRefused
from hero_assistance.adapters.memory.overlay import StaticOverlay
from hero_assistance.domain.identity import CallerIdentity, UnboundDevice

from .conftest import Harness

pytestmark = pytest.mark.anyio


@pytest.fixture
def boundary(harness: Harness) -> OverlayBoundary:
    return OverlayBoundary(StaticOverlay("400::1", "400::/7"), harness.accounts)


async def test_the_same_peer_written_differently_is_one_device(
        harness: Harness, boundary: OverlayBoundary) -> None:
    customer = await harness.customer()
    spelled = customer.addr.upper().replace(":1:", ":0001:")

    for peer in (customer.addr, spelled, f"[{customer.addr}]", customer.addr):
        caller = await boundary.caller_for(peer)
        assert isinstance(caller, CallerIdentity)
        assert caller.user_id == customer.id
        assert caller.device_addr == customer.addr


async def test_peers_outside_the_overlay_are_refused_every_time(
        harness: Harness, boundary: OverlayBoundary) -> None:
    customer = await harness.customer()
    await boundary.caller_for(customer.addr)  # an accepted peer is remembered...

    for peer in ("10.0.0.7", "::ffff:10.0.0.7", "fe80::1%eth0", "not an address", "", None,
                 "10.0.0.7"):  # ...a refused one never is
        with pytest.raises(PeerRefused):
            await boundary.caller_for(peer)
    assert await boundary.caller_for("400::beef") == UnboundDevice(device_addr="400::beef")
