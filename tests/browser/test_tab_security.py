"""What the tab's server refuses: other addresses, other hosts, other pages.

A server on 127.0.0.1 that acts as the device is reachable from any page the person
opens, so everything here is checked against the real ``ui`` processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from ._processes import CLIENT_COMMAND
from .conftest import PROJECT, Stack

FOREIGN = "http://evil.example"
CALL = {"jsonrpc": "2.0", "id": 1, "method": "client.projects"}


def _http(method: str, url: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, url, trust_env=False, timeout=10, **kwargs)


def _ui(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    tab = stack.agent
    return subprocess.run(  # noqa: S603 - our own program
        [*CLIENT_COMMAND, "--config-dir", str(tab.root / "config"), "--overlay", "loopback",
         "--device", tab.device, "ui", "--port", "0", *args],
        capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "localhost"])  # noqa: S104 - refused
def test_ui_listens_on_loopback_only(stack: Stack, host: str) -> None:
    result = _ui(stack, "--host", host)
    assert result.returncode == 2, result.stderr
    assert "loopback" in result.stderr


def test_ui_refuses_wildcard_embedding_origins_and_unknown_projects(stack: Stack) -> None:
    wildcard = _ui(stack, "--frame-ancestors", "*")
    assert wildcard.returncode == 2
    assert "is not an origin" in wildcard.stderr
    unknown = _ui(stack, "--project", "nosuch")
    assert unknown.returncode == 2
    assert f"followed: {PROJECT}" in unknown.stderr


def test_the_page_may_be_framed_only_by_the_allowed_origins(stack: Stack) -> None:
    customer = _http("GET", f"{stack.customer.url}/").headers["content-security-policy"]
    assert f"frame-ancestors 'self' {stack.site.origin}" in customer
    agent = _http("GET", f"{stack.agent.url}/").headers["content-security-policy"]
    assert agent.endswith("frame-ancestors 'self'")
    assert "script-src 'self';" in agent


def test_requests_that_a_foreign_page_could_make_are_refused(stack: Stack) -> None:
    base = stack.customer.url
    assert _http("POST", f"{base}/rpc", json=CALL, headers={"Origin": FOREIGN}).status_code == 403
    rebound = _http("GET", f"{base}/", headers={"Host": f"evil.example:{stack.customer.port}"})
    assert rebound.status_code == 403
    probe = _http("GET", f"{base}/attachments/{PROJECT}/{'0' * 64}",
                  headers={"Sec-Fetch-Site": "cross-site"})
    assert probe.status_code == 403
    simple = _http("POST", f"{base}/rpc", content=b'{"jsonrpc":"2.0","id":1,"method":"x"}',
                   headers={"content-type": "text/plain"})
    assert simple.status_code == 415
    # A local program (no Origin, no Sec-Fetch-*) is served.
    assert _http("POST", f"{base}/rpc", json=CALL).json()["result"][0]["label"] == PROJECT


def test_the_allowed_host_page_gets_cors_answers(stack: Stack) -> None:
    base, origin = stack.customer.url, stack.site.origin
    preflight = _http("OPTIONS", f"{base}/rpc", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == origin
    answer = _http("POST", f"{base}/rpc", json=CALL, headers={"Origin": origin})
    assert answer.headers["access-control-allow-origin"] == origin
    other = _http("POST", f"{stack.agent.url}/rpc", json=CALL, headers={"Origin": origin})
    assert other.status_code == 403  # the agent's tab allows no host page


def test_websockets_from_foreign_pages_are_refused(stack: Stack) -> None:
    url = f"ws://127.0.0.1:{stack.customer.port}/rpc"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin=FOREIGN, proxy=None, open_timeout=10)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    with connect(url, origin=stack.site.origin, proxy=None,  # type: ignore[arg-type]
                 open_timeout=10) as socket:
        socket.send('{"jsonrpc":"2.0","id":7,"method":"client.projects"}')
        assert '"id":7' in str(socket.recv(timeout=10))


AS_NOBODY = ("import encodings.idna, os, http.client, sys; os.setgid(65534); os.setuid(65534); "
             "c = http.client.HTTPConnection('127.0.0.1', {port}, timeout=10); "
             "c.request('POST', '/rpc', body=sys.argv[1], "
             "headers={{'content-type': 'application/json'}}); "
             "print(c.getresponse().status)")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another user")
def test_other_users_of_the_machine_are_refused(stack: Stack) -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", AS_NOBODY.format(port=stack.customer.port), json.dumps(CALL)],
        capture_output=True, text=True, timeout=30, check=False)
    assert result.stdout.strip() == "403", result.stderr
