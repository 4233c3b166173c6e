"""The OpenRPC document a registry publishes: valid, complete and self-contained."""

from __future__ import annotations

import copy
import enum
import json
from datetime import datetime
from typing import Annotated, Any

import msgspec
import pytest
from jsonschema import Draft7Validator
from msgspec import Meta, Struct

from hero_assistance.adapters.jsonrpc import (
    APPLICATION_ERRORS,
    CONFLICT,
    FORBIDDEN,
    ILLEGAL_TRANSITION,
    INVALID_PARAMS,
    NOT_FOUND,
    PROTOCOL_ERRORS,
    MethodRegistry,
)

from ..openrpc_meta import openrpc_meta_validator

pytestmark = pytest.mark.anyio

# Keywords of JSON Schema 2019-09/2020-12 that draft 7 does not know (and would ignore).
NOT_DRAFT7 = {
    "$defs", "prefixItems", "dependentRequired", "dependentSchemas", "unevaluatedItems",
    "unevaluatedProperties", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef",
}


class Status(enum.Enum):
    """Where a ticket stands."""

    OPEN = "open"
    CLOSED = "closed"


class Priority(enum.IntEnum):
    """How urgent a ticket is."""

    LOW = 1
    HIGH = 2


class Attachment(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A file attached to a message."""

    name: Annotated[str, Meta(min_length=1, max_length=255)]
    size: Annotated[int, Meta(ge=0, description="Bytes.")]


class Draft(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The first message of a ticket."""

    body: Annotated[str, Meta(min_length=1, max_length=65536)]
    attachments: list[Attachment] = []


class CreateTicket(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Open a ticket."""

    subject: Annotated[str, Meta(min_length=1, max_length=200, description="One line.")]
    draft: Annotated[Draft, Meta(description="What the customer wrote.")]
    priority: Priority = Priority.LOW
    status: Status = Status.OPEN
    tags: frozenset[Annotated[str, Meta(pattern="^[a-z-]+$")]] = frozenset()
    assignee: int | None = None
    window: tuple[int, str] | None = None


class Ticket(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A ticket as callers see it."""

    id: int
    subject: str
    status: Status
    priority: Priority
    created_at: datetime
    tags: list[str] = []
    window: tuple[int, str] | None = None


class TicketRef(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Names one ticket."""

    id: Annotated[int, Meta(gt=0)]


class ListTickets(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One page of tickets."""

    status: Status | None = None
    after: int | None = None
    limit: Annotated[int, Meta(ge=1, le=200)] = 50


def _registry() -> MethodRegistry[None]:
    registry = MethodRegistry[None](
        title="Hero assistance", version="0.1.0", description="Support desk.",
        extensions={"x-attachments": {"upload": "POST /attachments"}},
    )

    @registry.method(
        "ticket.create", params=CreateTicket, result=Ticket, summary="Open a ticket.",
        description="The caller becomes the requester.", errors=[FORBIDDEN, INVALID_PARAMS],
        tags=["tickets"],
    )
    async def create(ctx: None, params: CreateTicket) -> Ticket:
        raise NotImplementedError

    @registry.method(
        "ticket.list", params=ListTickets, result=list[Ticket], summary="List tickets.",
        tags=["tickets"],
    )
    async def list_(ctx: None, params: ListTickets) -> list[Ticket]:
        raise NotImplementedError

    @registry.method(
        "ticket.close", params=TicketRef, result=None, summary="Close a ticket.",
        errors=[NOT_FOUND, ILLEGAL_TRANSITION, CONFLICT], tags=["tickets", "status"],
    )
    async def close(ctx: None, params: TicketRef) -> None:
        raise NotImplementedError

    @registry.method("presence.ping", params=None, result=bool, summary="Heartbeat.")
    async def ping(ctx: None, params: None) -> bool:
        raise NotImplementedError

    return registry


def _walk(node: Any, path: str = "") -> Any:
    """Yield (path, dict) for every object in the document."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _schemas(document: dict[str, Any]) -> list[Any]:
    schemas = list(document["components"]["schemas"].values())
    for method in document["methods"]:
        schemas += [param["schema"] for param in method["params"]]
        schemas.append(method["result"]["schema"])
    return schemas


def test_document_validates_against_the_openrpc_meta_schema() -> None:
    document = _registry().openrpc_document()

    errors = sorted(openrpc_meta_validator().iter_errors(document), key=lambda e: list(e.path))

    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_the_meta_schema_check_rejects_a_broken_document() -> None:
    document = copy.deepcopy(_registry().openrpc_document())
    del document["methods"][1]["params"]
    document["methods"][2]["result"]["schema"] = {"type": "text"}

    assert len(list(openrpc_meta_validator().iter_errors(document))) >= 2


def test_header_and_extensions() -> None:
    document = _registry().openrpc_document()

    assert document["openrpc"] == "1.3.2"
    assert document["info"] == {
        "title": "Hero assistance", "version": "0.1.0", "description": "Support desk.",
    }
    assert document["x-attachments"] == {"upload": "POST /attachments"}


def test_every_method_is_listed_with_its_metadata() -> None:
    registry = _registry()
    document = registry.openrpc_document()

    methods = {method["name"]: method for method in document["methods"]}

    assert list(methods) == [spec.name for spec in registry.specs()]
    assert set(methods) == {
        "rpc.discover", "ticket.create", "ticket.list", "ticket.close", "presence.ping",
    }
    close = methods["ticket.close"]
    assert close["summary"] == "Close a ticket."
    assert close["tags"] == [{"name": "tickets"}, {"name": "status"}]
    assert close["paramStructure"] == "by-name"
    assert close["errors"] == [
        {"$ref": "#/components/errors/NotFound"},
        {"$ref": "#/components/errors/IllegalTransition"},
        {"$ref": "#/components/errors/Conflict"},
    ]
    assert methods["ticket.create"]["description"] == "The caller becomes the requester."
    assert methods["rpc.discover"]["params"] == []
    assert methods["presence.ping"]["params"] == []


def test_params_are_one_descriptor_per_struct_field_in_order() -> None:
    document = _registry().openrpc_document()
    create = next(m for m in document["methods"] if m["name"] == "ticket.create")

    params = {p["name"]: p for p in create["params"]}

    assert list(params) == [
        "subject", "draft", "priority", "status", "tags", "assignee", "window",
    ]
    assert {name for name, p in params.items() if p["required"]} == {"subject", "draft"}
    assert params["subject"]["description"] == "One line."
    assert params["subject"]["schema"]["maxLength"] == 200
    assert params["draft"]["description"] == "What the customer wrote."
    # A $ref with sibling keywords is wrapped, since draft 7 ignores a $ref's siblings.
    assert params["draft"]["schema"]["allOf"] == [{"$ref": "#/components/schemas/Draft"}]
    assert params["priority"]["schema"] == {
        "allOf": [{"$ref": "#/components/schemas/Priority"}], "default": 1,
    }


def test_results_describe_lists_none_and_structs() -> None:
    document = _registry().openrpc_document()
    results = {m["name"]: m["result"] for m in document["methods"]}

    assert results["ticket.list"]["schema"] == {
        "type": "array", "items": {"$ref": "#/components/schemas/Ticket"},
    }
    assert results["ticket.close"]["schema"] == {"type": "null"}
    assert results["presence.ping"]["schema"] == {"type": "boolean"}
    assert results["ticket.create"]["schema"] == {"$ref": "#/components/schemas/Ticket"}
    assert results["ticket.create"]["description"] == "A ticket as callers see it."
    assert results["rpc.discover"]["schema"]["type"] == "object"


def test_every_ref_resolves_inside_the_document() -> None:
    document = _registry().openrpc_document()

    refs = [(path, node["$ref"]) for path, node in _walk(document) if "$ref" in node]

    assert len(refs) > 10
    for path, ref in refs:
        target = _resolve(document, ref)
        assert isinstance(target, dict), f"{path}: {ref}"
    names = {ref.rsplit("/", 1)[1] for _, ref in refs if "/schemas/" in ref}
    assert {"Ticket", "Draft", "Attachment", "Status", "Priority"} <= names


def test_schemas_are_draft7() -> None:
    document = _registry().openrpc_document()

    for schema in _schemas(document):
        Draft7Validator.check_schema(schema)
        for path, node in _walk(schema):
            assert not NOT_DRAFT7 & set(node), f"{path}: {sorted(NOT_DRAFT7 & set(node))}"


def test_schemas_accept_what_the_decoder_accepts_and_reject_what_it_rejects() -> None:
    document = _registry().openrpc_document()
    validator = Draft7Validator(
        {"$ref": "#/components/schemas/CreateTicket", "components": document["components"]}
    )
    good = CreateTicket(
        subject="Printer", draft=Draft(body="on fire", attachments=[Attachment(name="a", size=1)]),
        priority=Priority.HIGH, tags=frozenset({"hw"}), window=(3, "days"),
    )
    good_json = json.loads(msgspec.json.encode(good))

    assert list(validator.iter_errors(good_json)) == []
    for bad in (
        {**good_json, "window": [3, "days", "extra"]},  # tuple length: items/additionalItems
        {**good_json, "window": ["days", 3]},  # tuple positions
        {**good_json, "status": "pending"},  # enum
        {**good_json, "subject": ""},  # Meta(min_length=1)
        {**good_json, "draft": {"body": "x", "colour": "red"}},  # forbid_unknown_fields
        {**good_json, "priority": 3},  # IntEnum
    ):
        assert list(validator.iter_errors(bad)) != [], bad
        with pytest.raises(msgspec.ValidationError):
            msgspec.json.decode(json.dumps(bad), type=CreateTicket)


def test_components_errors_list_every_documented_code() -> None:
    errors = _registry().openrpc_document()["components"]["errors"]

    assert {e["code"] for e in errors.values()} == {
        code.code for code in (*PROTOCOL_ERRORS, *APPLICATION_ERRORS)
    }
    assert errors["RateLimited"] == {
        "code": -32006, "message": "rate limited", "data": {"retry_after": 30},
    }
    assert errors["IllegalTransition"]["message"] == "illegal status change"


async def test_rpc_discover_returns_the_document() -> None:
    registry = _registry()

    response = await registry.handle(None, b'{"jsonrpc":"2.0","method":"rpc.discover","id":7}')

    assert response is not None
    assert msgspec.json.decode(response) == {
        "jsonrpc": "2.0", "result": registry.openrpc_document(), "id": 7,
    }


async def test_document_is_cached_and_rebuilt_when_a_method_is_added() -> None:
    registry = _registry()
    first = registry.openrpc_document()
    assert registry.openrpc_document() is first
    await registry.handle(None, b'{"jsonrpc":"2.0","method":"rpc.discover","id":1}')

    @registry.method("ticket.get", params=TicketRef, result=Ticket, summary="One ticket.")
    async def get(ctx: None, params: TicketRef) -> Ticket:
        raise NotImplementedError

    response = await registry.handle(None, b'{"jsonrpc":"2.0","method":"rpc.discover","id":1}')
    assert response is not None
    names = [m["name"] for m in msgspec.json.decode(response)["result"]["methods"]]
    assert "ticket.get" in names
    assert registry.openrpc_document() is not first


def test_extension_keys_must_start_with_x() -> None:
    registry = MethodRegistry[None](title="t", version="1", extensions={"attachments": {}})

    with pytest.raises(ValueError, match="must start with 'x-'"):
        registry.openrpc_document()
