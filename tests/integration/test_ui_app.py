"""The Support tab's server in this process, over a client that follows the real server.

``serve_ui`` runs on a free loopback port; HTTP and WebSocket clients play the
browser. What the page relies on is checked here; the page itself is driven in
``tests/browser``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import os
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from PIL import Image
from websockets.asyncio.client import ClientConnection, connect

from hero_assistance.apps.client import LoopbackDeviceOverlay, SupportClient
from hero_assistance.apps.client.service import EventFanout, build_client_registry
from hero_assistance.apps.client.settings import ConnectionSettings
from hero_assistance.apps.client.ui import UiSettings
from hero_assistance.apps.client.ui.runner import serve_ui

from .server_harness import Person, ServerProcess, start_server

pytestmark = pytest.mark.anyio

PROJECT = "acme"
NOBODY = 65534
# Everything is imported before giving up root: the interpreter's files may be root's.
POST_AS = ("import encodings.idna, os, socket, sys; os.setgid({uid}); os.setuid({uid}); "
           "s = socket.create_connection(('127.0.0.1', {port})); s.sendall({request!r}); "
           "print(s.recv(200).split(b'\\r\\n')[0].decode(), flush=True)")
SPOOFS = [
    {},
    {"X-Forwarded-For": "127.0.0.1"},
    {"X-Forwarded-For": "10.9.8.7", "X-Real-IP": "10.9.8.7", "Forwarded": "for=10.9.8.7"},
]
_addresses = itertools.count(2)


def _device() -> str:
    """A loopback device address of this module's own block, new on every call."""
    return f"127.0.88.{next(_addresses)}"


@dataclass
class Tab:
    """A running tab server and what it serves."""

    url: str
    person: Person
    http: httpx.AsyncClient

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
        if params is not None:
            body["params"] = params
        answer = (await self.http.post("/rpc", json=body)).json()
        assert "result" in answer, answer
        return answer["result"]

    def socket(self) -> Any:
        return connect(self.url.replace("http", "ws") + "rpc", proxy=None,
                       origin=self.url.rstrip("/"))  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running_tab(server: ServerProcess, person: Person, config_dir: Path,
                      **settings: Any) -> AsyncIterator[Tab]:
    client = SupportClient(LoopbackDeviceOverlay(person.address), config_dir=config_dir,
                           settings=ConnectionSettings())
    async with client:
        connection = await client.follow(server.base_url, PROJECT)
        async with asyncio.timeout(10):
            await connection.wait_until(lambda s: s.streaming)
        async with EventFanout(client) as fanout:
            ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            stop = asyncio.Event()
            task = asyncio.create_task(serve_ui(
                client, build_client_registry(client), fanout,
                UiSettings(port=0, **settings), on_ready=ready.set_result, stop=stop))
            try:
                url = await asyncio.wait_for(ready, 10)
                async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=10) as http:
                    yield Tab(url, person, http)
            finally:
                stop.set()
                await task


def _png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _frames_until(socket: ClientConnection, predicate: Any) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            frame = msgspec.json.decode(await socket.recv())
            if predicate(frame):
                return frame  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A project server of this module's own (the session's limits its operator's writes)."""
    running = start_server(tmp_path_factory.mktemp("ui-server"))
    try:
        yield running
    finally:
        assert running.stop() == 0, running.log()


@pytest.fixture(scope="module")
def customer(server: ServerProcess) -> Person:
    return server.person("customer", _device())


@pytest.fixture(scope="module")
def agent(server: ServerProcess) -> Person:
    return server.person("agent", _device())


