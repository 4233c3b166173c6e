"""No header names a caller: the real server, with headers that try to (issue 12, point 1).

uvicorn rewrites ``scope["client"]`` from ``X-Forwarded-For`` by default when the peer
is 127.0.0.1 (or any peer, with ``FORWARDED_ALLOW_IPS=*`` in the environment), and
other stacks read ``Forwarded``, ``X-Real-IP`` and friends. Each test runs against a
server started with the default environment and one started with
``FORWARDED_ALLOW_IPS=*``, from the device at 127.0.0.1 (the peer uvicorn trusts by
default) and from another one. Whatever the headers say, the caller is the device
that connected: over HTTP ``/rpc``, the WebSocket upgrade, the attachment routes and
the sign-in link page.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
import pytest
from websockets.asyncio.client import connect

from tests.support.sign_in_mail import read_sign_in_mail, token_of

from ..unit.images import png_image
from .server_harness import Person, ServerProcess, newest_code, start_server

pytestmark = pytest.mark.anyio

TRUSTED_BY_DEFAULT = "127.0.0.1"  # uvicorn's default FORWARDED_ALLOW_IPS
OTHER_DEVICE = "127.0.31.2"
ADMIN = "127.0.31.9"
UNBOUND, VICTIM, PRESSER = "127.0.31.5", "127.0.31.6", "127.0.31.7"
_colours = itertools.count(1)


def spoofs(target: str) -> list[dict[str, str]]:
    """Every header some proxy or framework reads a client address from, naming
    ``target`` (one at a time, and all at once)."""
    one_each = [
        {"X-Forwarded-For": target},
        {"X-Forwarded-For": f"{target}, {target}"},
        {"Forwarded": f"for={target}"},
        {"Forwarded": f'for="{target}:4711";proto=https;by=127.0.0.1'},
        {"X-Real-IP": target},
        {"True-Client-IP": target},
        {"CF-Connecting-IP": target},
        {"X-Client-IP": target},
        {"X-Cluster-Client-IP": target},
        {"Fastly-Client-IP": target},
        {"X-Forwarded-Host": target, "X-Forwarded-Proto": "https",
         "X-Forwarded-Port": "443"},
    ]
    every = {key: value for headers in one_each for key, value in headers.items()}
    return [*one_each, every]


@dataclass(frozen=True)
class Scene:
    """A server (default environment or FORWARDED_ALLOW_IPS=*) and its people."""

    server: ServerProcess
    environment: str
    attackers: tuple[Person, ...]
    admin: Person


@pytest.fixture(scope="module", params=["default environment", "FORWARDED_ALLOW_IPS=*"])
def scene(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """A server with a customer on 127.0.0.1, one on another address, and an admin."""
    env = {"FORWARDED_ALLOW_IPS": "*"} if request.param.startswith("FORWARDED") else {}
    server = start_server(tmp_path_factory.mktemp("spoof"), env=env)
    try:
        attackers = (server.person("customer", TRUSTED_BY_DEFAULT),
                     server.person("customer", OTHER_DEVICE))
        yield Scene(server=server, environment=request.param, attackers=attackers,
                    admin=server.person("admin", ADMIN))
    finally:
        assert server.stop() == 0, server.log()


def _http(server: ServerProcess, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=address,
                                                                verify=False),
                             base_url=server.base_url, timeout=10, trust_env=False)


def _rpc(method: str, params: Any = None) -> bytes:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        body["params"] = params
    return msgspec.json.encode(body)


async def _whoami(http: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await http.post("/rpc", content=_rpc("auth.whoami"),
                               headers={"content-type": "application/json", **headers})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert "result" in answer, answer
    result: dict[str, Any] = answer["result"]
    return result


async def test_http_rpc_callers_are_the_connecting_device(scene: Scene) -> None:
    for attacker in scene.attackers:
        async with _http(scene.server, attacker.address) as http:
            for headers in spoofs(scene.admin.address):
                me = await _whoami(http, headers)
                assert me["device_addr"] == attacker.address, (scene.environment, headers, me)
                assert me["user"]["email"] == attacker.email, (headers, me)
                assert me["user"]["role"] == "customer", (headers, me)
                listed = await http.post("/rpc", content=_rpc("user.list"), headers=headers)
                assert listed.json()["error"]["code"] == -32002, (headers, listed.text)


async def test_a_websocket_caller_is_the_connecting_device(scene: Scene) -> None:
    for attacker in scene.attackers:
        for headers in spoofs(scene.admin.address):
            async with connect(scene.server.ws_url, local_addr=(attacker.address, 0),
                               additional_headers=headers, open_timeout=10,
                               close_timeout=2) as socket:
                await socket.send(_rpc("auth.whoami").decode())
                me = json.loads(await socket.recv())["result"]
                assert me["device_addr"] == attacker.address, (scene.environment, headers)
                assert me["user"]["email"] == attacker.email
                await socket.send(_rpc("user.list").decode())
                assert json.loads(await socket.recv())["error"]["code"] == -32002, headers


async def test_attachment_routes_serve_the_connecting_device(scene: Scene) -> None:
    server, admin = scene.server, scene.admin
    async with _http(server, admin.address) as as_admin:
        uploaded = await as_admin.post("/attachments", content=png_image(
            3, 3, rgb=(next(_colours), 50, 60)),
            headers={"content-type": "application/octet-stream"})
        assert uploaded.status_code == 201, uploaded.text
        admins = uploaded.json()["sha256"]  # uploaded, attached nowhere: only the admin's
        assert (await as_admin.get(f"/attachments/{admins}")).status_code == 200
    for attacker in scene.attackers:
        async with _http(server, attacker.address) as http, \
                _http(server, admin.address) as as_admin:
            for headers in spoofs(admin.address):
                stolen = await http.get(f"/attachments/{admins}", headers=headers)
                assert stolen.status_code == 404, (scene.environment, headers, stolen.text)
                mine = await http.post("/attachments", content=png_image(
                    2, 2, rgb=(next(_colours) % 256, 9, 9)), headers={
                    "content-type": "application/octet-stream", **headers})
                assert mine.status_code == 201, mine.text
                sha = mine.json()["sha256"]
                # The upload is the attacker's: they read it without headers, the admin
                # (whose address the headers named) cannot.
                assert (await http.get(f"/attachments/{sha}")).status_code == 200
                assert (await as_admin.get(f"/attachments/{sha}")).status_code == 404, headers


async def test_the_sign_in_link_binds_the_device_that_asked(scene: Scene) -> None:
    server = scene.server
    email = f"newcomer-{scene.environment[:3].lower()}@example.com"
    server.admin_call("user.enroll", {"email": email, "role": "customer",
                                      "display_name": "Newcomer"})
    async with _http(server, UNBOUND) as asker:
        # One request with every header at once: sign-in requests are rate-limited.
        asked = await asker.post("/rpc", content=_rpc("auth.request_link", {
            "email": email, "device_label": "my laptop"}), headers=spoofs(VICTIM)[-1])
        assert "result" in asked.json(), asked.text
    newest_code(server.outbox, email)  # the email was written
    mail = read_sign_in_mail(sorted(server.outbox.glob("*.eml"))[-1].read_bytes())
    token = token_of(mail.link)
    async with _http(server, PRESSER) as presser:
        for headers in spoofs(VICTIM):
            page = await presser.get(f"/auth/link/{token}", headers=headers)
            assert page.status_code == 200, page.text
            assert UNBOUND in page.text
            assert VICTIM not in page.text
        bound = await presser.post(f"/auth/link/{token}",
                                   headers=spoofs(VICTIM)[-1])
        assert bound.status_code == 200, bound.text
        assert UNBOUND in bound.text
    async with _http(server, UNBOUND) as asker, _http(server, VICTIM) as victim:
        assert (await _whoami(asker, {}))["user"]["email"] == email
        assert (await _whoami(victim, {}))["bound"] is False
        assert (await _whoami(victim, {"X-Forwarded-For": UNBOUND}))["bound"] is False
