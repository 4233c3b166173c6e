"""Rewrite msgspec's JSON Schema (2020-12 flavoured) into draft 7, which OpenRPC uses.

msgspec describes fixed-length tuples with ``prefixItems`` and may put keywords next
to ``$ref``; in draft 7 the first is unknown and the second silently ignores those
keywords. Both are rewritten into their draft 7 equivalents. Keywords whose value is
data (``default``, ``enum``, ``const``, ``examples``) are copied untouched.
"""

from __future__ import annotations

from typing import Any

_ONE_SCHEMA = frozenset({
    "additionalItems", "additionalProperties", "contains", "else", "if", "items", "not",
    "propertyNames", "then", "unevaluatedItems", "unevaluatedProperties",
})
_SCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAP = frozenset({"definitions", "$defs", "dependentSchemas", "patternProperties",
                         "properties"})


def to_draft7(schema: Any) -> Any:
    """A draft 7 equivalent of one msgspec-generated schema (the input is not changed)."""
    if not isinstance(schema, dict):
        return schema  # true / false
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_LIST or (key == "items" and isinstance(value, list)):
            out[key] = [to_draft7(v) for v in value]
        elif key in _ONE_SCHEMA:
            out[key] = to_draft7(value)
        elif key in _SCHEMA_MAP:
            out[key] = {name: to_draft7(v) for name, v in value.items()}
        else:
            out[key] = value
    if "prefixItems" in out:
        # 2020-12: prefixItems = per-position schemas, items = the rest.
        # Draft 7: items (array) = per-position schemas, additionalItems = the rest.
        rest = out.pop("items", True)
        out["items"] = out.pop("prefixItems")
        if rest is not True:
            out["additionalItems"] = rest
    if "$defs" in out:
        out["definitions"] = {**out.pop("$defs"), **out.get("definitions", {})}
    if "dependentSchemas" in out:
        out["dependencies"] = {**out.pop("dependentSchemas"), **out.get("dependencies", {})}
    if "dependentRequired" in out:
        out["dependencies"] = {**out.pop("dependentRequired"), **out.get("dependencies", {})}
    if "$ref" in out and len(out) > 1:
        # Draft 7 ignores a $ref's siblings; allOf keeps them in force.
        out = {"allOf": [{"$ref": out.pop("$ref")}], **out}
    return out
