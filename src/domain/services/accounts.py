"""Accounts: enrolling people, the admin's user list, and resolving who is calling."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from ..errors import Conflict, Forbidden, NotFound
from ..identity import (
    Caller,
    CallerIdentity,
    DeviceBinding,
    Role,
    UnboundDevice,
    User,
    UserStatus,
    clean_display_name,
    normalize_email,
)
from ..policy import require_admin, require_bound
from ..ports import Clock, Repositories, Storage
from ..project import ProjectSettings
from ._known_devices import KnownDevices

LAST_SEEN_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True, slots=True, kw_only=True)
class WhoAmI:
    """What a device learns about itself."""

    device_addr: str
    user: User | None
    device: DeviceBinding | None


class Accounts:
    """Users of one project and the lookup from device address to caller."""

    def __init__(self, storage: Storage, clock: Clock,
                 known: KnownDevices | None = None) -> None:
        """``known``, shared with :class:`DeviceEnrollment`, saves a read per request."""
        self._storage = storage
        self._clock = clock
        self._known = known

    async def identify(self, address: str) -> Caller:
        """Turn a peer address into a caller (the identity boundary's one question).

        Refuses the devices of disabled users. Records ``last_seen`` at most once a
        minute per device, so identification stays a read on the hot path (and, with
        ``known``, no read at all until the device is due its ``last_seen`` write).
        """
        now = self._clock.now()
        known = self._known
        generation = 0
        if known is not None:
            remembered = known.recall(address, now, refresh_after=LAST_SEEN_RESOLUTION)
            if remembered is not None:
                return remembered
            generation = known.generation

        def look(repos: Repositories) -> tuple[Caller, DeviceBinding | None]:
            binding = repos.devices.get(address)
            if binding is None:
                return UnboundDevice(device_addr=address), None
            user = repos.users.get(binding.user_id)
            if user is None or user.status is UserStatus.DISABLED:
                raise Forbidden("this account is disabled; ask the project's admin")
            return CallerIdentity(user_id=user.id, device_addr=address, role=user.role), binding

        caller, binding = await self._storage.read(look)
        if binding is None or not isinstance(caller, CallerIdentity):
            return caller
        last_seen = binding.last_seen
        if now - last_seen >= LAST_SEEN_RESOLUTION:
            def touch(repos: Repositories) -> None:
                current = repos.devices.get(address)
                if current is not None:
                    repos.devices.update(replace(current, last_seen=now))

            await self._storage.write(touch)
            last_seen = now
        if known is not None:
            known.remember(caller, last_seen=last_seen, now=now, generation=generation)
        return caller

    async def whoami(self, caller: Caller) -> WhoAmI:
        """The caller's user and device, or only the address for an unbound device."""
        if isinstance(caller, UnboundDevice):
            return WhoAmI(device_addr=caller.device_addr, user=None, device=None)

        def look(repos: Repositories) -> WhoAmI:
            return WhoAmI(
                device_addr=caller.device_addr,
                user=repos.users.get(caller.user_id),
                device=repos.devices.get(caller.device_addr),
            )

        return await self._storage.read(look)

    async def enroll(self, caller: Caller, *, email: str, role: Role,
                     display_name: str) -> User:
        """Pre-enroll a person (admins only); a second enrollment of an email conflicts."""
        require_admin(caller)
        address = normalize_email(email)
        name = clean_display_name(display_name)
        now = self._clock.now()

        def add(repos: Repositories) -> User:
            if repos.users.by_email(address) is not None:
                raise Conflict(f"{address} is already enrolled")
            user = User(
                id=repos.users.next_id(),
                email=address,
                display_name=name,
                role=role,
                status=UserStatus.INVITED,
                created_at=now,
            )
            repos.users.add(user)
            return user

        return await self._storage.write(add)

    async def list_users(self, caller: Caller, *, role: Role | None = None,
                         status: UserStatus | None = None) -> list[User]:
        """Every user, optionally filtered (admins only)."""
        require_admin(caller)
        return await self._storage.read(lambda r: r.users.list(role=role, status=status))

    async def get_user(self, caller: Caller, user_id: int) -> User:
        """One user: staff may look anyone up, customers only themselves."""
        who = require_bound(caller)
        if not who.role.is_staff and user_id != who.user_id:
            raise NotFound(f"user {user_id} does not exist")
        user = await self._storage.read(lambda r: r.users.get(user_id))
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        return user

    async def people(self, caller: Caller, user_ids: list[int]) -> list[User]:
        """Users the caller may know by name: staff see everyone; customers see staff,
        themselves and, when the project shares all tickets, every user."""
        who = require_bound(caller)
        wanted = sorted(set(user_ids))

        def look(repos: Repositories) -> list[User]:
            share_all = repos.project.settings().customers_see_all_tickets
            found = [u for u in (repos.users.get(i) for i in wanted) if u is not None]
            if who.role.is_staff or share_all:
                return found
            return [u for u in found if u.role.is_staff or u.id == who.user_id]

        return await self._storage.read(look)

    async def update_user(self, caller: Caller, user_id: int, *,
                          display_name: str | None = None, role: Role | None = None,
                          disabled: bool | None = None) -> User:
        """Rename, change role, disable or re-enable a user (admins only).

        An admin cannot disable or demote themselves, so a project always keeps the
        admin who could undo the change.
        """
        who = require_admin(caller)
        name = clean_display_name(display_name) if display_name is not None else None
        if user_id == who.user_id and (disabled or (role is not None and role is not Role.ADMIN)):
            raise Conflict("admins cannot disable or demote themselves")

        def change(repos: Repositories) -> User:
            user = repos.users.get(user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            updated = user
            if name is not None:
                updated = replace(updated, display_name=name)
            if role is not None:
                updated = replace(updated, role=role)
            if disabled is True:
                updated = replace(updated, status=UserStatus.DISABLED)
            elif disabled is False and user.status is UserStatus.DISABLED:
                bound = bool(repos.devices.for_user(user_id))
                status = UserStatus.ACTIVE if bound else UserStatus.INVITED
                updated = replace(updated, status=status)
            if updated != user:
                repos.users.update(updated)
            return updated

        changed = await self._storage.write(change)
        if self._known is not None:
            self._known.forget_user(user_id)
        return changed

    async def project_settings(self) -> ProjectSettings:
        """The project's name and policy switches (public: ``project.info``)."""
        return await self._storage.read(lambda r: r.project.settings())
