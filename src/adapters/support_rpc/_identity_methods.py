"""project.*, auth.*, device.* and user.* methods."""

from __future__ import annotations

from msgspec import UNSET

from ..jsonrpc import (
    CONFLICT,
    DEVICE_NOT_BOUND,
    FORBIDDEN,
    LINK_REJECTED,
    NOT_FOUND,
    RATE_LIMITED,
    MethodRegistry,
)
from . import wire
from .context import RequestContext
from .convert import device_view, person_view, user_view
from .services import ServerInfo, ServerServices

BOUND = (DEVICE_NOT_BOUND,)
ADMIN = (DEVICE_NOT_BOUND, FORBIDDEN)


def register(reg: MethodRegistry[RequestContext], s: ServerServices, info: ServerInfo) -> None:
    """Add the identity and administration methods to ``reg``."""

    @reg.method("project.info", params=None, result=wire.ProjectInfo, public=True,
                tags=["project"], summary="The project's name and this server's facts")
    async def project_info(_ctx: RequestContext, _p: None) -> wire.ProjectInfo:
        settings = await s.accounts.project_settings()
        return wire.ProjectInfo(
            name=settings.name, overlay=info.overlay, server_version=info.version,
            last_seq=await s.feed.last_seq(),
            customers_see_all_tickets=settings.customers_see_all_tickets,
        )

    @reg.method("project.update", params=wire.ProjectUpdateParams,
                result=wire.ProjectSettingsView, tags=["project", "writes"],
                errors=[*ADMIN], summary="Rename the project or switch what customers see "
                "(admins)", description="Applied at once; every signed-in device is told "
                "with a project.updated event (durable: replayed after a reconnect).")
    async def project_update(ctx: RequestContext, p: wire.ProjectUpdateParams
                             ) -> wire.ProjectSettingsView:
        settings = await s.project.update(
            ctx.caller, name=None if p.name is UNSET else p.name,
            customers_see_all_tickets=(None if p.customers_see_all_tickets is UNSET
                                       else p.customers_see_all_tickets),
        )
        return wire.ProjectSettingsView(
            name=settings.name, customers_see_all_tickets=settings.customers_see_all_tickets)

    @reg.method("auth.whoami", params=None, result=wire.WhoAmI, public=True, tags=["auth"],
                summary="The calling device and, once bound, its user")
    async def whoami(ctx: RequestContext, _p: None) -> wire.WhoAmI:
        me = await s.accounts.whoami(ctx.caller)
        return wire.WhoAmI(
            device_addr=me.device_addr, bound=me.device is not None,
            user=user_view(me.user) if me.user else None,
            device=device_view(me.device) if me.device else None,
        )

    @reg.method("auth.request_link", params=wire.RequestLinkParams,
                result=wire.RequestLinkResult, public=True, tags=["auth"],
                errors=[CONFLICT, RATE_LIMITED],
                summary="Email a sign-in link and code for this device",
                description="Answers the same, in the same time, whether or not the email "
                "is enrolled, disabled or its mailbox is full, and whether or not the mail "
                "server is up: the email is queued and sent afterwards. It holds a link to "
                "this server's confirmation page and a code for auth.confirm; both bind "
                "only the device that asked. RateLimited comes only from this device's own "
                "budgets (per hour, and per hour for one email), counted alike for every "
                "email.")
    async def request_link(ctx: RequestContext, p: wire.RequestLinkParams
                           ) -> wire.RequestLinkResult:
        await s.devices.request_link(ctx.caller, email=p.email, device_label=p.device_label)
        return wire.RequestLinkResult(
            accepted=True, expires_in_seconds=info.link_lifetime_seconds,
            message="If this email is enrolled, a sign-in link and code are on their way.",
        )

    @reg.method("auth.confirm", params=wire.ConfirmParams, result=wire.DeviceView,
                public=True, tags=["auth"], errors=[LINK_REJECTED, CONFLICT],
                summary="Bind this device with the code from the sign-in email")
    async def confirm(ctx: RequestContext, p: wire.ConfirmParams) -> wire.DeviceView:
        return device_view(await s.devices.confirm_code(ctx.caller, p.code))

    @reg.method("device.list", params=wire.DeviceListParams, result=list[wire.DeviceView],
                tags=["devices"], errors=[*BOUND, NOT_FOUND],
                summary="Your devices (admins: a user's or everyone's)")
    async def device_list(ctx: RequestContext, p: wire.DeviceListParams
                          ) -> list[wire.DeviceView]:
        return [device_view(d) for d in await s.devices.list_devices(ctx.caller, p.user_id)]

    @reg.method("device.rename", params=wire.DeviceRenameParams, result=wire.DeviceView,
                tags=["devices", "writes"], errors=[*BOUND, NOT_FOUND],
                summary="Relabel one of your devices")
    async def device_rename(ctx: RequestContext, p: wire.DeviceRenameParams
                            ) -> wire.DeviceView:
        return device_view(await s.devices.rename_device(ctx.caller, p.address, p.label))

    @reg.method("device.revoke", params=wire.DeviceRevokeParams, result=wire.DeviceView,
                tags=["devices", "writes"], errors=[*BOUND, NOT_FOUND],
                summary="Unbind a device; it is refused from its next request on")
    async def device_revoke(ctx: RequestContext, p: wire.DeviceRevokeParams
                            ) -> wire.DeviceView:
        revoked = await s.devices.revoke_device(ctx.caller, p.address)
        s.hub.drop_device(revoked.address, "this device was revoked")
        return device_view(revoked)

    @reg.method("user.enroll", params=wire.UserEnrollParams, result=wire.UserView,
                tags=["users", "writes"], errors=[*ADMIN, CONFLICT],
                summary="Pre-enroll a person by email (admins)")
    async def user_enroll(ctx: RequestContext, p: wire.UserEnrollParams) -> wire.UserView:
        user = await s.accounts.enroll(ctx.caller, email=p.email, role=p.role,
                                       display_name=p.display_name)
        return user_view(user)

    @reg.method("user.list", params=wire.UserListParams, result=list[wire.UserView],
                tags=["users"], errors=ADMIN, summary="Every user (admins)")
    async def user_list(ctx: RequestContext, p: wire.UserListParams) -> list[wire.UserView]:
        users = await s.accounts.list_users(ctx.caller, role=p.role, status=p.status)
        return [user_view(u) for u in users]

    @reg.method("user.update", params=wire.UserUpdateParams, result=wire.UserView,
                tags=["users", "writes"], errors=[*ADMIN, NOT_FOUND, CONFLICT],
                summary="Rename, change the role of, disable or re-enable a user (admins)")
    async def user_update(ctx: RequestContext, p: wire.UserUpdateParams) -> wire.UserView:
        user = await s.accounts.update_user(
            ctx.caller, p.user_id,
            display_name=None if p.display_name is UNSET else p.display_name,
            role=None if p.role is UNSET else p.role,
            disabled=None if p.disabled is UNSET else p.disabled,
        )
        if p.disabled is True or p.role is not UNSET:
            s.hub.drop_user(user.id, "this account changed; reconnect")
        return user_view(user)

    @reg.method("user.people", params=wire.PeopleParams, result=list[wire.PersonView],
                tags=["users"], errors=BOUND,
                summary="Display names and roles of people shown on tickets")
    async def people(ctx: RequestContext, p: wire.PeopleParams) -> list[wire.PersonView]:
        return [person_view(u) for u in await s.accounts.people(ctx.caller, list(p.ids))]
