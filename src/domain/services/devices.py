"""Device binding by magic link or code, and the management of bound devices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from ..errors import Conflict, InvalidInput, LinkRejected, NotFound, Unavailable
from ..identity import (
    Caller,
    CallerIdentity,
    DeviceBinding,
    Role,
    User,
    UserStatus,
    clean_device_label,
    normalize_email,
)
from ..magic_links import (
    CODE_ALPHABET,
    CODE_LENGTH,
    LINK_LIFETIME,
    MagicLink,
    hash_secret,
    new_link,
    normalize_code,
)
from ..policy import may_manage_device_of, require_admin, require_bound
from ..ports import Clock, Mailer, Repositories, Secrets, Storage
from ..ratelimit import Limit, SlidingWindow
from ..sign_in_mail import compose_sign_in_mail
from ._known_devices import KnownDevices

REQUESTS_PER_EMAIL = Limit(3, timedelta(minutes=15))
REQUESTS_PER_DEVICE = Limit(10, timedelta(hours=1))


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkPreview:
    """What the confirmation page shows before anyone presses the button."""

    email: str
    device_addr: str
    device_label: str
    expires_at_iso: str


class DeviceEnrollment:
    """Sign-in links, binding devices to users, and listing/renaming/revoking them."""

    def __init__(self, storage: Storage, clock: Clock, secrets: Secrets, mailer: Mailer,
                 link_url: Callable[[str], str], *, lifetime: timedelta = LINK_LIFETIME,
                 per_email: Limit = REQUESTS_PER_EMAIL,
                 per_device: Limit = REQUESTS_PER_DEVICE,
                 known: KnownDevices | None = None) -> None:
        """``known`` is the instance :class:`Accounts` identifies with, if any: binding
        or revoking a device makes it forget that device."""
        self._storage = storage
        self._clock = clock
        self._secrets = secrets
        self._mailer = mailer
        self._link_url = link_url
        self._lifetime = lifetime
        self._per_email = SlidingWindow(per_email, "sign-in requests for this email")
        self._per_device = SlidingWindow(per_device, "sign-in requests from this device")
        self._known = known

    async def request_link(self, caller: Caller, *, email: str, device_label: str) -> None:
        """Email a link and code for ``email`` if it is enrolled and enabled.

        Answers the same for unknown emails, so nobody can probe who is enrolled.
        """
        address = normalize_email(email)
        label = clean_device_label(device_label)
        now = self._clock.now()
        if isinstance(caller, CallerIdentity):
            raise Conflict("this device is already bound; revoke it before binding it again")
        self._per_device.hit(caller.device_addr, now)
        self._per_email.hit(address, now)
        token = self._secrets.token()
        code = self._secrets.code(CODE_ALPHABET, CODE_LENGTH)

        def issue(repos: Repositories) -> tuple[User, MagicLink, str] | None:
            user = repos.users.by_email(address)
            if user is None or user.status is UserStatus.DISABLED:
                return None
            for old in repos.magic_links.for_device(caller.device_addr):
                if old.user_id == user.id and old.is_pending(now):
                    repos.magic_links.update(old.withdrawn())
            link = new_link(
                link_id=repos.magic_links.next_id(), user_id=user.id,
                device_addr=caller.device_addr, device_label=label, token=token, code=code,
                now=now, lifetime=self._lifetime,
            )
            repos.magic_links.add(link)
            return user, link, repos.project.settings().name

        issued = await self._storage.write(issue)
        if issued is not None:
            user, link, project_name = issued
            await self._send(user, link, project_name, token, code)

    async def _send(self, user: User, link: MagicLink, project_name: str, token: str,
                    code: str) -> None:
        mail = compose_sign_in_mail(
            to=user.email, project_name=project_name, link_url=self._link_url(token),
            code=code, device_label=link.device_label,
            minutes=int(self._lifetime.total_seconds() // 60),
        )
        try:
            await self._mailer.send(mail)
        except Unavailable:
            # A link nobody received must not stay usable: withdraw it, then report.
            def withdraw(repos: Repositories) -> None:
                current = repos.magic_links.get(link.id)
                if current is not None:
                    repos.magic_links.update(current.withdrawn())

            await self._storage.write(withdraw)
            raise

    async def preview_link(self, token: str) -> LinkPreview:
        """What the confirmation page shows; changes nothing (GET is safe)."""
        now = self._clock.now()

        def look(repos: Repositories) -> LinkPreview:
            link = repos.magic_links.by_token_hash(hash_secret(token))
            if link is None:
                raise LinkRejected("this link is not known")
            link.ensure_usable(now)
            user = repos.users.get(link.user_id)
            if user is None:
                raise LinkRejected("this link is not known")
            return LinkPreview(
                email=user.email, device_addr=link.device_addr,
                device_label=link.device_label, expires_at_iso=link.expires_at.isoformat(),
            )

        return await self._storage.read(look)

    async def confirm_link(self, token: str) -> DeviceBinding:
        """Bind the device that asked for the link (not whoever pressed the button)."""
        now = self._clock.now()

        def confirm(repos: Repositories) -> DeviceBinding:
            link = repos.magic_links.by_token_hash(hash_secret(token))
            if link is None:
                raise LinkRejected("this link is not known")
            link.ensure_usable(now)
            return self._bind(repos, link)

        return self._forget(await self._storage.write(confirm))

    async def confirm_code(self, caller: Caller, code: str) -> DeviceBinding:
        """Bind the calling device with the code from the email; wrong codes count."""
        typed = normalize_code(code)
        if isinstance(caller, CallerIdentity):
            raise Conflict("this device is already bound")
        now = self._clock.now()

        def confirm(repos: Repositories) -> DeviceBinding | None:
            pending = [
                link for link in repos.magic_links.for_device(caller.device_addr)
                if link.consumed_at is None and not link.revoked
            ]
            if not pending:
                raise LinkRejected("this device has no pending sign-in; request a link first")
            link = max(pending, key=lambda item: item.created_at)
            link.ensure_usable(now)
            if not link.matches_code(typed):
                repos.magic_links.update(link.with_wrong_attempt())
                return None  # committed, then reported: the attempt must be counted
            return self._bind(repos, link)

        bound = await self._storage.write(confirm)
        if bound is None:
            raise LinkRejected("wrong code")
        return self._forget(bound)

    def _bind(self, repos: Repositories, link: MagicLink) -> DeviceBinding:
        now = self._clock.now()
        user = repos.users.get(link.user_id)
        if user is None or user.status is UserStatus.DISABLED:
            raise LinkRejected("this account is disabled")
        existing = repos.devices.get(link.device_addr)
        if existing is not None and existing.user_id != user.id:
            raise Conflict("this device address is already bound to another account")
        repos.magic_links.update(link.consumed(now))
        if existing is not None:
            return existing
        binding = DeviceBinding(
            address=link.device_addr, user_id=user.id, label=link.device_label,
            bound_at=now, last_seen=now,
        )
        repos.devices.add(binding)
        if user.status is UserStatus.INVITED:
            repos.users.update(replace(user, status=UserStatus.ACTIVE))
        return binding

    async def list_devices(self, caller: Caller, user_id: int | None = None
                           ) -> list[DeviceBinding]:
        """The caller's devices, or (admins) another user's or everyone's."""
        who = require_bound(caller)
        if user_id is None and who.role is Role.ADMIN:
            return await self._storage.read(lambda r: r.devices.all())
        owner = who.user_id if user_id is None else user_id
        if not may_manage_device_of(who, owner):
            raise NotFound(f"user {owner} does not exist")
        return await self._storage.read(lambda r: r.devices.for_user(owner))

    async def rename_device(self, caller: Caller, address: str, label: str) -> DeviceBinding:
        """Give a device a new label."""
        who = require_bound(caller)
        clean = clean_device_label(label)

        def rename(repos: Repositories) -> DeviceBinding:
            binding = self._owned(repos, who, address)
            renamed = replace(binding, label=clean)
            repos.devices.update(renamed)
            return renamed

        return await self._storage.write(rename)

    async def revoke_device(self, caller: Caller, address: str) -> DeviceBinding:
        """Unbind a device; it is an unbound device again from its next request on."""
        who = require_bound(caller)

        def revoke(repos: Repositories) -> DeviceBinding:
            binding = self._owned(repos, who, address)
            repos.devices.remove(address)
            repos.presence.remove(address)
            return binding

        return self._forget(await self._storage.write(revoke))

    def _forget(self, binding: DeviceBinding) -> DeviceBinding:
        if self._known is not None:
            self._known.forget_device(binding.address)
        return binding

    @staticmethod
    def _owned(repos: Repositories, who: CallerIdentity, address: str) -> DeviceBinding:
        binding = repos.devices.get(address)
        if binding is None or not may_manage_device_of(who, binding.user_id):
            raise NotFound(f"device {address} is not bound to your account")
        return binding

    async def pending_links(self, caller: Caller) -> list[MagicLink]:
        """Links that can still be used (admins only)."""
        require_admin(caller)
        now = self._clock.now()
        links = await self._storage.read(lambda r: r.magic_links.all())
        return [link for link in links if link.is_pending(now)]

    async def expire_links(self, caller: Caller, email: str) -> int:
        """Withdraw every pending link of a user (admins only); returns how many."""
        require_admin(caller)
        address = normalize_email(email)
        now = self._clock.now()

        def expire(repos: Repositories) -> int:
            user = repos.users.by_email(address)
            if user is None:
                raise NotFound(f"{address} is not enrolled")
            count = 0
            for link in repos.magic_links.for_user(user.id):
                if link.is_pending(now):
                    repos.magic_links.update(link.withdrawn())
                    count += 1
            return count

        return await self._storage.write(expire)

    async def resend_link(self, caller: Caller, link_id: int) -> MagicLink:
        """Replace a pending link with a fresh one for the same device and mail it."""
        require_admin(caller)
        now = self._clock.now()
        token = self._secrets.token()
        code = self._secrets.code(CODE_ALPHABET, CODE_LENGTH)

        def reissue(repos: Repositories) -> tuple[User, MagicLink, str]:
            old = repos.magic_links.get(link_id)
            if old is None:
                raise NotFound(f"sign-in link {link_id} does not exist")
            if old.consumed_at is not None:
                raise InvalidInput("link_id", "that link was already used")
            user = repos.users.get(old.user_id)
            if user is None or user.status is UserStatus.DISABLED:
                raise Conflict("the account of that link is disabled")
            repos.magic_links.update(old.withdrawn())
            link = new_link(
                link_id=repos.magic_links.next_id(), user_id=user.id,
                device_addr=old.device_addr, device_label=old.device_label,
                token=token, code=code, now=now, lifetime=self._lifetime,
            )
            repos.magic_links.add(link)
            return user, link, repos.project.settings().name

        user, link, project_name = await self._storage.write(reissue)
        await self._send(user, link, project_name, token, code)
        return link
