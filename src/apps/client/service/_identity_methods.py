"""project.info, auth.*, device.* and user.* on one followed project."""

from __future__ import annotations

from ....adapters.jsonrpc import (
    CONFLICT,
    DEVICE_NOT_BOUND,
    FORBIDDEN,
    LINK_REJECTED,
    NOT_FOUND,
    RATE_LIMITED,
    UNAVAILABLE,
    MethodRegistry,
)
from ....adapters.support_rpc import wire as server
from ..client import SupportClient
from . import wire
from ._methods import ON_PROJECT, service_method
from .session import ClientContext

BOUND = (*ON_PROJECT, DEVICE_NOT_BOUND)
ADMIN = (*BOUND, FORBIDDEN)


def register(reg: MethodRegistry[ClientContext], client: SupportClient) -> None:
    """Add the identity and administration methods of the server, per project."""
    method = service_method

    @method(reg, "project.info", params=wire.OnProject, result=server.ProjectInfo,
            tags=["project"], errors=ON_PROJECT,
            summary="The project's name and its server's facts")
    async def project_info(_ctx: ClientContext, p: wire.OnProject) -> server.ProjectInfo:
        return await client.project(p.project).project_info()

    @method(reg, "project.update", params=wire.ProjectUpdateParams,
            result=server.ProjectSettingsView, tags=["project", "writes"], errors=ADMIN,
            summary="Rename a project or switch what its customers see (admins)")
    async def project_update(_ctx: ClientContext, p: wire.ProjectUpdateParams
                             ) -> server.ProjectSettingsView:
        return await client.project(p.project).update_project(
            name=p.name, customers_see_all_tickets=p.customers_see_all_tickets)

    @method(reg, "auth.whoami", params=wire.OnProject, result=server.WhoAmI, tags=["auth"],
            errors=ON_PROJECT, summary="This device as the project's server sees it")
    async def whoami(_ctx: ClientContext, p: wire.OnProject) -> server.WhoAmI:
        return await client.project(p.project).whoami()

    @method(reg, "auth.request_link", params=wire.ProjectRequestLinkParams,
            result=server.RequestLinkResult, tags=["auth"],
            errors=[*ON_PROJECT, CONFLICT, RATE_LIMITED, UNAVAILABLE],
            summary="Ask the project to email a sign-in link and code for this device",
            description="The same as client.enroll.")
    async def request_link(_ctx: ClientContext, p: wire.ProjectRequestLinkParams
                           ) -> server.RequestLinkResult:
        return await client.project(p.project).request_link(p.email,
                                                            device_label=p.device_label)

    @method(reg, "auth.confirm", params=wire.ProjectConfirmParams, result=server.DeviceView,
            tags=["auth"], errors=[*ON_PROJECT, LINK_REJECTED, CONFLICT],
            summary="Bind this device with the code from the sign-in email",
            description="client.confirm does the same and answers the new project state.")
    async def confirm(_ctx: ClientContext, p: wire.ProjectConfirmParams) -> server.DeviceView:
        return await client.project(p.project).confirm(p.code)

    @method(reg, "device.list", params=wire.ProjectDeviceListParams,
            result=list[server.DeviceView], tags=["devices"], errors=[*BOUND, NOT_FOUND],
            summary="Your devices on a project (admins: a user's or everyone's)")
    async def device_list(_ctx: ClientContext, p: wire.ProjectDeviceListParams
                          ) -> list[server.DeviceView]:
        return await client.project(p.project).list_devices(p.user_id)

    @method(reg, "device.rename", params=wire.ProjectDeviceRenameParams,
            result=server.DeviceView, tags=["devices", "writes"], errors=[*BOUND, NOT_FOUND],
            summary="Relabel one of your devices on a project")
    async def device_rename(_ctx: ClientContext, p: wire.ProjectDeviceRenameParams
                            ) -> server.DeviceView:
        return await client.project(p.project).rename_device(p.address, p.label)

    @method(reg, "device.revoke", params=wire.ProjectDeviceRevokeParams,
            result=server.DeviceView, tags=["devices", "writes"], errors=[*BOUND, NOT_FOUND],
            summary="Unbind a device from a project")
    async def device_revoke(_ctx: ClientContext, p: wire.ProjectDeviceRevokeParams
                            ) -> server.DeviceView:
        return await client.project(p.project).revoke_device(p.address)

    @method(reg, "user.enroll", params=wire.ProjectUserEnrollParams, result=server.UserView,
            tags=["users", "writes"], errors=[*ADMIN, CONFLICT],
            summary="Pre-enroll a person by email on a project (admins)")
    async def user_enroll(_ctx: ClientContext, p: wire.ProjectUserEnrollParams
                          ) -> server.UserView:
        return await client.project(p.project).enroll_user(p.email, role=p.role,
                                                           display_name=p.display_name)

    @method(reg, "user.list", params=wire.ProjectUserListParams, result=list[server.UserView],
            tags=["users"], errors=ADMIN, summary="Every user of a project (admins)")
    async def user_list(_ctx: ClientContext, p: wire.ProjectUserListParams
                        ) -> list[server.UserView]:
        return await client.project(p.project).list_users(role=p.role, status=p.status)

    @method(reg, "user.update", params=wire.ProjectUserUpdateParams, result=server.UserView,
            tags=["users", "writes"], errors=[*ADMIN, NOT_FOUND, CONFLICT],
            summary="Rename, change the role of, disable or re-enable a user (admins)")
    async def user_update(_ctx: ClientContext, p: wire.ProjectUserUpdateParams
                          ) -> server.UserView:
        return await client.project(p.project).update_user(
            p.user_id, display_name=p.display_name, role=p.role, disabled=p.disabled)

    @method(reg, "user.people", params=wire.ProjectPeopleParams,
            result=list[server.PersonView], tags=["users"], errors=BOUND,
            summary="Display names and roles of people shown on a project's tickets")
    async def people(_ctx: ClientContext, p: wire.ProjectPeopleParams
                     ) -> list[server.PersonView]:
        return await client.project(p.project).people(p.ids)
