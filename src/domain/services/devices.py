"""Device binding by magic link or code, and the management of bound devices.

Asking for a link answers the same, after the same work, for every email: the device's
own limits, then one write of one record of the request. Right after, the server's mail
worker handles the records: only for an enrolled, enabled account whose mailbox has
room it makes the link and queues its mail, in one transaction; then it sends the mail
(D-15).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..errors import Conflict, InvalidInput, LinkRejected, NotFound
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
from ..mail_queue import MailKind, QueuedMail
from ..policy import may_manage_device_of, require_admin, require_bound
from ..ports import Clock, MailSignal, Repositories, Secrets, Storage
from ..ratelimit import SlidingWindow
from ..sign_in_mail import compose_sign_in_mail
from ..sign_in_requests import (
    MAIL_WINDOW,
    SignInLimits,
    SignInOutcome,
    SignInRequest,
    mailbox_admits,
)
from ._known_devices import KnownDevices

SIGN_IN_RECORDS_KEPT = timedelta(days=1)
ISSUE_BATCH = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkPreview:
    """What the confirmation page shows before anyone presses the button."""

    email: str
    device_addr: str
    device_label: str
    expires_at_iso: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Secrets:
    """The random values one request draws, whether or not it will use them."""

    token: str
    code: str
    nonce: str


class _NoSignal:
    def mail_queued(self) -> None:
        """Nobody to tell (tests deliver by hand)."""


class DeviceEnrollment:
    """Sign-in links, binding devices to users, and listing/renaming/revoking them."""

    def __init__(self, storage: Storage, clock: Clock, secrets: Secrets,
                 link_url: Callable[[str], str], *, lifetime: timedelta = LINK_LIFETIME,
                 limits: SignInLimits | None = None, mail_signal: MailSignal | None = None,
                 known: KnownDevices | None = None) -> None:
        """``known`` is the instance :class:`Accounts` identifies with, if any: binding
        or revoking a device makes it forget that device. ``mail_signal`` is told when
        a sign-in mail was queued."""
        self._storage = storage
        self._clock = clock
        self._secrets = secrets
        self._link_url = link_url
        self._lifetime = lifetime
        self._limits = limits or SignInLimits()
        self._per_device = SlidingWindow(self._limits.device_limit,
                                         "sign-in requests from this device")
        self._per_share = SlidingWindow(self._limits.share_limit,
                                        "sign-in requests for this email from this device")
        self._signal: MailSignal = mail_signal or _NoSignal()
        self._known = known

    @property
    def limits(self) -> SignInLimits:
        """The sign-in limits in force."""
        return self._limits

    async def request_link(self, caller: Caller, *, email: str, device_label: str) -> None:
        """Record a request for a link and code for ``email``; they are mailed shortly
        after, if the email is enrolled and enabled and its mailbox has room.

        The request path is the same for every email: the device's own limits, then one
        write of one record. Nobody can tell enrolled from unknown, disabled or capped
        emails by the answer or its time. Refusals (``RateLimited``) come only from the
        calling device's own budgets, which count every email alike.
        """
        address = normalize_email(email)
        label = clean_device_label(device_label)
        if isinstance(caller, CallerIdentity):
            raise Conflict("this device is already bound; revoke it before binding it again")
        now = self._clock.now()
        device = caller.device_addr
        self._per_device.hit(device, now)
        self._per_share.hit((device, address), now)

        def record(repos: Repositories) -> None:
            log = repos.sign_in_requests
            log.add(SignInRequest(id=log.next_id(), at=now, device_addr=device,
                                  device_label=label, email=address))

        await self._storage.write(record)
        self._signal.mail_queued()

    async def issue_requested_links(self, *, limit: int = ISSUE_BATCH) -> bool:
        """Handle up to ``limit`` recorded requests in one write; ``True`` if more wait.

        For each, oldest first: an enrolled, enabled email whose mailbox has room gets a
        new link (the device's older pending one for that account is withdrawn) and its
        mail is queued in the same transaction; the others are recorded as what they
        were. The mail worker runs this right after the requests were answered.
        """

        def issue(repos: Repositories) -> int:
            requests = repos.sign_in_requests.received(limit=limit)
            for request in requests:
                self._handle(repos, request)
            return len(requests)

        handled = await self._storage.write(issue)
        return handled >= limit

    def _handle(self, repos: Repositories, request: SignInRequest) -> None:
        now = self._clock.now()
        user = repos.users.by_email(request.email or "")
        user_id = None if user is None else user.id
        mailed = repos.sign_in_requests.mailed_since(user_id, request.at - MAIL_WINDOW)
        outcome = self._outcome(user, mailed, request.device_addr)
        link_id = None
        if user is not None and outcome is SignInOutcome.MAILED:
            for old in repos.magic_links.for_device(request.device_addr):
                if old.user_id == user.id and old.is_pending(now):
                    repos.magic_links.update(old.withdrawn())
            link_id = self._issue(repos, user, request.device_addr, request.device_label,
                                  drawn=self._draw(), now=now).id
        repos.sign_in_requests.update(request.handled(outcome, user_id=user_id,
                                                      link_id=link_id))

    def _outcome(self, user: User | None, mailed: list[SignInRequest],
                 device: str) -> SignInOutcome:
        if user is None:
            return SignInOutcome.UNKNOWN
        if user.status is UserStatus.DISABLED:
            return SignInOutcome.DISABLED
        if mailbox_admits(self._limits, mailed, device):
            return SignInOutcome.MAILED
        return SignInOutcome.MAILBOX_FULL

    def _draw(self) -> _Secrets:
        # The Message-ID nonce first: tests read the link token as the newest token.
        nonce = self._secrets.token()
        return _Secrets(token=self._secrets.token(),
                        code=self._secrets.code(CODE_ALPHABET, CODE_LENGTH), nonce=nonce)

    def _issue(self, repos: Repositories, user: User, device: str, label: str, *,
               drawn: _Secrets, now: datetime) -> MagicLink:
        """A new pending link and its mail, queued in the caller's transaction."""
        link = new_link(
            link_id=repos.magic_links.next_id(), user_id=user.id, device_addr=device,
            device_label=label, token=drawn.token, code=drawn.code, now=now,
            lifetime=self._lifetime,
        )
        repos.magic_links.add(link)
        mail_id = repos.mail_queue.next_id()
        mail = compose_sign_in_mail(
            to=user.email, project_name=repos.project.settings().name,
            link_url=self._link_url(drawn.token), code=drawn.code, device_label=label,
            device_addr=device, minutes=int(self._lifetime.total_seconds() // 60),
            message_key=f"sign-in.{mail_id}.{drawn.nonce[:22]}",
        )
        repos.mail_queue.add(QueuedMail(
            id=mail_id, kind=MailKind.SIGN_IN, recipient=mail.to, subject=mail.subject,
            text=mail.text, html=mail.html, message_key=mail.message_key or "",
            created_at=now, queued_at=now, not_after=link.expires_at, next_attempt_at=now,
        ))
        return link

    async def recent_requests(self, caller: Caller, *, limit: int = 100
                              ) -> list[SignInRequest]:
        """The newest sign-in requests and what they led to (admins only)."""
        require_admin(caller)
        return await self._storage.read(lambda r: r.sign_in_requests.recent(limit=limit))

    async def forget_old_requests(self) -> int:
        """Drop request records older than a day (they only feed the hourly limits)."""
        before = self._clock.now() - SIGN_IN_RECORDS_KEPT
        return await self._storage.write(lambda r: r.sign_in_requests.forget_before(before))

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
        """Replace a pending link with a fresh one for the same device and queue its mail.

        The operator's own action: it is not counted against the mailbox's shares.
        """
        require_admin(caller)
        now = self._clock.now()
        drawn = self._draw()

        def reissue(repos: Repositories) -> MagicLink:
            old = repos.magic_links.get(link_id)
            if old is None:
                raise NotFound(f"sign-in link {link_id} does not exist")
            if old.consumed_at is not None:
                raise InvalidInput("link_id", "that link was already used")
            user = repos.users.get(old.user_id)
            if user is None or user.status is UserStatus.DISABLED:
                raise Conflict("the account of that link is disabled")
            repos.magic_links.update(old.withdrawn())
            return self._issue(repos, user, old.device_addr, old.device_label, drawn=drawn,
                               now=now)

        link = await self._storage.write(reissue)
        self._signal.mail_queued()
        return link
