"""The benchmark probes exist only in ``serve --benchmark``, never in normal serving."""

from __future__ import annotations

import pytest

from .server_harness import RpcClient, ServerProcess

pytestmark = pytest.mark.anyio


async def test_normal_serving_has_no_benchmark_probes(server: ServerProcess) -> None:
    async with RpcClient(server, "127.0.0.42") as stranger:
        document = await stranger.call("rpc.discover")
        listen = await stranger.error("bench.listen")
        echo = await stranger.http.post(
            "/bench/rpc", json={"jsonrpc": "2.0", "id": 1, "method": "bench.echo"})

    assert not [m["name"] for m in document["methods"] if m["name"].startswith("bench.")]
    assert listen.code == -32601
    assert echo.status_code == 404
    # The same document does list the server's own methods: the check above has teeth.
    assert "ticket.create" in {m["name"] for m in document["methods"]}
