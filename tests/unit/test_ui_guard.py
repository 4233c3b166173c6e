"""The tab server's guard: which browser requests reach the app, and CORS answers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hero_assistance.adapters.serving import TRANSPORT_EXTENSION
from hero_assistance.apps.client.ui.guard import BrowserGuard, Message

pytestmark = pytest.mark.anyio

OWN = "127.0.0.1:7340"
HOST_PAGE = "https://console.example.com"


async def _app(scope: dict[str, Any], _receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": scope["path"].encode()})


SOCKET_CLIENT = ("127.0.0.1", 50123)
SOCKET_SERVER = ("127.0.0.1", 7340)


def _from_socket(app: Any, client: Any = SOCKET_CLIENT) -> Any:
    """``app`` behind what the guarded protocol adds: the socket's own addresses."""
    async def stamped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        record = {"client": client, "server": SOCKET_SERVER}
        scope = {**scope, "extensions": {**scope.get("extensions", {}),
                                         TRANSPORT_EXTENSION: record}}
        await app(scope, receive, send)
    return stamped


def _client(owner: bool | None = True, *, stamped: bool = True) -> httpx.AsyncClient:
    guard = BrowserGuard(_app, hosts=[OWN, "localhost:7340"], embed_origins=[HOST_PAGE],
                         owner_check=lambda _client, _server: owner)
    app = _from_socket(guard) if stamped else guard
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url=f"http://{OWN}")


@pytest.mark.parametrize("headers", [
    {},
    {"Origin": f"http://{OWN}"},
    {"Origin": "http://localhost:7340", "Host": "localhost:7340"},
    {"Origin": HOST_PAGE},
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},
])
async def test_own_pages_allowed_host_pages_and_local_programs_are_served(
        headers: dict[str, str]) -> None:
    async with _client() as client:
        response = await client.post("/rpc", headers=headers)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("headers", [
    {"Host": "evil.example:7340"},  # DNS rebinding
    {"Host": "127.0.0.1:9999"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
async def test_foreign_pages_are_refused(headers: dict[str, str]) -> None:
    async with _client() as client:
        rpc = await client.post("/rpc", headers=headers)
        image = await client.get(f"/attachments/acme/{'a' * 64}", headers=headers)
    assert rpc.status_code == image.status_code == 403
    assert "403 Forbidden" in rpc.text


@pytest.mark.parametrize(("owner", "status"), [(True, 200), (None, 200), (False, 403)])
async def test_only_this_users_processes_are_served(owner: bool | None, status: int) -> None:
    async with _client(owner) as client:
        rpc = await client.post("/rpc")
        page = await client.get("/")
    assert rpc.status_code == page.status_code == status


async def test_the_owner_is_asked_about_the_socket_not_the_scope_client() -> None:
    asked: list[tuple[Any, Any]] = []

    def owner(client: Any, server: Any) -> bool:
        asked.append((client, server))
        return False

    guard = BrowserGuard(_app, hosts=[OWN], embed_origins=[], owner_check=owner)
    # What a proxy-header middleware would have made of X-Forwarded-For: 10.1.2.3.
    transport = httpx.ASGITransport(app=_from_socket(guard), client=("10.1.2.3", 0))
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{OWN}") as client:
        response = await client.post("/rpc", headers={"X-Forwarded-For": "10.1.2.3"})
    assert response.status_code == 403
    assert asked == [(SOCKET_CLIENT, SOCKET_SERVER)]


async def test_a_scope_without_the_socket_record_is_refused() -> None:
    async with _client(stamped=False) as client:
        response = await client.post("/rpc")
    assert response.status_code == 403
    assert "listener" in response.text


async def test_the_page_and_assets_load_from_any_site_for_embedding() -> None:
    async with _client() as client:
        for path in ("/", "/embed.js", "/static/tab.js"):
            response = await client.get(path, headers={"Sec-Fetch-Site": "cross-site"})
            assert response.status_code == 200, path
        wrong_host = await client.get("/", headers={"Host": "evil.example"})
    assert wrong_host.status_code == 403


async def test_the_allowed_host_page_gets_cors() -> None:
    async with _client() as client:
        preflight = await client.options("/rpc", headers={
            "Origin": HOST_PAGE, "Access-Control-Request-Method": "POST"})
        answer = await client.post("/rpc", headers={"Origin": HOST_PAGE})
        own = await client.post("/rpc", headers={"Origin": f"http://{OWN}"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == HOST_PAGE
    assert "content-type" in preflight.headers["access-control-allow-headers"]
    assert answer.headers["access-control-allow-origin"] == HOST_PAGE
    assert "access-control-allow-origin" not in own.headers


async def test_a_websocket_from_a_foreign_page_is_closed_before_it_opens() -> None:
    sent: list[Message] = []
    reached: list[str] = []

    async def app(scope: Any, _receive: Any, _send: Any) -> None:
        reached.append(scope["path"])

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    guard = BrowserGuard(app, hosts=[OWN], embed_origins=[], owner_check=lambda *_: True)
    scope = {"type": "websocket", "path": "/rpc", "headers": [
        (b"host", OWN.encode()), (b"origin", b"https://evil.example")],
        "extensions": {TRANSPORT_EXTENSION: {"client": SOCKET_CLIENT, "server": SOCKET_SERVER}}}
    await guard(scope, receive, send)
    assert reached == []
    assert sent[0]["type"] == "websocket.close"
    scope["headers"] = [(b"host", OWN.encode()), (b"origin", f"http://{OWN}".encode())]
    await guard(scope, receive, send)
    assert reached == ["/rpc"]
