"""One device follows three real project servers; one of them crashes and comes back.

What a person juggling projects relies on: the merged event stream delivers every
event of every project exactly once and in order, even across a server's SIGKILL and
restart and a stream the server drops; while one server is down the others keep
flowing; and calls to the down one fail at once instead of hanging.
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import pytest

from hero_assistance.adapters.support_rpc.wire import EventView
from hero_assistance.apps.client import (
    BackoffPolicy,
    ConnectionSettings,
    LoopbackDeviceOverlay,
    Phase,
    ProjectState,
    SupportClient,
    SupportClientError,
    UnreachableError,
)
from hero_assistance.domain.events import EventKind
from hero_assistance.domain.tickets import TicketStatus

from .client_harness import ServerProcess, running_servers

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CUSTOMER_DEVICE = "127.0.50.1"
AGENT_DEVICE = "127.0.50.2"
CUSTOMER_EMAIL = "cora@example.com"
AGENT_EMAIL = "abe@example.com"
FAST = ConnectionSettings(connect_timeout=2, call_timeout=5, heartbeat_interval=1,
                          unbound_poll_interval=0.5,
                          backoff=BackoffPolicy(initial=0.05, maximum=0.5))
WAIT = 10.0


def bodies(events: list[EventView]) -> list[str]:
    """Bodies of the new messages among ``events``."""
    found = []
    for event in events:
        if event.kind is EventKind.MESSAGE_CREATED:
            message = event.data["message"]
            assert isinstance(message, dict)
            found.append(str(message["body"]))
    return found


class MergedStream:
    """Reads a client's merged event stream, noting what arrived during an outage."""

    def __init__(self) -> None:
        self.events: dict[str, list[EventView]] = defaultdict(list)
        self.during_outage: dict[str, list[EventView]] = defaultdict(list)
        self.outage = False
        self._arrived = anyio.Event()

    async def read(self, client: SupportClient) -> None:
        async with contextlib.aclosing(client.events()) as stream:
            async for label, event in stream:
                self.events[label].append(event)
                if self.outage:
                    self.during_outage[label].append(event)
                self._arrived.set()
                self._arrived = anyio.Event()

    async def wait_for(self, label: str, check: Callable[[list[EventView]], bool]) -> None:
        with anyio.fail_after(WAIT):
            while not check(self.events[label]):
                await self._arrived.wait()


async def wait_state(client: SupportClient, label: str,
                     check: Callable[[ProjectState], bool]) -> None:
    with anyio.fail_after(WAIT):
        await client.project(label).wait_until(check)


