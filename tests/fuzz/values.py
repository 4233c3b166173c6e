"""Valid-shaped values for a JSON Schema (the draft 7 subset OpenRPC documents use here).

Handles ``type`` (one or a list), ``enum``/``const``, ``anyOf``/``oneOf``/``allOf``,
``$ref`` into ``definitions``, number and integer bounds, string length and ``pattern``,
array ``items``/``maxItems``/``minItems``, and objects with ``properties``,
``required`` and ``additionalProperties``. Values lean to the edges (bounds, empty and
long strings), which is where servers break.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_ANY: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)


def from_schema(  # noqa: PLR0911 - one return per schema keyword
        schema: Any, definitions: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """A strategy of values ``schema`` accepts (``definitions`` resolves ``$ref``)."""
    if schema is True or schema == {}:
        return _ANY
    if schema is False:
        return st.nothing()
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return st.deferred(lambda: from_schema(definitions[name], definitions))
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(option, definitions) for option in schema[key]])
    if "allOf" in schema:  # msgspec writes allOf only around a single $ref
        return from_schema(schema["allOf"][0], definitions)
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": k}, definitions) for k in kind])
    return _BY_TYPE.get(kind, lambda _s, _d: _ANY)(schema, definitions)


def _integer(schema: Mapping[str, Any], _defs: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    low, high = schema.get("minimum"), schema.get("maximum")
    edges = [n for n in (low, high) if n is not None]
    return st.one_of(st.integers(low, high), st.sampled_from(edges)) if edges \
        else st.integers()


def _number(schema: Mapping[str, Any], _defs: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False,
                     allow_infinity=False)


def _string(schema: Mapping[str, Any], _defs: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    text = st.text(st.characters(codec="utf-8"), min_size=low, max_size=min(high or 60, 60))
    if high is not None and high > 60:
        return st.one_of(text, st.text(min_size=high, max_size=high))
    return text


def _array(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    items = schema.get("items", True)
    if isinstance(items, list):  # fixed positions (draft 7 tuple form)
        return st.tuples(*(from_schema(item, defs) for item in items)).map(list)
    high = schema.get("maxItems")
    return st.lists(from_schema(items, defs), min_size=schema.get("minItems", 0),
                    max_size=min(high if high is not None else 5, 5))


def _object(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    members = {name: from_schema(sub, defs) for name, sub in properties.items()}
    optional = [name for name in properties if name not in required]
    chosen = st.lists(st.sampled_from(optional), unique=True) if optional else st.just([])

    def build(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
        wanted = sorted(required | set(names), key=list(properties).index)
        return st.fixed_dictionaries({name: members[name] for name in wanted})

    return chosen.flatmap(build)


def _null(_schema: Mapping[str, Any], _defs: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    return st.none()


def _boolean(_schema: Mapping[str, Any], _defs: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    return st.booleans()


_BY_TYPE = {"integer": _integer, "number": _number, "string": _string, "array": _array,
            "object": _object, "null": _null, "boolean": _boolean}
