"""Policy functions on their own: the role gates and event routing without a ticket."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hero_assistance.domain.errors import DeviceNotBound, Forbidden
from hero_assistance.domain.events import Event, EventKind
from hero_assistance.domain.identity import CallerIdentity, Role, UnboundDevice
from hero_assistance.domain.policy import (
    event_visible_to,
    require_admin,
    require_bound,
    require_staff,
)
from hero_assistance.domain.project import ProjectSettings

CUSTOMER = CallerIdentity(user_id=1, device_addr="400::1", role=Role.CUSTOMER)
AGENT = CallerIdentity(user_id=2, device_addr="400::2", role=Role.AGENT)
ADMIN = CallerIdentity(user_id=3, device_addr="400::3", role=Role.ADMIN)
STRANGER = UnboundDevice(device_addr="400::99")


def test_role_gates() -> None:
    for gate in (require_bound, require_staff, require_admin):
        with pytest.raises(DeviceNotBound, match="400::99 is not bound"):
            gate(STRANGER)
    assert require_bound(CUSTOMER) is CUSTOMER
    with pytest.raises(Forbidden, match="agents and admins"):
        require_staff(CUSTOMER)
    assert require_staff(AGENT) is AGENT
    assert require_staff(ADMIN) is ADMIN
    for who in (CUSTOMER, AGENT):
        with pytest.raises(Forbidden, match="only admins"):
            require_admin(who)
    assert require_admin(ADMIN) is ADMIN


@pytest.mark.parametrize("see_all", [False, True])
def test_events_about_no_ticket_go_to_staff_only(see_all: bool) -> None:
    settings = ProjectSettings(name="p", customers_see_all_tickets=see_all)
    event = Event(seq=None, kind=EventKind.PRESENCE_CHANGED, ticket_id=None,
                  requester_id=CUSTOMER.user_id, internal=False,
                  occurred_at=datetime(2026, 1, 1, tzinfo=UTC), data={})
    assert [event_visible_to(w, event, settings) for w in (CUSTOMER, AGENT, ADMIN)] == [
        False, True, True]
