"""client.* (the followed projects, sign-in, inbox) and events.* of the service."""

from __future__ import annotations

import asyncio
import contextlib
import os

import anyio.to_thread
import msgspec
from msgspec import UNSET

from ....adapters.jsonrpc import (
    CONFLICT,
    INVALID_PARAMS,
    INVALID_REQUEST,
    LINK_REJECTED,
    NOT_FOUND,
    RATE_LIMITED,
    UNAVAILABLE,
    JsonRpcError,
    MethodRegistry,
)
from ....adapters.support_rpc import wire as server
from ..client import SupportClient
from ..preferences import NotificationPreferences
from ..server_address import ServerAddress
from ..state import Phase, ProjectState
from . import wire
from ._labels import label_for
from ._methods import ON_PROJECT, service_method
from .convert import inbox_view, state_view
from .errors import CONFIG_UNREADABLE
from .session import ClientContext, LocalSession


def register(reg: MethodRegistry[ClientContext], client: SupportClient, *, version: str,
             socket: str | None) -> None:
    """Add the service's own methods."""
    method = service_method

    @method(reg, "client.about", params=None, result=wire.ServiceInfo, tags=["client"],
            summary="Which device and config directory this service speaks for")
    async def about(_ctx: ClientContext, _p: None) -> wire.ServiceInfo:
        endpoint = await client.overlay.endpoint()
        return wire.ServiceInfo(version=version, overlay=client.overlay.name,
                                device_addr=endpoint.address,
                                config_dir=str(client.followed.config_dir), socket=socket,
                                pid=os.getpid())

    @method(reg, "client.projects", params=wire.ProjectsParams,
            result=list[wire.ProjectStateView], tags=["client"],
            summary="The state of every followed project, in the order they were followed",
            description="wait: up to that many seconds for each project's first attempt to "
            "end first (answered and, if signed in, streaming events; or unreachable).")
    async def projects(_ctx: ClientContext, p: wire.ProjectsParams
                       ) -> list[wire.ProjectStateView]:
        if p.wait > 0:
            await _settle(client, p.wait)
        return [state_view(state) for state in client.projects()]

    @method(reg, "client.follow", params=wire.FollowParams, result=wire.ProjectStateView,
            tags=["client", "writes"], errors=[INVALID_PARAMS, CONFLICT, CONFIG_UNREADABLE],
            summary="Follow a project server (kept in the followed list) and connect to it",
            description="The server need not be up: the state says. Without label, one is "
            "made from the project's name.")
    async def follow(_ctx: ClientContext, p: wire.FollowParams) -> wire.ProjectStateView:
        address = ServerAddress.parse(p.address)
        label = p.label or await label_for(client, address)
        connection = await client.follow(address, label, since=p.since)
        return state_view(connection.state)

    @method(reg, "client.unfollow", params=wire.UnfollowParams, result=bool,
            tags=["client", "writes"], errors=[NOT_FOUND, CONFIG_UNREADABLE],
            summary="Stop following a project; forget it and its read markers")
    async def unfollow(_ctx: ClientContext, p: wire.UnfollowParams) -> bool:
        await client.unfollow(p.label)
        return True

    @method(reg, "client.enroll", params=wire.EnrollParams, result=server.RequestLinkResult,
            tags=["client", "auth"], errors=[*ON_PROJECT, CONFLICT, RATE_LIMITED, UNAVAILABLE],
            summary="Ask a project to email a sign-in link and code for this device",
            description="Then enter the code with client.confirm (or open the link on "
            "this device).")
    async def enroll(_ctx: ClientContext, p: wire.EnrollParams) -> server.RequestLinkResult:
        return await client.project(p.project).request_link(p.email,
                                                            device_label=p.device_label)

    @method(reg, "client.confirm", params=wire.ConfirmCodeParams,
            result=wire.ProjectStateView, tags=["client", "auth"],
            errors=[*ON_PROJECT, LINK_REJECTED, CONFLICT],
            summary="Bind this device with the emailed code; answers the project's state")
    async def confirm(_ctx: ClientContext, p: wire.ConfirmCodeParams) -> wire.ProjectStateView:
        project = client.project(p.project)
        await project.confirm(p.code)
        return state_view(project.state)

    @method(reg, "client.inbox", params=wire.InboxParams, result=wire.InboxView,
            tags=["client"], summary="Open tickets of every project, unread replies, watchers",
            description="Projects that are down or not signed in are listed in problems.")
    async def inbox(_ctx: ClientContext, p: wire.InboxParams) -> wire.InboxView:
        return inbox_view(await client.inbox(per_project=p.per_project))

    @method(reg, "client.mark_read", params=wire.MarkReadParams, result=bool,
            tags=["client", "writes"], errors=[NOT_FOUND, CONFIG_UNREADABLE],
            summary="Record that a ticket was read up to a message (kept on disk)")
    async def mark_read(_ctx: ClientContext, p: wire.MarkReadParams) -> bool:
        await client.mark_read(p.project, p.ticket_id, p.message_id)
        return True

    @method(reg, "client.notifications", params=None, result=wire.NotificationSettings,
            tags=["client"], errors=[CONFIG_UNREADABLE],
            summary="Which desktop notifications the Support tab shows")
    async def notifications(_ctx: ClientContext, _p: None) -> wire.NotificationSettings:
        found = await anyio.to_thread.run_sync(client.preferences.notifications)
        return wire.NotificationSettings(enabled=found.enabled, new_tickets=found.new_tickets,
                                         replies=found.replies)

    @method(reg, "client.set_notifications", params=wire.SetNotificationsParams,
            result=wire.NotificationSettings, tags=["client", "writes"],
            errors=[CONFIG_UNREADABLE],
            summary="Change the Support tab's desktop notification settings (kept on disk)")
    async def set_notifications(_ctx: ClientContext, p: wire.SetNotificationsParams
                                ) -> wire.NotificationSettings:
        def change() -> NotificationPreferences:
            current = client.preferences.notifications()
            wanted = {k: v for k, v in msgspec.structs.asdict(p).items() if v is not UNSET}
            return client.preferences.set_notifications(msgspec.structs.replace(current,
                                                                                **wanted))

        saved = await anyio.to_thread.run_sync(change)
        return wire.NotificationSettings(enabled=saved.enabled, new_tickets=saved.new_tickets,
                                         replies=saved.replies)

    @method(reg, "events.subscribe", params=wire.SubscribeParams, result=wire.SubscribeResult,
            tags=["events"], errors=[INVALID_REQUEST],
            summary="Stream transports only: merged events and project states, live",
            description="Events of every followed project arrive as notifications "
            "{method: 'client.event', params: {subscription, cursor, project, event}}; "
            "state changes as {method: 'client.state', params: {subscription, state}}. "
            "Resubscribe with since = the last cursor and the epoch to replay what the "
            "service still holds (the latest 1000 events).")
    async def subscribe(ctx: ClientContext, p: wire.SubscribeParams) -> wire.SubscribeResult:
        return _session(ctx).subscribe(p)

    @method(reg, "events.unsubscribe", params=wire.UnsubscribeParams, result=bool,
            tags=["events"], errors=[INVALID_REQUEST],
            summary="Stream transports only: stop a stream")
    async def unsubscribe(ctx: ClientContext, p: wire.UnsubscribeParams) -> bool:
        return _session(ctx).unsubscribe(p.subscription)


def _settled(state: ProjectState) -> bool:
    """The first attempt is over: unreachable, or online and (if signed in) streaming."""
    if state.phase is Phase.ONLINE:
        return not state.bound or state.streaming
    return state.phase is not Phase.CONNECTING


async def _settle(client: SupportClient, within: float) -> None:
    """Wait (at most ``within`` s) until every project's first attempt is over."""
    waits = [client.project(state.label).wait_until(_settled) for state in client.projects()]
    with contextlib.suppress(TimeoutError, LookupError):
        await asyncio.wait_for(asyncio.gather(*waits), within)


def _session(ctx: ClientContext) -> LocalSession:
    if ctx.session is None:
        raise JsonRpcError(INVALID_REQUEST,
                           "events.subscribe needs a transport that carries notifications "
                           "(the Unix socket, a WebSocket)")
    return ctx.session
