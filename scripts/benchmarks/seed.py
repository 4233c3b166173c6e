"""People, devices and tickets written straight into a database before the server starts.

Binding a thousand devices through ``auth.request_link`` and the emailed code would
take minutes and measure the sign-in flow instead of what the benchmark is about, so
the harness writes users (status ``active``) and their ``device_bindings`` rows with
the SQLite adapter's own repositories while no server runs, exactly the rows that
``auth.confirm`` would have left. The server then starts on that file as usual.

On the loopback overlay a device is a 127.x.y.z address; each group of devices gets
its own second octet (a "block"), so the groups never overlap.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hero_assistance.adapters.sqlite import SqliteStorage
from hero_assistance.domain.identity import DeviceBinding, Role, User, UserStatus
from hero_assistance.domain.ports import Repositories
from hero_assistance.domain.project import ProjectSettings
from hero_assistance.domain.tickets import Priority, Ticket, TicketStatus

PROJECT = "Benchmark"
SUBJECT = "Printer on the third floor jams on every second page"
BODY = "Since the update on Monday the printer stops with a paper jam after one page."

# Second octets of the device groups.
LOAD_AGENTS = 10  # message.post, reads, echo: 64 devices of 8 agents
LOAD_CUSTOMERS = 11  # ticket.create: 64 customers, one device each
POSTER = 12  # the agent who posts during fan-out
WATCHING_AGENTS = 20  # fan-out on one project: agents, 10 devices each
OWNERS = 21  # fan-out spread: customers, one device and one ticket each


def device_address(block: int, index: int) -> str:
    """The ``index``-th device address of a block (250 per third octet)."""
    return f"127.{block}.{index // 250}.{index % 250 + 1}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """``users`` people of one role with ``devices_per_user`` devices each."""

    name: str
    role: Role
    users: int
    devices_per_user: int
    block: int

    def addresses(self) -> list[str]:
        """Every device address of the group, user by user."""
        return [device_address(self.block, i) for i in range(self.users * self.devices_per_user)]


def standard_groups(subscribers: int) -> list[Group]:
    """The people of a benchmark project with ``subscribers`` fan-out devices."""
    return [
        Group(name="load-agent", role=Role.AGENT, users=8, devices_per_user=8, block=LOAD_AGENTS),
        Group(name="load-customer", role=Role.CUSTOMER, users=64, devices_per_user=1,
              block=LOAD_CUSTOMERS),
        Group(name="poster", role=Role.AGENT, users=1, devices_per_user=1, block=POSTER),
        Group(name="watcher", role=Role.AGENT, users=max(1, subscribers // 10),
              devices_per_user=10, block=WATCHING_AGENTS),
        Group(name="owner", role=Role.CUSTOMER, users=subscribers, devices_per_user=1,
              block=OWNERS),
    ]


@dataclass(frozen=True, slots=True)
class Seeded:
    """What was written: user ids per group, and the owners' tickets in owner order."""

    users: dict[str, list[int]]
    owner_tickets: list[int]


def _write(groups: list[Group], now: datetime, repos: Repositories) -> Seeded:
    users: dict[str, list[int]] = {}
    for group in groups:
        ids = users.setdefault(group.name, [])
        addresses = iter(group.addresses())
        for n in range(group.users):
            user = User(id=repos.users.next_id(), email=f"{group.name}-{n}@bench.invalid",
                        display_name=f"{group.name} {n}", role=group.role,
                        status=UserStatus.ACTIVE, created_at=now)
            repos.users.add(user)
            ids.append(user.id)
            for d in range(group.devices_per_user):
                repos.devices.add(DeviceBinding(address=next(addresses), user_id=user.id,
                                                label=f"bench {d}", bound_at=now,
                                                last_seen=now))
    tickets = []
    for owner in users.get("owner", []):
        ticket = Ticket(id=repos.tickets.next_id(), subject=SUBJECT, body=BODY,
                        status=TicketStatus.NEW, priority=Priority.NORMAL, tags=("printer",),
                        requester_id=owner, assignee_id=None, created_at=now, updated_at=now)
        repos.tickets.add(ticket)
        tickets.append(ticket.id)
    return Seeded(users=users, owner_tickets=tickets)


async def _seed(path: Path, groups: list[Group]) -> Seeded:
    now = datetime.now(UTC)
    async with await SqliteStorage.open(path, ProjectSettings(name=PROJECT)) as store:
        return await store.write(lambda repos: _write(groups, now, repos))


def seed(path: Path, groups: list[Group]) -> Seeded:
    """Create (or migrate) the database at ``path`` and write ``groups`` into it."""
    return asyncio.run(_seed(path, groups))