async def test_the_page_and_its_assets_come_from_the_package(
        server: ServerProcess, customer: Person, tmp_path: Path) -> None:
    async with running_tab(server, customer, tmp_path) as tab:
        page = await tab.http.get("/")
        assert page.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
        module = await tab.http.get("/static/tab.js")
        assert module.headers["content-type"].startswith("text/javascript")
        assert b"customElements.define" in module.content
        again = await tab.http.get("/static/tab.js",
                                   headers={"If-None-Match": module.headers["etag"]})
        assert again.status_code == 304
        for missing in ("/static/nothing.js", "/static/..%2Fcommand.py", "/nope"):
            assert (await tab.http.get(missing)).status_code == 404, missing
        embed = await tab.http.get("/embed.js")
        assert embed.headers["cross-origin-resource-policy"] == "cross-origin"


async def test_calls_and_live_events_over_the_socket_and_presence_cleared_on_close(
        server: ServerProcess, customer: Person, agent: Person, tmp_path: Path) -> None:
    async with running_tab(server, customer, tmp_path) as tab:
        async with tab.socket() as socket:
            await socket.send('{"jsonrpc":"2.0","id":1,"method":"events.subscribe","params":{}}')
            subscribed = await _frames_until(socket, lambda f: f.get("id") == 1)
            assert subscribed["result"]["states"][0]["bound"]
            ticket = await tab.call("ticket.create", {"project": PROJECT, "subject": "Live?"})
            event = await _frames_until(socket, lambda f: f.get("method") == "client.event")
            assert event["params"]["project"] == PROJECT
            assert event["params"]["event"]["data"]["ticket"]["id"] == ticket["id"]
            await socket.send(msgspec.json.encode({
                "jsonrpc": "2.0", "id": 2, "method": "presence.update",
                "params": {"project": PROJECT, "viewing_ticket_id": ticket["id"]}}).decode())
            await _frames_until(socket, lambda f: f.get("id") == 2)
            watchers = await _watchers(server, agent, ticket["id"], present=True)
            assert [w["user_id"] for w in watchers] == [customer.user_id]
        # The page went away without a word: the tab server signs it off.
        assert await _watchers(server, agent, ticket["id"], present=False) == []


async def _watchers(server: ServerProcess, agent: Person, ticket_id: int, *,
                    present: bool) -> list[Any]:
    transport = httpx.AsyncHTTPTransport(local_address=agent.address)
    async with httpx.AsyncClient(transport=transport, base_url=server.base_url) as http, \
            asyncio.timeout(10):
        while True:
            answer = (await http.post("/rpc", json={
                "jsonrpc": "2.0", "id": 1, "method": "presence.list",
                "params": {"ticket_id": ticket_id}})).json()
            if bool(answer["result"]) is present:
                return answer["result"]  # type: ignore[no-any-return]
            await asyncio.sleep(0.05)


async def test_images_go_up_and_come_back_as_what_their_bytes_are(
        server: ServerProcess, customer: Person, tmp_path: Path) -> None:
    async with running_tab(server, customer, tmp_path) as tab:
        up = await tab.http.post(f"/attachments/{PROJECT}", content=_png(),
                                 headers={"content-type": "image/png"})
        assert up.status_code == 201, up.text
        sha = up.json()["sha256"]
        down = await tab.http.get(f"/attachments/{PROJECT}/{sha}")
        assert down.status_code == 200
        assert down.headers["content-type"] == "image/png"
        assert down.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in down.headers["content-security-policy"]
        assert Image.open(io.BytesIO(down.content)).size == (40, 30)
        not_image = await tab.http.post(f"/attachments/{PROJECT}", content=b"<svg onload=x>",
                                        headers={"content-type": "image/png"})
        assert not_image.status_code == 400
        assert not_image.json()["error"]["code"] == -32602
        unknown = await tab.http.get(f"/attachments/globex/{sha}")
        assert unknown.status_code == 404
        assert (await tab.http.get(f"/attachments/{PROJECT}/not-a-sha")).status_code == 404


