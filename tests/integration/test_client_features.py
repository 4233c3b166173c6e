"""The client library against one real server: sign-in, attachments with progress,
presence heartbeats, the inbox and its read markers, typed refusals, unfollowing."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from PIL import Image

from hero_assistance.adapters.support_rpc.wire import MessageView
from hero_assistance.apps.client import (
    BackoffPolicy,
    ConnectionSettings,
    DeviceNotBoundError,
    ForbiddenError,
    IllegalTransitionError,
    InvalidParamsError,
    LinkRejectedError,
    LoopbackDeviceOverlay,
    NotFoundError,
    ProjectConnection,
    SupportClient,
)
from hero_assistance.domain.identity import Role
from hero_assistance.domain.tickets import TicketStatus

from .client_harness import ServerProcess, running_servers

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CUSTOMER_EMAIL = "cora@example.com"
AGENT_EMAIL = "abe@example.com"
FAST = ConnectionSettings(connect_timeout=2, call_timeout=5, heartbeat_interval=0.2,
                          unbound_poll_interval=0.2,
                          backoff=BackoffPolicy(initial=0.05, maximum=0.5))


def noisy_png(side: int = 300) -> bytes:
    """A PNG that does not compress: big enough to upload in several chunks."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll ``check`` until it holds (at most 10 s)."""
    for _ in range(200):
        if await check():
            return
        await anyio.sleep(0.05)
    raise AssertionError("the condition never held")


@dataclass
class People:
    """Cora (a customer) and Abe (an agent), each on a device of their own."""

    server: ServerProcess
    customer: SupportClient
    agent: SupportClient

    @property
    def cora(self) -> ProjectConnection:
        return self.customer.project(self.server.name)

    @property
    def abe(self) -> ProjectConnection:
        return self.agent.project(self.server.name)

    async def sign_in(self) -> None:
        cora = await self.customer.follow(self.server.url, self.server.name)
        with pytest.raises(DeviceNotBoundError):
            await cora.list_tickets()
        await cora.request_link(CUSTOMER_EMAIL, device_label="laptop")
        with pytest.raises(LinkRejectedError):
            await cora.confirm("AAAA-AAAA")
        await cora.confirm(self.server.sign_in_code(CUSTOMER_EMAIL))
        assert cora.state.role is Role.CUSTOMER
        abe = await self.agent.follow(self.server.url, self.server.name)
        await abe.request_link(AGENT_EMAIL, device_label="desk")
        await abe.confirm(self.server.sign_in_code(AGENT_EMAIL))
        assert abe.state.role is Role.AGENT

    async def picture_round_trip(self, ticket_id: int) -> MessageView:
        """An image goes up in chunks with real progress, and comes down intact."""
        picture = noisy_png()
        sent: list[tuple[int, int | None]] = []
        view = await self.cora.upload_attachment(picture,
                                                 progress=lambda d, t: sent.append((d, t)))
        assert view.sha256 == hashlib.sha256(picture).hexdigest()
        assert len(sent) > 3
        assert [d for d, _ in sent] == sorted(d for d, _ in sent)
        assert sent[-1] == (len(picture), len(picture))
        message = await self.cora.post_message(ticket_id, "Here it is",
                                               attachments=[view.sha256])
        received: list[int] = []
        data = await self.abe.download_attachment(
            view.sha256, progress=lambda d, _t: received.append(d))
        assert data == picture
        assert received[-1] == len(picture)
        assert (await self.abe.attachment_info(view.sha256)).width == 300
        return message

    async def presence(self, ticket_id: int) -> None:
        """Heartbeats: each side sees the other on the ticket."""
        self.cora.set_activity(viewing_ticket_id=ticket_id, typing=True)
        self.abe.set_activity(viewing_ticket_id=ticket_id)

        async def agent_sees_cora_typing() -> bool:
            return any(w.display_name == "Cora" and w.typing
                       for w in await self.abe.list_presence(ticket_id))

        await eventually(agent_sees_cora_typing)

    async def inbox(self, ticket_id: int, first: MessageView) -> MessageView:
        """Unread replies, who is there, read markers."""
        await self.abe.post_message(ticket_id, "Which screen?", parent_id=first.id)
        last = await self.abe.post_message(ticket_id, "And since when?")

        async def abe_is_listed() -> bool:
            inbox = await self.customer.inbox()
            return bool(inbox.items) and bool(inbox.items[0].watchers)

        await eventually(abe_is_listed)
        inbox = await self.customer.inbox()
        assert inbox.problems == {}
        [item] = inbox.items
        assert (item.label, item.ticket.id, item.unread) == (self.server.name, ticket_id, 2)
        assert item.last_message_id == last.id
        assert [w.display_name for w in item.watchers] == ["Abe"]
        assert (await self.agent.inbox()).unread == 0  # Abe answered last
        await self.customer.mark_read(self.server.name, ticket_id, last.id)
        assert (await self.customer.inbox()).unread == 0
        await self.cora.post_message(ticket_id, "Since this morning")
        assert (await self.agent.inbox()).unread == 1
        return last

    async def refusals(self, ticket_id: int) -> None:
        """Refusals arrive as typed exceptions."""
        with pytest.raises(NotFoundError):
            await self.cora.get_ticket(9999)
        with pytest.raises(ForbiddenError):
            await self.cora.update_ticket(ticket_id, status=TicketStatus.PENDING)
        with pytest.raises(InvalidParamsError) as invalid:
            await self.cora.create_ticket("")
        assert invalid.value.field == "subject"
        await self.abe.update_ticket(ticket_id, status=TicketStatus.CLOSED)
        with pytest.raises(IllegalTransitionError):
            await self.abe.update_ticket(ticket_id, status=TicketStatus.PENDING)


