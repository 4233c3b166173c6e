"""A project's state: its transitions, watching it, and a connection to a dead server."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import anyio
import pytest

from hero_assistance.adapters.support_rpc.wire import ProjectInfo, UserView, WhoAmI
from hero_assistance.apps.client import (
    Activity,
    BackoffPolicy,
    ClientClosedError,
    ConnectionSettings,
    InvalidServerAddressError,
    LoopbackDeviceOverlay,
    Phase,
    ProjectConnection,
    ProjectState,
    UnreachableError,
)
from hero_assistance.apps.client.presence import PresenceBeacon
from hero_assistance.apps.client.state import Watched
from hero_assistance.domain.identity import Role, UserStatus
from hero_assistance.domain.presence import PresenceState

pytestmark = pytest.mark.anyio

INFO = ProjectInfo(name="Acme", overlay="loopback", server_version="1", last_seq=4,
                   customers_see_all_tickets=False)
USER = UserView(id=3, email="cora@example.com", display_name="Cora", role=Role.CUSTOMER,
                status=UserStatus.ACTIVE, created_at=datetime(2026, 3, 1, tzinfo=UTC))
SIGNED_IN = WhoAmI(device_addr="127.0.50.1", bound=True, user=USER)
ANONYMOUS = WhoAmI(device_addr="127.0.50.1", bound=False)
FAST = ConnectionSettings(connect_timeout=1, call_timeout=1,
                          backoff=BackoffPolicy(initial=0.02, maximum=0.05))


def fresh() -> ProjectState:
    return ProjectState(label="acme", server="http://127.0.0.5:7330")


# -- transitions -------------------------------------------------------------------

def test_a_new_project_is_connecting_and_knows_nobody() -> None:
    state = fresh()
    assert state.phase is Phase.CONNECTING
    assert not state.reachable
    assert not state.bound
    assert state.role is None


def test_reaching_a_server_as_a_signed_in_device() -> None:
    state = fresh().reached(INFO, SIGNED_IN)
    assert state.reachable
    assert state.bound
    assert state.project_name == "Acme"
    assert state.user == USER
    assert state.role is Role.CUSTOMER
    assert state.device_addr == "127.0.50.1"


def test_reaching_a_server_before_signing_in() -> None:
    state = fresh().reached(INFO, ANONYMOUS)
    assert state.reachable
    assert not state.bound
    assert state.user is None


def test_losing_the_server_keeps_who_the_user_is_and_says_why() -> None:
    online = fresh().reached(INFO, SIGNED_IN).stream_started()
    lost = online.lost("connection refused")
    assert lost.phase is Phase.UNREACHABLE
    assert not lost.reachable
    assert not lost.streaming
    assert lost.user == USER
    assert lost.last_error == "connection refused"


def test_coming_back_clears_the_error() -> None:
    back = fresh().lost("connection refused").reached(INFO, SIGNED_IN)
    assert back.reachable
    assert back.last_error is None


def test_a_revoked_device_is_no_longer_bound() -> None:
    state = fresh().reached(INFO, SIGNED_IN).stream_started().unbound("device revoked")
    assert state.reachable
    assert not state.bound
    assert state.user is None
    assert not state.streaming
    assert state.last_error == "device revoked"


def test_a_dropped_stream_keeps_the_server_reachable() -> None:
    state = fresh().reached(INFO, SIGNED_IN).stream_started().stream_stopped("slow consumer")
    assert state.reachable
    assert not state.streaming
    assert state.last_error == "slow consumer"


def test_closed_is_final() -> None:
    closed = fresh().reached(INFO, SIGNED_IN).closed()
    assert closed.phase is Phase.CLOSED
    assert closed.lost("late failure") is closed


# -- watching ------------------------------------------------------------------------

async def test_watchers_see_the_current_value_then_changes_until_final() -> None:
    cell = Watched(0, final=lambda v: v >= 3)
    seen: list[int] = []

    async def watch() -> None:
        async for value in cell.watch():
            seen.append(value)

    async with anyio.create_task_group() as group:
        group.start_soon(watch)
        for value in (1, 1, 2, 3):
            await anyio.sleep(0.01)
            cell.set(value)
    assert seen == [0, 1, 2, 3]


async def test_listeners_are_called_on_change_until_stopped() -> None:
    cell = Watched("a")
    calls: list[str] = []
    stop = cell.listen(calls.append)
    cell.set("b")
    cell.set("b")
    stop()
    cell.set("c")
    assert calls == ["b"]


async def test_wait_for_returns_a_matching_value_already_there() -> None:
    cell = Watched(5)
    assert await cell.wait_for(lambda v: v > 1) == 5


# -- a connection to a server that is not there ------------------------------------

@contextlib.contextmanager
def dead_port(address: str) -> Iterator[int]:
    """A port bound but not listening at ``address``: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as reserved:
        reserved.bind((address, 0))
        yield reserved.getsockname()[1]