async def test_a_one_project_tab_serves_only_that_project(
        server: ServerProcess, customer: Person, tmp_path: Path) -> None:
    async with running_tab(server, customer, tmp_path, project=PROJECT) as tab:
        states = await tab.call("client.projects")
        assert [s["label"] for s in states] == [PROJECT]
        page = await tab.call("ticket.list", {"status": []})
        assert all(item["project"] == PROJECT for item in page["items"])
        refused = (await tab.http.post("/rpc", json={
            "jsonrpc": "2.0", "id": 1, "method": "client.follow",
            "params": {"address": "http://127.0.0.9:1"}})).json()
        assert refused["error"]["code"] == -32002
        other = await tab.http.post("/attachments/globex", content=_png(),
                                    headers={"content-type": "image/png"})
        assert other.status_code == 404


HOSTILE = [
    b"[" * 5000 + b"]" * 5000,
    b'{"jsonrpc":"2.0","id":1e400,"method":"client.projects"}',
    b'{"jsonrpc":"2.0","id":[1],"method":"client.projects"}',
    (b'{"jsonrpc":"2.0","id":2,"method":"ticket.get","params":{"project":"acme",'
    b'"ticket_id":18446744073709551616}}'),
    (b'{"jsonrpc":"2.0","id":3,"method":"ticket.create","params":{"project":"acme",'
    b'"subject":"\xff"}}'),
    b'{"jsonrpc":"2.0","id":4,"method":"ticket.list","params":7}',
]


@pytest.mark.parametrize("scoped", [False, True], ids=["all-projects", "one-project"])
async def test_hostile_messages_get_errors_and_the_tab_socket_stays(
        server: ServerProcess, customer: Person, tmp_path: Path,
        caplog: pytest.LogCaptureFixture, scoped: bool) -> None:
    settings = {"project": PROJECT} if scoped else {}
    async with running_tab(server, customer, tmp_path, **settings) as tab:
        posted = [await tab.http.post("/rpc", content=body,
                                      headers={"content-type": "application/json"})
                  for body in HOSTILE]
        async with tab.socket() as socket:
            for body in HOSTILE:
                try:
                    await socket.send(body.decode())
                except UnicodeDecodeError:
                    await socket.send(body)
                frame = await _frames_until(socket, lambda f: "method" not in f)
                assert frame["error"]["code"] != -32603, frame
            assert (await tab.call("client.projects"))[0]["label"] == PROJECT

    assert [r.status_code for r in posted] == [200] * len(HOSTILE)
    assert all(r.json()["error"]["code"] in (-32700, -32600, -32602) for r in posted)
    assert not [r for r in caplog.records if r.exc_info]


def _raw_post(port: int, headers: dict[str, str]) -> bytes:
    body = b'{"jsonrpc":"2.0","id":1,"method":"client.projects"}'
    lines = [b"POST /rpc HTTP/1.1", b"Host: 127.0.0.1:%d" % port,
             b"Content-Type: application/json", b"Content-Length: %d" % len(body),
             *(f"{name}: {value}".encode() for name, value in headers.items())]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@pytest.mark.skipif(not Path("/proc/net/tcp").exists() or os.geteuid() != 0,
                    reason="needs Linux /proc/net/tcp and root (to connect as another user)")
async def test_no_header_makes_another_users_process_this_users(
        server: ServerProcess, customer: Person, tmp_path: Path) -> None:
    async with running_tab(server, customer, tmp_path) as tab:
        port = int(tab.url.rsplit(":", 1)[1].strip("/"))
        for headers in SPOOFS:
            other = await asyncio.create_subprocess_exec(
                sys.executable, "-c", POST_AS.format(uid=NOBODY, port=port,
                                                     request=_raw_post(port, headers)),
                stdout=asyncio.subprocess.PIPE)
            out, _ = await asyncio.wait_for(other.communicate(), 20)
            assert out.decode().strip() == "HTTP/1.1 403 Forbidden", (headers, out)
            mine = await tab.http.post("/rpc", headers=headers, json={
                "jsonrpc": "2.0", "id": 1, "method": "client.projects"})
            assert mine.status_code == 200, (headers, mine.text)
