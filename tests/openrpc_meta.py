"""The OpenRPC meta-schema as a validator that works offline (shared by test suites)."""

from __future__ import annotations

import copy
import json
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from tests.reference import reference_file

JSON_SCHEMA_TOOLS = "https://meta.json-schema.tools"


def openrpc_meta_validator() -> Draft7Validator:
    """A draft 7 validator of the OpenRPC meta-schema, its external ``$ref`` resolved."""
    meta = json.loads(reference_file("openrpc-meta-schema.json").read_text())
    # The meta-schema refers to https://meta.json-schema.tools for "a JSON Schema": the
    # draft 7 meta-schema with titles added, plus a JSONSchemaObject definition that
    # referenceObject points into. It is not vendored, so stand in the draft 7
    # meta-schema itself, under that URI, with the definition it needs.
    dialect = copy.deepcopy(Draft7Validator.META_SCHEMA)
    dialect["$id"] = JSON_SCHEMA_TOOLS + "/"
    dialect["definitions"]["JSONSchemaObject"] = {
        "type": "object", "properties": dialect["properties"],
    }
    resource = DRAFT7.create_resource(dialect)
    registry: Registry[Any] = Registry().with_resources(
        [(JSON_SCHEMA_TOOLS, resource), (JSON_SCHEMA_TOOLS + "/", resource)]
    )
    return Draft7Validator(meta, registry=registry)


def meta_schema_errors(document: dict[str, Any]) -> list[str]:
    """Every way ``document`` breaks the OpenRPC meta-schema, as readable lines."""
    errors = sorted(openrpc_meta_validator().iter_errors(document), key=lambda e: list(e.path))
    return [f"{list(e.path)}: {e.message}" for e in errors]
