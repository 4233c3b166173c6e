"""The mycelium API stand-in answers exactly as mycelium's own spec says.

Its answers are validated against the result schemas of ``mycelium-openrpc.json`` (and
the REST ``Info`` of ``mycelium-api.yaml``, which is the same object), made strict so a
misspelt or extra field fails: the adapter tests run against the real contract.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest

from tests.reference import reference_file
from tests.support.processes import Child, start_standin

OPENRPC = reference_file("mycelium-openrpc.json")
NODE_IP = "4aa:1::1"
SUBNET = "4aa:1::/64"
PUBKEY = "02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf"
PEER_IP = "5fd:7636:b80:9ad0::1"
PEER_KEY = "ab" * 32


def _spec() -> dict[str, Any]:
    return dict(json.loads(OPENRPC.read_text()))


def _method(name: str) -> dict[str, Any]:
    return next(m for m in _spec()["methods"] if m["name"] == name)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    node: Any = _spec()
    for part in schema["$ref"].removeprefix("#/").split("/"):
        node = node[part]
    return dict(copy.deepcopy(node))


def strict_result_schema(method: str, required: list[str]) -> dict[str, Any]:
    """The method's result schema, closed: no unknown field, ``required`` present."""
    schema = _resolve(_method(method)["result"]["schema"])
    assert set(required) <= set(schema["properties"])
    return {**schema, "additionalProperties": False, "required": required}


def validate(instance: Any, schema: dict[str, Any]) -> None:
    """Draft 7 validation with format checks."""
    jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(instance)


def rpc(url: str, method: str, params: Any, call_id: int = 7) -> dict[str, Any]:
    """One JSON-RPC call; the whole answer object."""
    answer = httpx.post(url, json={"jsonrpc": "2.0", "id": call_id, "method": method,
                                   "params": params}, timeout=5)
    assert answer.status_code == 200
    body = dict(answer.json())
    assert body["jsonrpc"] == "2.0"
    assert body["id"] == call_id
    return body


@pytest.fixture(scope="module")
def standins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, str]]]:
    """Three stand-in processes: current daemon, legacy daemon, daemon-shaped keys."""
    logs = tmp_path_factory.mktemp("standin")
    common = ("--rest-listen", "127.0.0.1:0", "--subnet", SUBNET, "--pubkey", PUBKEY,
              "--known", f"{PEER_IP}={PEER_KEY}")
    children: list[Child] = []
    ready: dict[str, dict[str, str]] = {}
    try:
        for name, extra in (("current", ("--node-ip", NODE_IP)),
                            ("legacy", ("--legacy-no-nodeip",)),
                            ("daemon", ("--node-ip", NODE_IP, "--key-result", "daemon"))):
            child, addresses = start_standin(logs / f"{name}.log", options=(*common, *extra))
            children.append(child)
            ready[name] = {kind: f"http://{where}/" for kind, where in addresses.items()}
        yield ready
    finally:
        for child in children:
            assert child.stop() == 0, child.output()


def test_get_info_matches_the_info_schema(standins: dict[str, dict[str, str]]) -> None:
    result = rpc(standins["current"]["jsonrpc"], "getInfo", [])["result"]
    validate(result, strict_result_schema(
        "getInfo", ["nodeSubnet", "nodeIp", "nodePubkey", "nodeStartTime"]))
    assert result["nodeIp"] == NODE_IP
    assert result["nodeSubnet"] == SUBNET
    assert result["nodePubkey"] == PUBKEY


def test_a_legacy_daemon_reports_neither_node_ip_nor_start_time(
        standins: dict[str, dict[str, str]]) -> None:
    result = rpc(standins["legacy"]["jsonrpc"], "getInfo", [])["result"]
    validate(result, strict_result_schema("getInfo", ["nodeSubnet", "nodePubkey"]))
    assert "nodeIp" not in result
    assert "nodeStartTime" not in result


def test_rest_admin_returns_the_same_info(standins: dict[str, dict[str, str]]) -> None:
    urls = standins["current"]
    answer = httpx.get(urls["rest"] + "api/v1/admin", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    validate(answer.json(), strict_result_schema(
        "getInfo", ["nodeSubnet", "nodeIp", "nodePubkey", "nodeStartTime"]))
    assert answer.json() == rpc(urls["jsonrpc"], "getInfo", [])["result"]


def test_public_key_from_ip_by_position_and_by_the_spec_name(
        standins: dict[str, dict[str, str]]) -> None:
    url = standins["current"]["jsonrpc"]
    param = _method("getPublicKeyFromIp")["params"][0]["name"]
    schema = strict_result_schema("getPublicKeyFromIp", ["NodePubKey"])
    for params in ([PEER_IP], {param: PEER_IP}):
        result = rpc(url, "getPublicKeyFromIp", params)["result"]
        validate(result, schema)
        assert result == {"NodePubKey": PEER_KEY}
    own = rpc(url, "getPublicKeyFromIp", ["4aa:1::abcd"])["result"]
    assert own == {"NodePubKey": PUBKEY}


def test_an_unknown_address_is_the_spec_error(standins: dict[str, dict[str, str]]) -> None:
    documented = _method("getPublicKeyFromIp")["errors"][0]
    error = rpc(standins["current"]["jsonrpc"], "getPublicKeyFromIp", ["4aa:9::1"])["error"]
    assert error == {"code": documented["code"], "message": documented["message"]}
    rest = httpx.get(standins["current"]["rest"] + "api/v1/pubkey/4aa:9::1", timeout=5)
    assert rest.status_code == 404


def test_rest_pubkey_matches_the_schema(standins: dict[str, dict[str, str]]) -> None:
    answer = httpx.get(standins["current"]["rest"] + f"api/v1/pubkey/{PEER_IP}", timeout=5)
    assert answer.status_code == 200
    validate(answer.json(), strict_result_schema("getPublicKeyFromIp", ["NodePubKey"]))


def test_the_daemon_shape_is_a_bare_key_and_error_32008(
        standins: dict[str, dict[str, str]]) -> None:
    url = standins["daemon"]["jsonrpc"]
    assert rpc(url, "getPublicKeyFromIp", [PEER_IP])["result"] == PEER_KEY
    assert rpc(url, "getPublicKeyFromIp", ["4aa:9::1"])["error"]["code"] == -32008


def test_protocol_errors_use_json_rpc_codes(standins: dict[str, dict[str, str]]) -> None:
    url = standins["current"]["jsonrpc"]
    assert rpc(url, "noSuchMethod", [])["error"]["code"] == -32601
    assert rpc(url, "getPublicKeyFromIp", ["not-an-ip"])["error"]["code"] == -32602
    garbage = httpx.post(url, content=b"{not json", timeout=5).json()
    assert garbage["error"]["code"] == -32700
    assert garbage["id"] is None
