"""One followed project server: its state, its methods, its live event stream.

A :class:`ProjectConnection` runs two background tasks while open:

- the *supervisor* asks the server who this device is, then holds the
  ``events.subscribe`` WebSocket open; when the server goes away it marks the project
  unreachable and retries with jittered exponential backoff, resubscribing with
  ``since`` = the last sequence number delivered, so no durable event is lost or
  delivered twice;
- the *presence beacon* repeats the user's activity (ticket on screen, typing) as
  heartbeats while the device is signed in and the server reachable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import msgspec

from ...adapters.support_rpc.wire import (
    AttachmentView,
    DeviceView,
    EventView,
    PresenceView,
    ProjectInfo,
    SubscribeResult,
    WhoAmI,
)
from ...domain.events import EventKind
from ...domain.presence import PresenceState
from ._event_stream import StreamDropped, run_event_session
from .errors import (
    ClientClosedError,
    DeviceNotBoundError,
    InvalidServerAddressError,
    SupportClientError,
    UnreachableError,
)
from .methods import ProjectMethods
from .overlay import DeviceOverlay
from .presence import Activity, PresenceBeacon
from .rpc import Progress, RpcClient
from .server_address import ServerAddress
from .settings import Backoff, ConnectionSettings
from .state import Phase, ProjectState, Watched

T = TypeVar("T")
EventSink = Callable[[EventView], Awaitable[None]]
"""Receives each event of a project, in order; awaiting it pauses the stream."""

_log = logging.getLogger(__name__)


class ProjectConnection(ProjectMethods):
    """A connection to one project server, from this device.

    ``since`` is where the event stream starts: a sequence number to replay from
    (``0`` for everything this user may see), or ``None`` for "from now on". Events go
    to ``on_event`` if given, otherwise to :meth:`events`. Open it with ``async with``;
    every server method (see :class:`~.methods.ProjectMethods`) is then available.
    While the server is marked unreachable, calls fail at once with
    :class:`~.errors.UnreachableError` instead of waiting on the network.
    """

    def __init__(self, label: str, server: ServerAddress | str, overlay: DeviceOverlay, *,
                 settings: ConnectionSettings | None = None, since: int | None = None,
                 on_event: EventSink | None = None, rng: random.Random | None = None) -> None:
        self.label = label
        self.server = server if isinstance(server, ServerAddress) else ServerAddress.parse(server)
        if not overlay.reaches(self.server.host):
            raise InvalidServerAddressError(
                f"{self.server.host} is not an address of the {overlay.name} overlay")
        if since is not None and since < 0:
            raise ValueError("since must not be negative")
        self.settings = settings or ConnectionSettings()
        self._overlay = overlay
        self._last_seq = since
        self._queue: asyncio.Queue[EventView | None] | None = None
        if on_event is None:
            self._queue = asyncio.Queue(self.settings.event_buffer)
            on_event = self._queue.put
        self._sink = on_event
        self._state = Watched(ProjectState(label=label, server=str(self.server)),
                              final=lambda s: s.phase is Phase.CLOSED)
        self._backoff = Backoff(self.settings.backoff, rng)
        self._wake = asyncio.Event()
        self._beacon = PresenceBeacon(self._send_presence, self._presence_ready,
                                      self.settings.heartbeat_interval)
        self._state.listen(lambda _state: self._beacon.poke())
        self._rpc: RpcClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False

    # -- lifecycle ------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def open(self) -> None:
        """Start talking to the server (in the background; this returns at once)."""
        if self._closed or self._rpc is not None:
            raise ClientClosedError(f"{self.label}: a connection opens only once")
        endpoint = await self._overlay.endpoint()
        self._rpc = RpcClient(self.server, endpoint, self.settings)
        self._tasks = [
            asyncio.create_task(self._supervise(), name=f"{self.label}: connection"),
            asyncio.create_task(self._beacon.run(), name=f"{self.label}: presence"),
        ]

    async def aclose(self) -> None:
        """Stop the background tasks and close every socket; the state becomes closed."""
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        # gather, not a suppressed await: a cancellation of aclose's caller must propagate.
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._rpc is not None:
            await self._rpc.aclose()
        self._state.set(self._state.value.closed())
        if self._queue is not None:
            while self._queue.full():
                self._queue.get_nowait()
            self._queue.put_nowait(None)

    # -- state ----------------------------------------------------------------------

    @property
    def state(self) -> ProjectState:
        """The current state."""
        return self._state.value

    @property
    def last_seq(self) -> int | None:
        """The sequence number of the last durable event delivered (resume point)."""
        return self._last_seq

    def states(self) -> AsyncIterator[ProjectState]:
        """The current state, then each change, until the connection closes."""
        return self._state.watch()

    def on_state_change(self, callback: Callable[[ProjectState], None]) -> Callable[[], None]:
        """Call ``callback(state)`` on every change; returns a function that stops it."""
        return self._state.listen(callback)

    async def wait_until(self, predicate: Callable[[ProjectState], bool]) -> ProjectState:
        """The first state (current or coming) matching ``predicate``.

        Bound the wait with ``asyncio.timeout``; raises ``LookupError`` if the connection
        closes first.
        """
        return await self._state.wait_for(predicate)

    def reconnect(self) -> None:
        """Try now instead of at the end of the backoff delay (no effect on a live stream)."""
        self._wake.set()

    async def events(self) -> AsyncIterator[EventView]:
        """This project's events in order, durable ones exactly once; ends on close."""
        if self._queue is None:
            raise RuntimeError("this connection delivers its events to its on_event callback")
        while (event := await self._queue.get()) is not None:
            yield event

    # -- presence ---------------------------------------------------------------------

    def set_activity(self, *, viewing_ticket_id: int | None = None, typing: bool = False,
                     state: PresenceState = PresenceState.ONLINE) -> None:
        """Announce what the user is doing here; heartbeats repeat it until changed."""
        self._beacon.set(Activity(state=state, viewing_ticket_id=viewing_ticket_id,
                                  typing=typing))

    def clear_activity(self) -> None:
        """The user left this project: say offline once and stop the heartbeats."""
        self._beacon.set(None)

    # -- methods with side effects on the state ---------------------------------------

    async def whoami(self) -> WhoAmI:
        """This device as the server sees it; also refreshes :attr:`state`."""
        me = await super().whoami()
        self._update(ProjectState.signed_in, me)
        return me

    async def confirm(self, code: str) -> DeviceView:
        """Bind this device with the emailed code; the event stream then starts."""
        device = await super().confirm(code)
        await self.whoami()
        self._wake.set()
        return device

    async def upload_attachment(self, source: bytes | Path, *,
                                progress: Progress | None = None) -> AttachmentView:
        """Upload an image (bytes or a file path); ``progress(done, total)`` as it goes."""
        rpc = self._ready_rpc()
        return await self._guard(rpc.upload(source, progress=progress))

    async def download_attachment(self, sha256: str, *,
                                  progress: Progress | None = None) -> bytes:
        """An attachment's bytes; ``progress(done, total)`` as they arrive."""
        rpc = self._ready_rpc()
        return await self._guard(rpc.download(sha256, progress=progress))

    # -- internals --------------------------------------------------------------------

    async def _call(self, method: str, params: msgspec.Struct | None, result: type[T]) -> T:
        rpc = self._ready_rpc()
        return await self._guard(rpc.call(method, params, result))

    def _ready_rpc(self) -> RpcClient:
        if self._closed or self._rpc is None:
            raise ClientClosedError(f"{self.label}: the connection is not open")
        state = self._state.value
        if state.phase is Phase.UNREACHABLE:
            raise UnreachableError(f"{self.label} is unreachable ({state.last_error}); "
                                   "retrying in the background")
        return self._rpc

    async def _guard(self, request: Awaitable[T]) -> T:
        try:
            return await request
        except UnreachableError as exc:
            # A live event stream is the better judge: its pings notice a dead server.
            if not self._state.value.streaming:
                self._update(ProjectState.lost, str(exc))
                self._wake.set()
            raise
        except DeviceNotBoundError as exc:
            if self._state.value.bound:
                self._update(ProjectState.unbound, exc.message)
                self._wake.set()
            raise

    def _update(self, change: Callable[..., ProjectState], *args: Any) -> None:
        """Apply a :class:`ProjectState` transition (nothing changes once closed)."""
        if not self._closed:
            self._state.set(change(self._state.value, *args))

    async def _supervise(self) -> None:
        while True:
            delay = await self._attempt()
            # Not asyncio.wait_for: on 3.11 it can swallow a cancellation that lands just
            # as the event is set (reconnect() then aclose()), and aclose would hang.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            self._wake.clear()

    async def _attempt(self) -> float:
        """Probe, then stream events until that stops; returns how long to wait after."""
        assert self._rpc is not None  # noqa: S101 - started by open()
        try:
            info = await self._rpc.call("project.info", None, ProjectInfo)
            me = await self._rpc.call("auth.whoami", None, WhoAmI)
            self._update(ProjectState.reached, info, me)
            if self._last_seq is None:
                # "From now" means from this client's first contact with the project, not
                # from whenever the device got bound (perhaps by another process): nothing
                # that happens in between may be missed.
                self._last_seq = info.last_seq
            if not me.bound:
                self._backoff.reset()
                return self.settings.unbound_poll_interval
            await run_event_session(self.server, self._rpc.endpoint, self.settings,
                                    since=self._last_seq, on_subscribed=self._subscribed,
                                    deliver=self._deliver)
            self._update(ProjectState.stream_stopped, "the server closed the event stream")
        except UnreachableError as exc:
            self._update(ProjectState.lost, str(exc))
        except StreamDropped as exc:
            self._update(ProjectState.stream_stopped, f"stream dropped: {exc.reason}")
        except DeviceNotBoundError as exc:
            self._update(ProjectState.unbound, exc.message)
        except SupportClientError as exc:
            self._update(ProjectState.failed, str(exc))
        except Exception as exc:  # noqa: BLE001 - the supervisor must outlive a bug
            _log.exception("%s: connection supervisor failed", self.label)
            self._update(ProjectState.failed, f"internal error: {exc}")
        return self._backoff.next_delay()

    def _subscribed(self, result: SubscribeResult) -> None:
        if self._last_seq is None:
            self._last_seq = result.last_seq
        self._backoff.reset()
        self._update(ProjectState.stream_started)

    async def _deliver(self, event: EventView) -> None:
        if event.seq is None:  # live-only (presence): not numbered, never replayed
            await self._sink(event)
            return
        if self._last_seq is not None and event.seq <= self._last_seq:
            return
        if event.kind is EventKind.PROJECT_UPDATED:
            self._renamed(event)
        await self._sink(event)
        self._last_seq = event.seq

    def _renamed(self, event: EventView) -> None:
        project = event.data.get("project")
        name = project.get("name") if isinstance(project, dict) else None
        if isinstance(name, str) and name != self._state.value.project_name:
            self._update(ProjectState.renamed, name)

    def _presence_ready(self) -> bool:
        state = self._state.value
        return state.bound and state.phase is Phase.ONLINE

    async def _send_presence(self, activity: Activity) -> PresenceView:
        return await self.update_presence(state=activity.state,
                                          viewing_ticket_id=activity.viewing_ticket_id,
                                          typing=activity.typing)