@dataclass
class Scenario:
    """A customer device and an agent device following the same three servers."""

    servers: list[ServerProcess]
    customer: SupportClient
    agent: SupportClient
    merged: MergedStream = field(default_factory=MergedStream)
    tickets: dict[str, int] = field(default_factory=dict)

    async def sign_in(self, client: SupportClient, email: str) -> None:
        """On every server: ask for a link, read the code from the outbox, confirm it."""
        for server in self.servers:
            project = client.project(server.name)
            await project.request_link(email, device_label="test device")
            await project.confirm(server.sign_in_code(email))
            assert project.state.bound
            assert project.state.user is not None
            assert project.state.user.email == email

    async def open_and_answer_tickets(self) -> None:
        """All three up: a ticket on each, opened and answered by the agent."""
        for server in self.servers:
            ticket = await self.customer.project(server.name).create_ticket(
                f"{server.name}: printer on fire", body="It smokes.")
            self.tickets[server.name] = ticket.id
            agent = self.agent.project(server.name)
            await agent.update_ticket(ticket.id, status=TicketStatus.OPEN)
            await agent.post_message(ticket.id, "Looking into it")
        for server in self.servers:
            await self.merged.wait_for(server.name, lambda e: "Looking into it" in bodies(e))

    async def kill_mid_burst(self, server: ServerProcess) -> None:
        """Kill ``server`` while the agent posts a burst of replies on it."""

        async def burst() -> None:
            with contextlib.suppress(SupportClientError):
                for step in range(100):
                    await self.agent.project(server.name).post_message(
                        self.tickets[server.name], f"step {step}")

        async with anyio.create_task_group() as group:
            group.start_soon(burst)
            await self.merged.wait_for(
                server.name, lambda e: sum(b.startswith("step") for b in bodies(e)) >= 5)
            await server.kill()
            self.merged.outage = True
        await wait_state(self.customer, server.name, lambda s: s.phase is Phase.UNREACHABLE)

    async def others_keep_flowing(self, names: tuple[str, ...]) -> None:
        """While one server is down, the others' events still arrive."""
        for name in names:
            await self.agent.project(name).post_message(self.tickets[name], "During the outage")
            await self.customer.project(name).create_ticket(f"{name}: second question")
        for name in names:
            await self.merged.wait_for(name, lambda e: "During the outage" in bodies(e))
            assert bodies(self.merged.during_outage[name]) == ["During the outage"]
        self.merged.outage = False

    async def restart(self, server: ServerProcess) -> None:
        """Start ``server`` again on the same port and data directory."""
        await server.start()
        for client in (self.customer, self.agent):
            await wait_state(client, server.name, lambda s: s.streaming)
        await self.agent.project(server.name).post_message(self.tickets[server.name],
                                                           "Back online")
        await self.merged.wait_for(server.name, lambda e: "Back online" in bodies(e))

    async def drop_stream(self, server: ServerProcess) -> None:
        """The server drops the customer's stream (account disabled); the replies made
        meanwhile arrive after it is enabled again."""
        await server.admin("disable", CUSTOMER_EMAIL)
        await wait_state(self.customer, server.name, lambda s: not s.streaming)
        for number in (1, 2):
            await self.agent.project(server.name).post_message(
                self.tickets[server.name], f"While you were away {number}")
        await anyio.sleep(0.2)
        assert "While you were away 1" not in bodies(self.merged.events[server.name])
        await server.admin("enable", CUSTOMER_EMAIL)
        await self.merged.wait_for(server.name,
                                   lambda e: "While you were away 2" in bodies(e))

    async def check_against_logs(self) -> None:
        """Every durable event exactly once and in order, compared with each server's
        own log read afterwards (``events.subscribe`` since 0, on a fresh socket)."""
        for server in self.servers:
            log = await server.event_log(CUSTOMER_DEVICE)
            assert log, server.name
            assert [e.seq for e in log] == sorted({e.seq for e in log})
            last = log[-1].seq
            await self.merged.wait_for(server.name,
                                       lambda e, last=last: bool(e) and e[-1].seq == last)
            durable = [e for e in self.merged.events[server.name] if e.seq is not None]
            assert durable == log, server.name
            assert self.customer.project(server.name).last_seq == last


async def test_merged_stream_survives_a_crash_and_a_drop(tmp_path: Path) -> None:
    async with running_servers(tmp_path, ["alpha", "bravo", "charlie"]) as servers:
        async with anyio.create_task_group() as enrolling:
            for server in servers:
                enrolling.start_soon(server.enroll, CUSTOMER_EMAIL, "customer", "Cora")
                enrolling.start_soon(server.enroll, AGENT_EMAIL, "agent", "Abe")
        customer = SupportClient(LoopbackDeviceOverlay(CUSTOMER_DEVICE),
                                 config_dir=tmp_path / "customer", settings=FAST)
        agent = SupportClient(LoopbackDeviceOverlay(AGENT_DEVICE),
                              config_dir=tmp_path / "agent", settings=FAST)
        async with customer, agent, anyio.create_task_group() as tasks:
            for server in servers:
                await customer.follow(server.url, server.name, since=0)
                await agent.follow(server.url, server.name)
            scenario = Scenario(servers, customer, agent)
            await scenario.sign_in(customer, CUSTOMER_EMAIL)
            await scenario.sign_in(agent, AGENT_EMAIL)
            tasks.start_soon(scenario.merged.read, customer)
            alpha, bravo, charlie = servers

            await scenario.open_and_answer_tickets()
            await scenario.kill_mid_burst(bravo)
            started = time.monotonic()
            with pytest.raises(UnreachableError):
                await customer.project(bravo.name).get_ticket(scenario.tickets[bravo.name])
            assert time.monotonic() - started < 0.1  # no network wait on a down project
            await scenario.others_keep_flowing((alpha.name, charlie.name))
            assert not bravo.running
            await scenario.restart(bravo)
            await scenario.drop_stream(charlie)
            await scenario.check_against_logs()
            assert [s.label for s in customer.projects()] == ["alpha", "bravo", "charlie"]
            tasks.cancel_scope.cancel()
