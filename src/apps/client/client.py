"""Follow many project servers at once from one device (DESIGN section 7).

:class:`SupportClient` keeps the followed-projects list, runs one
:class:`~.project.ProjectConnection` per project (each with its own tasks, so a server
that is down slows no other), merges their event streams and builds the inbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, Self

import anyio.to_thread

from ...adapters.support_rpc.wire import EventView
from .errors import (
    ClientClosedError,
    InvalidServerAddressError,
    SupportClientError,
    UnknownLabelError,
)
from .followed import FollowedProject, FollowedProjects, check_label
from .inbox import Inbox, InboxItem, merge, project_inbox
from .overlay import DeviceOverlay
from .preferences import Preferences
from .project import ProjectConnection
from .read_markers import ReadMarkers
from .server_address import ServerAddress
from .settings import ConnectionSettings
from .state import Phase, ProjectState


class ProjectEvent(NamedTuple):
    """An event and the label of the project it comes from."""

    label: str
    event: EventView


class SupportClient:
    """Every followed project, from this device.

    ``config_dir`` overrides the user's config directory (where the followed list and
    the read markers live). ``resume`` gives, per label, the sequence number to replay
    events from when the client opens (e.g. the last one a program processed before it
    stopped); other projects stream from "now". Open with ``async with``.
    """

    def __init__(self, overlay: DeviceOverlay, *, config_dir: Path | None = None,
                 settings: ConnectionSettings | None = None,
                 resume: Mapping[str, int] | None = None) -> None:
        self.overlay = overlay
        self.settings = settings or ConnectionSettings()
        self.followed = FollowedProjects(config_dir)
        self.read_markers = ReadMarkers(self.followed.config_dir)
        self.preferences = Preferences(self.followed.config_dir)
        self._resume = dict(resume or {})
        self._connections: dict[str, ProjectConnection] = {}
        self._merged: asyncio.Queue[tuple[ProjectConnection, EventView] | None] = (
            asyncio.Queue(self.settings.event_buffer))
        self._listeners: list[Callable[[ProjectState], None]] = []
        self._lock = asyncio.Lock()
        self._open = False
        self._closed = False
        self._reading = False

    # -- lifecycle ------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def open(self) -> None:
        """Read the followed list and start a connection to each project."""
        if self._open or self._closed:
            raise ClientClosedError("a support client opens only once")
        self._open = True
        try:
            for entry in await anyio.to_thread.run_sync(self.followed.load):
                await self._start(entry, self._resume.get(entry.label))
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Close every connection; :meth:`events` then ends."""
        if self._closed:
            return
        self._closed = True
        connections, self._connections = list(self._connections.values()), {}
        await asyncio.gather(*(c.aclose() for c in connections))
        while self._merged.full():
            self._merged.get_nowait()
        self._merged.put_nowait(None)

    # -- the followed projects ------------------------------------------------------

    async def follow(self, server: str | ServerAddress, label: str, *,
                     since: int | None = None) -> ProjectConnection:
        """Follow a project server under ``label`` (saved), and connect to it.

        ``since`` replays events after that sequence number (``0``: all this user may
        see); ``None`` streams from now on. The server need not be up: its state says.
        """
        check_label(label)
        address = server if isinstance(server, ServerAddress) else ServerAddress.parse(server)
        if not self.overlay.reaches(address.host):
            raise InvalidServerAddressError(
                f"{address.host} is not an address of the {self.overlay.name} overlay")
        async with self._lock:
            self._require_open()
            entry = await anyio.to_thread.run_sync(self.followed.add, label, address)
            try:
                return await self._start(entry, since)
            except BaseException:
                await anyio.to_thread.run_sync(self.followed.remove, label)
                raise

    async def unfollow(self, label: str) -> None:
        """Stop following ``label``: close its connection, forget it and its read markers."""
        async with self._lock:
            self._require_open()
            await anyio.to_thread.run_sync(self.followed.remove, label)
            connection = self._connections.pop(label, None)
            if connection is not None:
                await connection.aclose()
            await anyio.to_thread.run_sync(self.read_markers.forget, label)

    def projects(self) -> list[ProjectState]:
        """The state of every followed project, in the order they were followed."""
        return [c.state for c in self._connections.values()]

    def project(self, label: str) -> ProjectConnection:
        """The connection of one project, for its methods; raises :class:`UnknownLabelError`."""
        try:
            return self._connections[label]
        except KeyError:
            raise UnknownLabelError(f"no followed project is labelled {label!r}") from None

    def on_state_change(self, callback: Callable[[ProjectState], None]) -> Callable[[], None]:
        """Call ``callback(state)`` when any project's state changes; returns a stopper."""
        self._listeners.append(callback)

        def stop() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return stop

    # -- events -------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[ProjectEvent]:
        """Events of every followed project, merged as they arrive; ends on close.

        Within a project, events keep their order and durable ones (with a ``seq``)
        come exactly once, across reconnects. One reader at a time: while nobody
        reads, streams pause rather than drop anything. A reader that stops early
        should close the iterator (``contextlib.aclosing``) to free the slot.
        """
        if self._reading:
            raise RuntimeError("the merged event stream already has a reader")
        self._reading = True
        try:
            while (item := await self._merged.get()) is not None:
                connection, event = item
                # Events still queued from a project that was unfollowed meanwhile.
                if self._connections.get(connection.label) is connection:
                    yield ProjectEvent(connection.label, event)
        finally:
            self._reading = False

    # -- inbox ----------------------------------------------------------------------------

    async def inbox(self, *, per_project: int = 50) -> Inbox:
        """Open tickets of every signed-in project with unread counts and watchers.

        Projects are asked concurrently; one that is down or not signed in is listed
        in ``Inbox.problems`` instead of delaying or failing the rest.
        """
        connections = list(self._connections.values())
        parts = await asyncio.gather(*(self._project_inbox(c, per_project)
                                       for c in connections))
        return merge({c.label: part for c, part in zip(connections, parts, strict=True)})

    async def mark_read(self, label: str, ticket_id: int, message_id: int) -> None:
        """Record that the user has read ``ticket_id`` up to ``message_id`` (kept on disk)."""
        self.project(label)
        await anyio.to_thread.run_sync(self.read_markers.mark_read, label, ticket_id,
                                       message_id)

    async def _project_inbox(self, connection: ProjectConnection,
                             limit: int) -> list[InboxItem] | str:
        state = connection.state
        if state.user is None:
            if state.phase is Phase.ONLINE:
                return "this device is not signed in"
            return state.last_error or f"not connected ({state.phase})"
        markers = await anyio.to_thread.run_sync(self.read_markers.of, connection.label)
        try:
            return await project_inbox(connection, label=connection.label,
                                       user_id=state.user.id, markers=markers, limit=limit)
        except SupportClientError as exc:
            return str(exc)

    # -- internals ------------------------------------------------------------------------

    def _require_open(self) -> None:
        if not self._open or self._closed:
            raise ClientClosedError("the support client is not open")

    async def _start(self, entry: FollowedProject, since: int | None) -> ProjectConnection:
        connection: ProjectConnection

        async def forward(event: EventView) -> None:
            await self._merged.put((connection, event))

        connection = ProjectConnection(entry.label, entry.address, self.overlay,
                                       settings=self.settings, since=since, on_event=forward)
        connection.on_state_change(self._state_changed)
        self._connections[entry.label] = connection
        try:
            await connection.open()
        except BaseException:
            del self._connections[entry.label]
            await connection.aclose()
            raise
        return connection

    def _state_changed(self, state: ProjectState) -> None:
        for listener in list(self._listeners):
            listener(state)
