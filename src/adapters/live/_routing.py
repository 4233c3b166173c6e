"""Interest indexes: find the few subscriptions an event may concern without a scan.

Each subscription is filed under one bucket per kind it asked for and per scope:

========================  =====================================================
bucket                    who is in it
========================  =====================================================
``(kind, STAFF_ALL)``     staff subscribed to every ticket
``(kind, STAFF, t)``      staff subscribed to ticket ``t``
``(kind, OWNER, u)``      customers subscribed to "every ticket I may see",
                          filed under their own user id ``u``
``(kind, CUSTOMER_ALL)``  the same customers again, for projects whose setting
                          lets customers see every ticket
``(kind, CUSTOMER, t)``   customers subscribed to ticket ``t``
========================  =====================================================

An event for one user (``recipient_id``: their unread state) is offered to that
user's subscriptions only, straight from the per-user index.

For an event, only the buckets of its kind that could hold a recipient are read, so
the work is proportional to the interested subscribers, never to all of them (DESIGN
section 8). The indexes only narrow the candidates: the hub still asks the domain
policy about each one, so a bug here can lose an event but never leak one.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import TypeVar

from ...domain.events import Event, EventKind
from ...domain.project import ProjectSettings
from .subscription import Subscription

_ALL_KINDS = frozenset(EventKind)
_K = TypeVar("_K")


class _Scope(Enum):
    STAFF_ALL = "staff-all"
    STAFF = "staff-ticket"
    OWNER = "customer-own"
    CUSTOMER_ALL = "customer-all"
    CUSTOMER = "customer-ticket"


_Key = tuple[EventKind, _Scope, int]
# dicts as insertion-ordered sets: delivery order is subscription order, reproducibly.
_Bucket = dict[Subscription, None]


class RoutingIndex:
    """Subscriptions filed by interest; answers "who might want this event?"."""

    def __init__(self) -> None:
        self._buckets: dict[_Key, _Bucket] = {}
        self._by_user: dict[int, _Bucket] = {}
        self._by_device: dict[str, _Bucket] = {}
        self._all: _Bucket = {}

    def __len__(self) -> int:
        return len(self._all)

    def __iter__(self) -> Iterator[Subscription]:
        return iter(tuple(self._all))

    def add(self, sub: Subscription) -> None:
        """File a subscription under every bucket it belongs to."""
        for key in _keys_of(sub):
            self._buckets.setdefault(key, {})[sub] = None
        self._by_user.setdefault(sub.who.user_id, {})[sub] = None
        self._by_device.setdefault(sub.who.device_addr, {})[sub] = None
        self._all[sub] = None

    def remove(self, sub: Subscription) -> None:
        """Take a subscription out of every bucket; empty buckets are dropped."""
        if sub not in self._all:
            return
        del self._all[sub]
        for key in _keys_of(sub):
            _discard(self._buckets, key, sub)
        _discard(self._by_user, sub.who.user_id, sub)
        _discard(self._by_device, sub.who.device_addr, sub)

    def of_user(self, user_id: int) -> tuple[Subscription, ...]:
        """Every subscription made by any device of ``user_id``."""
        return tuple(self._by_user.get(user_id, ()))

    def of_device(self, device_addr: str) -> tuple[Subscription, ...]:
        """Every subscription made from ``device_addr``."""
        return tuple(self._by_device.get(device_addr, ()))

    def candidates(self, event: Event, settings: ProjectSettings) -> list[Subscription]:
        """The subscriptions that asked for this event and may be allowed to see it.

        Each subscription appears at most once: one is either "all tickets" or
        "these tickets", and of a customer's two "all" buckets only one is read.
        """
        kind = event.kind
        ticket = event.ticket_id
        if event.recipient_id is not None:
            return [sub for sub in self._by_user.get(event.recipient_id, ())
                    if (sub.kinds is None or kind in sub.kinds)
                    and (sub.ticket_ids is None or ticket in sub.ticket_ids)]
        keys: list[_Key] = [(kind, _Scope.STAFF_ALL, 0)]
        if ticket is None and kind.is_project_wide and not event.internal:
            # Every "all tickets" subscription, customers' too: each once, from its
            # CUSTOMER_ALL filing (the OWNER filing is per user, so not read here).
            keys.append((kind, _Scope.CUSTOMER_ALL, 0))
        if ticket is not None:
            keys.append((kind, _Scope.STAFF, ticket))
            # Internal events (notes, customers' own presence) are for staff only, so
            # customer buckets are not even read: with every customer allowed to see
            # every ticket, reading them would visit every customer for nothing.
            if not event.internal:
                keys.append((kind, _Scope.CUSTOMER, ticket))
                if settings.customers_see_all_tickets:
                    keys.append((kind, _Scope.CUSTOMER_ALL, 0))
                elif event.requester_id is not None:
                    keys.append((kind, _Scope.OWNER, event.requester_id))
        found: list[Subscription] = []
        for key in keys:
            bucket = self._buckets.get(key)
            if bucket:
                found.extend(bucket)
        return found


def _keys_of(sub: Subscription) -> list[_Key]:
    kinds = _ALL_KINDS if sub.kinds is None else sub.kinds
    staff = sub.who.role.is_staff
    if sub.ticket_ids is None:
        if staff:
            return [(kind, _Scope.STAFF_ALL, 0) for kind in kinds]
        own = sub.who.user_id
        return [key for kind in kinds
                for key in ((kind, _Scope.OWNER, own), (kind, _Scope.CUSTOMER_ALL, 0))]
    scope = _Scope.STAFF if staff else _Scope.CUSTOMER
    return [(kind, scope, ticket) for kind in kinds for ticket in sub.ticket_ids]


def _discard(index: dict[_K, _Bucket], key: _K, sub: Subscription) -> None:
    bucket = index.get(key)
    if bucket is None:
        return
    bucket.pop(sub, None)
    if not bucket:
        del index[key]