async def test_a_dead_server_becomes_unreachable_and_calls_fail_fast() -> None:
    with dead_port("127.0.60.1") as port:
        connection = ProjectConnection("acme", f"127.0.60.1:{port}",
                                       LoopbackDeviceOverlay("127.0.50.1"), settings=FAST)
        async with connection:
            with anyio.fail_after(5):
                state = await connection.wait_until(lambda s: s.phase is Phase.UNREACHABLE)
            assert state.last_error is not None
            assert f"127.0.60.1:{port}" in state.last_error
            started = time.monotonic()
            with pytest.raises(UnreachableError, match="acme is unreachable"):
                await connection.list_tickets()
            assert time.monotonic() - started < 0.1
            connection.reconnect()
            assert connection.state.phase is Phase.UNREACHABLE
        assert connection.state.phase is Phase.CLOSED


async def test_the_state_stream_ends_when_the_connection_closes() -> None:
    with dead_port("127.0.60.1") as port:
        connection = ProjectConnection("acme", f"127.0.60.1:{port}",
                                       LoopbackDeviceOverlay("127.0.50.1"), settings=FAST)
        phases: list[Phase] = []

        async def watch() -> None:
            async for state in connection.states():
                phases.append(state.phase)

        async with anyio.create_task_group() as group:
            group.start_soon(watch)
            async with connection:
                await connection.wait_until(lambda s: s.phase is Phase.UNREACHABLE)
        assert phases[0] is Phase.CONNECTING
        assert Phase.UNREACHABLE in phases
        assert phases[-1] is Phase.CLOSED


async def test_calls_on_a_closed_connection_are_refused() -> None:
    connection = ProjectConnection("acme", "127.0.60.1:9", LoopbackDeviceOverlay("127.0.50.1"))
    with pytest.raises(ClientClosedError):
        await connection.project_info()
    async with connection:
        pass
    with pytest.raises(ClientClosedError):
        await connection.project_info()


async def test_a_server_off_the_overlay_is_refused() -> None:
    with pytest.raises(InvalidServerAddressError, match="loopback overlay"):
        ProjectConnection("acme", "[400::1]:7330", LoopbackDeviceOverlay("127.0.50.1"))


def test_a_loopback_device_needs_a_loopback_address() -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.0/8"):
        LoopbackDeviceOverlay("10.0.0.1")
    overlay = LoopbackDeviceOverlay("127.0.50.1")
    assert overlay.reaches("127.0.0.5")
    assert not overlay.reaches("400::1")


# -- presence heartbeats ---------------------------------------------------------------

class Heartbeats:
    """What a beacon sent, and whether it may send."""

    def __init__(self) -> None:
        self.sent: list[Activity] = []
        self.ready = True
        self._arrived = anyio.Event()

    async def send(self, activity: Activity) -> None:
        self.sent.append(activity)
        self._arrived.set()
        self._arrived = anyio.Event()

    async def wait_for(self, count: int) -> None:
        with anyio.fail_after(5):
            while len(self.sent) < count:
                await self._arrived.wait()


async def test_the_beacon_announces_changes_at_once_and_repeats_them() -> None:
    beats = Heartbeats()
    beacon = PresenceBeacon(beats.send, lambda: beats.ready, interval=0.05)
    async with anyio.create_task_group() as group:
        group.start_soon(beacon.run)
        await anyio.sleep(0.02)
        assert beats.sent == []  # nothing to say yet
        viewing = Activity(viewing_ticket_id=7)
        beacon.set(viewing)
        await anyio.sleep(0.01)
        assert beats.sent == [viewing]
        await beats.wait_for(3)  # repeated on the interval, unchanged
        assert set(beats.sent) == {viewing}
        typing = Activity(viewing_ticket_id=7, typing=True)
        beacon.set(typing)
        await anyio.sleep(0.01)
        assert beats.sent[-1] == typing
        beacon.set(None)
        await anyio.sleep(0.01)
        assert beats.sent[-1] == Activity(state=PresenceState.OFFLINE)
        count = len(beats.sent)
        await anyio.sleep(0.12)
        assert len(beats.sent) == count  # stopped after saying offline
        group.cancel_scope.cancel()


async def test_the_beacon_waits_while_not_ready_and_resumes_when_poked() -> None:
    beats = Heartbeats()
    beats.ready = False
    beacon = PresenceBeacon(beats.send, lambda: beats.ready, interval=10)
    async with anyio.create_task_group() as group:
        group.start_soon(beacon.run)
        beacon.set(Activity(viewing_ticket_id=1))
        await anyio.sleep(0.03)
        assert beats.sent == []
        beats.ready = True
        beacon.poke()
        await anyio.sleep(0.01)
        assert beats.sent == [Activity(viewing_ticket_id=1)]
        group.cancel_scope.cancel()
