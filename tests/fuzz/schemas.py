"""Reading an OpenRPC document: each method's params as one JSON Schema, and its bounds.

The adversarial suite generates requests from the document a server serves, not from
the Python types behind it, so it tests what a stranger would read and send.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_COMPONENT_REF = "#/components/schemas/"


@dataclass(frozen=True)
class MethodShape:
    """One method: its name, its params as an object schema, and the fields it has."""

    name: str
    params: dict[str, Any]  # draft 7, self-contained (definitions inlined)
    fields: tuple[str, ...]
    required: tuple[str, ...]


def method_shapes(document: dict[str, Any]) -> list[MethodShape]:
    """Every method of ``document``, its params gathered into one object schema."""
    definitions = {name: _local_refs(schema)
                   for name, schema in document["components"]["schemas"].items()}
    shapes = []
    for method in document["methods"]:
        properties = {p["name"]: _local_refs(p["schema"]) for p in method["params"]}
        required = [p["name"] for p in method["params"] if p.get("required")]
        schema = {"type": "object", "properties": properties, "required": required,
                  "additionalProperties": False, "definitions": definitions}
        shapes.append(MethodShape(method["name"], schema, tuple(properties), tuple(required)))
    return shapes


def _local_refs(schema: Any) -> Any:
    """``#/components/schemas/X`` becomes ``#/definitions/X`` (one schema holds all)."""
    if isinstance(schema, dict):
        out = {key: _local_refs(value) for key, value in schema.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(_COMPONENT_REF):
            out["$ref"] = "#/definitions/" + ref.removeprefix(_COMPONENT_REF)
        return out
    if isinstance(schema, list):
        return [_local_refs(value) for value in schema]
    return copy.copy(schema)


def unbounded_params(document: dict[str, Any]) -> list[str]:
    """Paths of params schemas that let a caller send a value no column can hold.

    An integer needs ``minimum`` and ``maximum`` within signed 64 bits, a number finite
    ones; a string either ``maxLength``, a ``pattern`` anchored at both ends, an
    ``enum`` or a ``const``. The result lists strings too, so a test can name the few
    left to the domain's own rules on purpose.
    """
    components = document["components"]["schemas"]
    found: list[str] = []
    for method in document["methods"]:
        for param in method["params"]:
            where = f"{method['name']}.{param['name']}"
            found.extend(_unbounded(param["schema"], where, components, frozenset()))
    return sorted(set(found))


def _unbounded(schema: Any, where: str, components: dict[str, Any],
               seen: frozenset[str]) -> Iterator[str]:
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            yield from _unbounded(components[name], where, components, seen | {name})
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, ()):
            yield from _unbounded(option, where, components, seen)
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if "enum" in schema or "const" in schema:
        return
    if "integer" in kinds and not (
            schema.get("minimum", INT64_MIN - 1) >= INT64_MIN
            and schema.get("maximum", INT64_MAX + 1) <= INT64_MAX):
        yield f"{where}: integer"
    if "number" in kinds and not ("minimum" in schema and "maximum" in schema):
        yield f"{where}: number"
    if "string" in kinds and "maxLength" not in schema and not _anchored(schema):
        yield f"{where}: string"
    if "array" in kinds:
        items = schema.get("items", {})
        for item in items if isinstance(items, list) else [items]:
            yield from _unbounded(item, f"{where}[]", components, seen)
    for name, sub in schema.get("properties", {}).items():
        yield from _unbounded(sub, f"{where}.{name}", components, seen)


def _anchored(schema: dict[str, Any]) -> bool:
    pattern = schema.get("pattern", "")
    return pattern.startswith("^") and pattern.endswith("$") and "*" not in pattern \
        and "+" not in pattern
