"""Build the OpenRPC 1.3.2 document of a registry from its methods' own types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from ._draft7 import to_draft7
from .errors import APPLICATION_ERRORS, PROTOCOL_ERRORS, ErrorCode

if TYPE_CHECKING:
    from .registry import MethodSpec

OPENRPC_VERSION = "1.3.2"
SCHEMA_REF = "#/components/schemas/{name}"
ERROR_REF = "#/components/errors/{name}"


def build_document(
    *,
    title: str,
    version: str,
    description: str,
    methods: Sequence[MethodSpec],
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The OpenRPC document describing ``methods``.

    Schemas come from ``msgspec.json.schema_components`` over every params Struct and
    result type, rewritten to JSON Schema draft 7; each params Struct field becomes
    one content descriptor. ``components.errors`` holds the protocol errors, every
    application error of the mapping table and any other error a method lists.
    """
    types: list[Any] = []
    for spec in methods:
        types.append(spec.result)
        if spec.params is not None:
            types.append(spec.params)
    schemas, components = msgspec.json.schema_components(types, ref_template=SCHEMA_REF)
    described = iter(schemas)
    method_objects = []
    for spec in methods:
        result = next(described)
        params = [] if spec.params is None else _params(next(described), components)
        method_objects.append({
            "name": spec.name,
            "summary": spec.summary,
            "description": spec.description,
            "tags": [{"name": tag} for tag in spec.tags],
            "paramStructure": "by-name",
            "params": params,
            "result": _descriptor("result", result, components),
            "errors": [{"$ref": ERROR_REF.format(name=code.name)} for code in spec.errors],
        })
    document: dict[str, Any] = {
        "openrpc": OPENRPC_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "methods": method_objects,
        "components": {
            "schemas": {name: to_draft7(schema) for name, schema in components.items()},
            "errors": _errors(code for spec in methods for code in spec.errors),
        },
    }
    for key, value in (extensions or {}).items():
        if not key.startswith("x-"):
            raise ValueError(f"document extension {key!r} must start with 'x-'")
        document[key] = value
    return document


def _params(schema: dict[str, Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    struct = _resolve(schema, components)
    required = set(struct.get("required", ()))
    return [
        _descriptor(name, field, components, required=name in required)
        for name, field in struct.get("properties", {}).items()
    ]


def _descriptor(
    name: str, schema: dict[str, Any], components: dict[str, Any], *, required: bool = True
) -> dict[str, Any]:
    descriptor: dict[str, Any] = {"name": name, "required": required, "schema": to_draft7(schema)}
    text = schema.get("description") or _resolve(schema, components).get("description")
    if text:
        descriptor["description"] = text
    return descriptor


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return components[ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]
    return schema


def _errors(listed: Iterable[ErrorCode]) -> dict[str, dict[str, Any]]:
    errors: dict[str, dict[str, Any]] = {}
    seen: dict[str, ErrorCode] = {}
    for code in (*PROTOCOL_ERRORS, *APPLICATION_ERRORS, *listed):
        if seen.setdefault(code.name, code) != code:
            raise ValueError(f"two different errors are named {code.name!r}")
        error: dict[str, Any] = {"code": code.code, "message": code.message}
        if code.data_example is not None:
            error["data"] = code.data_example
        errors[code.name] = error
    return errors