async def test_the_library_against_a_real_server(tmp_path: Path) -> None:
    async with running_servers(tmp_path, ["solo"]) as [server]:
        await server.enroll(CUSTOMER_EMAIL, "customer", "Cora")
        await server.enroll(AGENT_EMAIL, "agent", "Abe")
        config = tmp_path / "customer"
        customer = SupportClient(LoopbackDeviceOverlay("127.0.50.1"), config_dir=config,
                                 settings=FAST)
        agent = SupportClient(LoopbackDeviceOverlay("127.0.50.2"),
                              config_dir=tmp_path / "agent", settings=FAST)
        async with customer, agent:
            people = People(server, customer, agent)
            await people.sign_in()
            ticket = await people.cora.create_ticket("Screen is purple", body="See picture.")
            first = await people.picture_round_trip(ticket.id)
            await people.presence(ticket.id)
            last = await people.inbox(ticket.id, first)
            await people.refusals(ticket.id)
            people.cora.clear_activity()

        # A new client on the same config dir follows the same project, markers kept.
        again = SupportClient(LoopbackDeviceOverlay("127.0.50.1"), config_dir=config,
                              settings=FAST)
        async with again:
            assert [s.label for s in again.projects()] == ["solo"]
            with anyio.fail_after(10):
                await again.project("solo").wait_until(lambda s: s.bound)
            assert again.read_markers.of("solo") == {ticket.id: last.id}
            await again.unfollow("solo")
            assert again.projects() == []
            assert again.followed.load() == []
            assert again.read_markers.of("solo") == {}


async def test_a_device_bound_elsewhere_misses_nothing_from_first_contact(
    tmp_path: Path,
) -> None:
    """A long-running client that sees its device bound by another process (the CLI,
    say) streams from its first contact with the project, not from the binding."""
    slow = ConnectionSettings(connect_timeout=2, call_timeout=5, heartbeat_interval=0.2,
                              unbound_poll_interval=1.5,
                              backoff=BackoffPolicy(initial=0.05, maximum=0.5))
    async with running_servers(tmp_path, ["late"]) as [server]:
        await server.enroll(CUSTOMER_EMAIL, "customer", "Cora")
        await server.enroll(AGENT_EMAIL, "agent", "Abe")
        watcher = SupportClient(LoopbackDeviceOverlay("127.0.51.1"),
                                config_dir=tmp_path / "watcher", settings=slow)
        agent = SupportClient(LoopbackDeviceOverlay("127.0.51.2"),
                              config_dir=tmp_path / "agent", settings=FAST)
        async with watcher, agent:
            await watcher.follow(server.url, server.name)
            abe = await agent.follow(server.url, server.name)
            await abe.request_link(AGENT_EMAIL, device_label="desk")
            await abe.confirm(server.sign_in_code(AGENT_EMAIL))
            # Another process on the watcher's device binds it, and at once a ticket
            # is filed for that person, before the watcher's next look at the project.
            other = ProjectConnection(server.name, server.url,
                                      LoopbackDeviceOverlay("127.0.51.1"), settings=slow)
            async with other:
                await other.request_link(CUSTOMER_EMAIL, device_label="cli")
                await other.confirm(server.sign_in_code(CUSTOMER_EMAIL))
                me = (await other.whoami()).user
                assert me is not None
                filed = await abe.create_ticket("Filed while nobody watched",
                                                requester_id=me.id)
            with anyio.fail_after(15):
                async for label, event in watcher.events():
                    if event.kind == "ticket.created":
                        assert (label, event.ticket_id) == (server.name, filed.id)
                        break
